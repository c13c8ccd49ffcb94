import { labelNeurons, toLabelsDoc } from "../../concepts/index.js";
import { trainingBatch } from "../../models/types.js";
import { plantedWorld, type PlantedWorld } from "../../steer/testing.js";
import { Matrix } from "../../tensor/matrix.js";
import { buildWorkspace, type Workspace } from "../workspace.js";

/** Test fixture (not library code): a planted world served as a workspace. */
export interface ServeFixture {
  readonly world: PlantedWorld;
  readonly ws: Workspace;
}

/**
 * Item activations for the fixture's labels: row i is the mean SAE code of the training users who
 * interacted with item i (user-like inputs, so every neuron the users use gets items).
 */
export function meanUserCodeActivations(world: PlantedWorld): Matrix {
  const train = world.split.train;
  const codes = world.sae.encodeDense(world.model.encodeUsers(trainingBatch(train)));
  const d = codes.cols;
  const z = new Matrix(train.cols, d);
  const counts = new Float64Array(train.cols);
  for (let u = 0; u < train.rows; u++) {
    for (const i of train.rowIndices(u)) {
      counts[i]++;
      for (let j = 0; j < d; j++) z.data[i * d + j] += codes.data[u * d + j];
    }
  }
  for (let i = 0; i < train.cols; i++)
    for (let j = 0; j < d; j++) z.data[i * d + j] = counts[i] > 0 ? z.data[i * d + j] / counts[i] : 0;
  return z;
}

/**
 * The steering tests' planted world (300 users x 120 items x 4 concepts, ELSA dim 16, TopK SAE 16
 * latents, k 3) with labels from the default labeller, every dataset user served with their full
 * history. `labelsPath` persists label edits.
 */
export async function serveFixture(labelsPath?: string): Promise<ServeFixture> {
  const world = await plantedWorld({ seed: 1 });
  const z = meanUserCodeActivations(world);
  const labels = toLabelsDoc(
    labelNeurons(z, world.dataset.concepts),
    undefined,
    new Date("2024-01-01T00:00:00Z"),
  );
  const ws = buildWorkspace({
    dataset: world.dataset,
    model: world.model,
    sae: world.sae,
    labels,
    ...(labelsPath !== undefined ? { labelsPath } : {}),
    itemActivations: z,
    metrics: { "test/ndcg@20": 0.5 },
    source: { seed: 1 },
  });
  return { world, ws };
}
