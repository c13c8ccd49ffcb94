import { describe, expect, it } from "vitest";
import { fractionVarianceExplained } from "../eval/sae.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { shuffledBatches } from "./batches.js";
import { makeSaeConfig } from "./config.js";
import { SparseAutoencoder, normaliseRows } from "./model.js";
import { trainSae } from "./trainer.js";

const D = 32;
const ATOMS = 64;

/** Random unit atoms and data made of 2-3 of them with coefficients in [0.5, 1.5]. */
function plantedData(rows: number, seed: number): { atoms: Matrix; data: Matrix } {
  const rng = new Rng(seed);
  const atoms = new Matrix(ATOMS, D);
  rng.fillNormal(atoms.data);
  normaliseRows(atoms);
  const data = new Matrix(rows, D);
  for (let n = 0; n < rows; n++) {
    const active = new Set<number>();
    const count = 2 + rng.int(2);
    while (active.size < count) active.add(rng.int(ATOMS));
    for (const a of active) {
      const c = 0.5 + rng.uniform();
      for (let i = 0; i < D; i++) data.data[n * D + i] += c * atoms.data[a * D + i];
    }
  }
  return { atoms, data };
}

/** Number of true atoms whose best-matching decoder row has cosine > 0.9. */
function recovered(atoms: Matrix, wDec: Matrix): number {
  let count = 0;
  for (let a = 0; a < atoms.rows; a++) {
    let best = -1;
    for (let j = 0; j < wDec.rows; j++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += atoms.get(a, i) * wDec.get(j, i);
      best = Math.max(best, s);
    }
    if (best > 0.9) count++;
  }
  return count;
}

describe("planted dictionary", () => {
  for (const [atomsInit, rescale] of [
    ["random", "none"],
    ["data", "least-squares"],
  ] as const) {
    it(`TopK + AuxK recovers known atoms from their sparse positive combinations (${atomsInit} atoms, ${rescale} AuxK)`, async () => {
      const { atoms, data } = plantedData(4096, 42);
      const sae = new SparseAutoencoder(
        makeSaeConfig("topk", D, 96, { k: 3, normalisation: "none", bDecInit: "mean" }),
        0,
      );
      sae.initialise(data, { atoms: atomsInit, seed: 5 });
      const before = recovered(atoms, sae.params.W_dec.value);
      const fveBefore = fractionVarianceExplained(data, sae.reconstruct(data));
      await trainSae(
        sae,
        shuffledBatches(data, 64, 3),
        { l2: { weight: 1 }, auxk: { weight: 1 / 32, deadAfter: 2048, normalisation: "variance", rescale } },
        { epochs: 15, lr: 1e-2, decay: "linear", progress: "never", seed: 1 },
      );
      const fve = fractionVarianceExplained(data, sae.reconstruct(data));
      const found = recovered(atoms, sae.params.W_dec.value);
      expect(before).toBe(0); // no initial atom is a true atom (rows mix 2-3 of them)
      expect(fveBefore).toBeLessThan(0.5);
      expect(fve).toBeGreaterThan(0.95);
      expect(found).toBeGreaterThanOrEqual(Math.ceil(0.9 * ATOMS));
    });
  }
});
