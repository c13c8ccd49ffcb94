/**
 * The serving benchmarks' shared set-up (bench/serve.ts, bench/load-server.ts): the dataset named on
 * the command line and a workspace with ELSA (d 64) and a TopK SAE (256 latents, k 16), labelled
 * from the data's concepts when it has any.
 */
import { labelNeurons, toLabelsDoc } from "../src/concepts/index.js";
import { loadDataset } from "../src/data/load.js";
import { generateSynthetic } from "../src/data/synth.js";
import type { Dataset } from "../src/data/types.js";
import { createModel } from "../src/models/index.js";
import { trainingBatch, type Recommender } from "../src/models/types.js";
import { shuffledBatches } from "../src/sae/batches.js";
import { makeSaeConfig } from "../src/sae/config.js";
import { SparseAutoencoder } from "../src/sae/model.js";
import { trainSae } from "../src/sae/trainer.js";
import { buildWorkspace, type Workspace } from "../src/serve/workspace.js";
import { Rng } from "../src/tensor/rng.js";

/** "synth" (default synthetic data), "synth:<users>x<items>", or a dataset reference or path. */
export async function benchDataset(source: string): Promise<Dataset> {
  if (source === "synth") return generateSynthetic().dataset;
  const m = /^synth:(\d+)x(\d+)$/.exec(source);
  if (m) return generateSynthetic({ users: Number(m[1]), items: Number(m[2]), concepts: 20 }).dataset;
  return loadDataset(source, { cache: false });
}

/** The trained parts and the workspace built from them (`workspaceSec`: building the workspace alone). */
export interface BenchWorkspace {
  readonly model: Recommender;
  readonly sae: SparseAutoencoder;
  readonly ws: Workspace;
  readonly workspaceSec: number;
}

/** Trains ELSA and the SAE on `data` (seed 1) and builds the served workspace. */
export async function benchWorkspace(data: Dataset): Promise<BenchWorkspace> {
  const model = createModel("elsa", { dim: 64, epochs: 5 });
  await model.fit(data.matrix, { rng: new Rng(1) });
  const reps = model.encodeUsers(trainingBatch(data.matrix));
  const sae = new SparseAutoencoder(makeSaeConfig("topk", model.dim, 256, { k: 16 }), 1);
  sae.initialise(reps);
  await trainSae(
    sae,
    shuffledBatches(reps, 256, 1),
    { l2: { weight: 1 } },
    { epochs: 10, lr: 1e-3, progress: "never", seed: 1 },
  );
  const tWs = performance.now();
  let ws = buildWorkspace({ dataset: data, model, sae });
  if (data.concepts.length > 0)
    ws = { ...ws, labels: toLabelsDoc(labelNeurons(ws.neurons.itemActivations, data.concepts)) };
  return { model, sae, ws, workspaceSec: (performance.now() - tWs) / 1000 };
}
