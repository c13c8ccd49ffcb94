import { join } from "node:path";
import { writeSynthetic } from "../data/synth-write.js";
import { generateSynthetic, type SynthTruth } from "../data/synth.js";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { trainRun } from "./train-run.js";
import { modelRunContext, type ModelRunContext } from "./run-context.js";
import type { SaeSettingsInput } from "./sae-settings.js";

/** Test fixtures for the pipeline (not used by library code). */

/** A model run on planted synthetic data, written to disk and opened. */
export interface PlantedRun {
  readonly ctx: ModelRunContext;
  readonly truth: SynthTruth;
  /** The dataset file (reclens cache format) the run was trained on. */
  readonly dataFile: string;
}

/** Small SAE settings that train in well under a second on a planted run. */
export const PLANTED_SAE: SaeSettingsInput = { k: 4, expansion: 2, epochs: 30, lr: 3e-3, batchSize: 32 };

/** Model hyperparameters for planted runs. */
export const PLANTED_MODELS = {
  elsa: { dim: 16, epochs: 15, batchSize: 64, lr: 0.05 },
  mf: { dim: 16, epochs: 40, lr: 0.05 },
} as const;

/**
 * 300 users x 120 items x 4 planted concepts (generateSynthetic, 30% secondary genres), written to
 * `<root>/data.rlds`, and a model trained on it with `trainRun` into `<root>/run`.
 */
export async function plantedRun(root: string, model: "elsa" | "mf" = "elsa", seed = 1): Promise<PlantedRun> {
  const syn = generateSynthetic({
    users: 300,
    items: 120,
    concepts: 4,
    seed,
    meanInteractions: 14,
    maxActiveConcepts: 2,
    noiseRate: 0.03,
  });
  const dataFile = join(root, "data.rlds");
  await writeSynthetic(dataFile, syn);
  const dir = join(root, "run");
  const r = await trainRun({
    data: dataFile,
    model,
    modelConfig: PLANTED_MODELS[model],
    seed,
    out: dir,
    patience: 100,
  });
  return { ctx: modelRunContext(dir, r.manifest, syn.dataset, r.model), truth: syn.truth, dataFile };
}

/**
 * 60 items: Thriller on 0-29, Drama on 30-59. Neuron 0 fires on items 0-1 only (a 2-item Thriller
 * neuron), neuron 1 on Thriller 0-29 (z = 1) and Drama 30-34 (z = 2), neuron 2 on Drama 30-59.
 */
export function tinyNeuronFixture(): { z: Matrix; genre: ItemConcepts } {
  const items = 60;
  const rows = Array.from({ length: items }, (_, i) => i);
  const genre: ItemConcepts = {
    kind: "genre",
    names: ["Thriller", "Drama"],
    matrix: Csr.fromTriplets(
      items,
      2,
      rows,
      rows.map((i) => (i < 30 ? 0 : 1)),
    ),
  };
  const z = new Matrix(items, 3);
  for (let i = 0; i < items; i++) {
    if (i < 2) z.set(i, 0, 1);
    if (i < 30) z.set(i, 1, 1);
    else if (i < 35) z.set(i, 1, 2);
    if (i >= 30) z.set(i, 2, 1);
  }
  return { z, genre };
}
