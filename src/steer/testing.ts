import { generateSynthetic, type SynthTruth } from "../data/synth.js";
import { heldOutUsersSplit, type HeldOutUsersSplit } from "../data/splits/heldOutUsers.js";
import type { Dataset } from "../data/types.js";
import { createModel } from "../models/index.js";
import type { Recommender } from "../models/types.js";
import { trainingBatch } from "../models/types.js";
import { shuffledBatches } from "../sae/batches.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { trainSae } from "../sae/trainer.js";
import type { Sae } from "../sae/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";

/** Test fixtures for steering (not used by library code). */

/** A small planted world for steering tests: synthetic data, a fitted model and a trained TopK SAE. */
export interface PlantedWorld {
  readonly dataset: Dataset;
  readonly truth: SynthTruth;
  readonly split: HeldOutUsersSplit;
  readonly model: Recommender;
  readonly sae: Sae;
  /** conceptNeuron[c]: the latent with the highest value in row c of `conceptActivation`. */
  readonly conceptNeuron: Int32Array;
  /**
   * Activation of each latent for each concept (concepts x dSae): the code of a pseudo-user who
   * has seen all of the concept's items (SAE on users), or the mean code of its item vectors (SAE
   * on items).
   */
  readonly conceptActivation: Matrix;
}

/** Options of {@link plantedWorld}. */
export interface PlantedWorldOptions {
  readonly model?: "elsa" | "mf";
  readonly dim?: number;
  readonly dSae?: number;
  readonly k?: number;
  readonly seed?: number;
  /** What the SAE is trained on: the training users' vectors (default) or the item vectors. */
  readonly saeOn?: "users" | "items";
}

/**
 * ~300 users x 120 items x 4 concepts (generateSynthetic), held-out-users split, a small ELSA (or
 * MF) and a TopK SAE trained on the training users' probing-site vectors (or on the item vectors,
 * `saeOn: "items"`). Each concept is mapped to the latent with the highest activation on the
 * concept's items: for a user SAE, taken together as a pseudo-user who has seen every item of the
 * concept (a user-like input on the scale the SAE was trained on; single item vectors are not: for
 * ELSA they are unit rows of A, far from the users' mean); for an item SAE, the mean code of the
 * concept's item vectors.
 */
export async function plantedWorld(opts: PlantedWorldOptions = {}): Promise<PlantedWorld> {
  const seed = opts.seed ?? 1;
  const { dataset, truth } = generateSynthetic({
    users: 300,
    items: 120,
    concepts: 4,
    seed,
    meanInteractions: 14,
    maxActiveConcepts: 2,
    noiseRate: 0.03,
    secondaryRate: 0,
  });
  const split = heldOutUsersSplit(dataset, { seed, testFraction: 0.2, valFraction: 0 });
  const kind = opts.model ?? "elsa";
  const model = createModel(
    kind,
    kind === "elsa"
      ? { dim: opts.dim ?? 16, epochs: 15, batchSize: 64, lr: 0.05 }
      : { dim: opts.dim ?? 16, epochs: 60, lr: 0.05 },
  );
  await model.fit(split.train, { rng: new Rng(seed) });
  const onItems = opts.saeOn === "items";
  const z = onItems
    ? (model.encodeItems as () => Matrix).call(model)
    : model.encodeUsers(trainingBatch(split.train));
  const sae = new SparseAutoencoder(
    makeSaeConfig("topk", model.dim, opts.dSae ?? 16, { k: opts.k ?? 3 }),
    seed,
  );
  sae.initialise(z);
  await trainSae(
    sae,
    shuffledBatches(z, 32, seed),
    { l2: { weight: 1 } },
    { epochs: onItems ? 150 : 60, lr: 3e-3, progress: "never", seed },
  );
  const c = truth.conceptNames.length;
  const act = new Matrix(c, sae.dSae);
  if (onItems) {
    // Mean code of each concept's item vectors.
    const codes = sae.encodeDense(z);
    const counts = new Float64Array(c);
    for (let i = 0; i < z.rows; i++) {
      const g = truth.itemConcept[i];
      counts[g]++;
      for (let j = 0; j < sae.dSae; j++) act.data[g * sae.dSae + j] += codes.get(i, j);
    }
    for (let t = 0; t < act.data.length; t++) act.data[t] /= counts[Math.floor(t / sae.dSae)];
  } else {
    // The code of one pseudo-user per concept who has seen all of its items.
    const rows: number[] = [];
    const cols: number[] = [];
    for (let i = 0; i < dataset.items.length; i++) {
      rows.push(truth.itemConcept[i]);
      cols.push(i);
    }
    act.data.set(
      sae.encodeDense(model.encodeUsers({ rows: Csr.fromTriplets(c, dataset.items.length, rows, cols) }))
        .data,
    );
  }
  const conceptNeuron = new Int32Array(c);
  for (let g = 0; g < c; g++) {
    let best = 0;
    for (let j = 0; j < sae.dSae; j++) if (act.get(g, j) > act.get(g, best)) best = j;
    conceptNeuron[g] = best;
  }
  return { dataset, truth, split, model, sae, conceptNeuron, conceptActivation: act };
}
