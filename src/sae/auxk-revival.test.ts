import { describe, expect, it } from "vitest";
import { fractionVarianceExplained } from "../eval/sae.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { shuffledBatches } from "./batches.js";
import { makeSaeConfig } from "./config.js";
import type { LossConfig } from "./losses/types.js";
import { SparseAutoencoder, normaliseRows } from "./model.js";
import { trainSae } from "./trainer.js";
import type { NormalisationKind } from "./types.js";

const D = 32;
const ATOMS = 256;
const ROWS = 2048;

/**
 * 256 random unit atoms (as many as the SAE's latents), rows made of 4 of them with coefficients
 * in [0.5, 1.5], all shifted by a common offset of norm 3. With b_dec initialised at zero the data
 * sit in a narrow cone, so most randomly initialised encoder directions lose every top-k contest
 * and die, although every atom is needed to reconstruct the data.
 */
function coneData(): Matrix {
  const rng = new Rng(42);
  const atoms = new Matrix(ATOMS, D);
  rng.fillNormal(atoms.data);
  normaliseRows(atoms);
  const offset = new Float32Array(D);
  new Rng(7).fillNormal(offset);
  const on = Math.hypot(...offset);
  const data = new Matrix(ROWS, D);
  for (let r = 0; r < ROWS; r++) {
    const row = data.row(r);
    const active = new Set<number>();
    while (active.size < 4) active.add(rng.int(ATOMS));
    for (const a of active) {
      const c = 0.5 + rng.uniform();
      for (let i = 0; i < D; i++) row[i] += c * atoms.data[a * D + i];
    }
    for (let i = 0; i < D; i++) row[i] += (3 * offset[i]) / on;
  }
  return data;
}

/** Trains a TopK SAE (k = 4, 8x) for 12 epochs; returns the dead shares, last AuxK term and FVE. */
async function train(
  data: Matrix,
  normalisation: NormalisationKind,
  auxkWeight: number,
  rescale: "none" | "least-squares" = "none",
) {
  const sae = new SparseAutoencoder(
    makeSaeConfig("topk", D, 8 * D, { k: 4, normalisation, bDecInit: "zero" }),
    1,
  );
  sae.initialise(data);
  const losses: LossConfig = { l2: { weight: 1 } };
  if (auxkWeight > 0)
    losses.auxk = { weight: auxkWeight, deadAfter: ROWS, normalisation: "variance", rescale };
  const rep = await trainSae(sae, shuffledBatches(data, 128, 3), losses, {
    epochs: 12,
    lr: 1e-2,
    deadAfter: ROWS,
    progress: "never",
    seed: 1,
  });
  const fired = new Uint8Array(sae.dSae);
  for (const j of sae.encode(data).indices) fired[j] = 1;
  return {
    trainerDead: rep.epochs[rep.epochs.length - 1].deadFraction,
    neverFired: fired.reduce((s, f) => s + (f ? 0 : 1), 0) / sae.dSae,
    auxkTerm: rep.epochs[rep.epochs.length - 1].terms.auxk,
    fve: fractionVarianceExplained(data, sae.reconstruct(data)),
  };
}

describe("AuxK on planted data whose dead latents are needed", () => {
  const data = coneData();

  it("revives dead latents that plain TopK leaves dead", async () => {
    const plain = await train(data, "none", 0);
    const auxk = await train(data, "none", 1 / 32);
    // Measured: 48% / 45% dead without AuxK, 2.7% / 1.6% with it; FVE 0.574 -> 0.637.
    expect(plain.trainerDead).toBeGreaterThan(0.35);
    expect(plain.neverFired).toBeGreaterThan(0.35);
    expect(auxk.trainerDead).toBeLessThan(0.08);
    expect(auxk.neverFired).toBeLessThan(0.08);
    expect(auxk.fve).toBeGreaterThan(plain.fve + 0.03);
    // The dead latents learned to predict the residual: AuxK's normalised loss is well below 1
    // (1 = no better than predicting zero).
    expect(auxk.auxkTerm).toBeLessThan(0.5);
  });

  it("also revives them with per-sample normalisation", async () => {
    const plain = await train(data, "per-sample", 0);
    const auxk = await train(data, "per-sample", 1 / 32);
    // Measured: 54% never fired without AuxK, 6.3% with it; FVE 0.553 -> 0.616.
    expect(plain.neverFired).toBeGreaterThan(0.35);
    expect(auxk.neverFired).toBeLessThan(0.12);
    expect(auxk.fve).toBeGreaterThan(plain.fve + 0.03);
  });

  it("revives them with the least-squares rescale, which never scales an undershooting e_hat", async () => {
    const plain = await train(data, "per-sample", 0);
    const auxk = await train(data, "per-sample", 1 / 32, "least-squares");
    // Measured: 54% never fired without AuxK, 0.8% with it (6.3% as published); FVE 0.553 -> 0.620.
    expect(plain.neverFired).toBeGreaterThan(0.35);
    expect(auxk.neverFired).toBeLessThan(0.05);
    expect(auxk.fve).toBeGreaterThan(plain.fve + 0.05);
  });
});
