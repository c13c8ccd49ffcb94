import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { makeSaeConfig } from "./config.js";
import { loadSae, saveSae } from "./io.js";
import type { LossConfig } from "./losses/types.js";
import { SparseAutoencoder } from "./model.js";
import { trainSae } from "./trainer.js";

/** A tied decoder (W_dec = W_enc^T), as the Monosemanticity4Rec code's SAE has it. */
const D_IN = 5;
const D_SAE = 7;

function data(rows: number, seed: number): Matrix {
  const x = new Matrix(rows, D_IN);
  new Rng(seed).fillNormal(x.data, 0.3, 1);
  return x;
}

const tiedSae = (arch: "relu" | "topk", seed = 3): SparseAutoencoder =>
  new SparseAutoencoder(
    makeSaeConfig(arch, D_IN, D_SAE, {
      tied: true,
      normalisation: "per-sample",
      ...(arch === "topk" ? { k: 3 } : {}),
    }),
    seed,
  );

describe("tied decoder", () => {
  for (const arch of ["relu", "topk"] as const)
    it(`${arch}: the folded W_enc gradient matches finite differences of the tied loss`, () => {
      const x = data(12, 1);
      const sae = tiedSae(arch);
      sae.initialise(x, { atoms: "data", seed: 2 });
      const losses: LossConfig = { l2: { weight: 1 }, l1: { weight: 0.05, decoderNormWeighted: true } };
      const ctx = () => ({ rng: new Rng(0) });
      sae.zeroGrad();
      sae.forwardBackward(x, losses, ctx());
      sae.constrainGradients();
      const { W_enc, W_dec } = sae.params;
      expect(Array.from(W_dec.grad?.data ?? [1]).every((g) => g === 0)).toBe(true);
      const h = 1e-3;
      let compared = 0;
      for (const t of new Rng(4).permutation(D_IN * D_SAE).subarray(0, 16)) {
        const c = Math.floor(t / D_SAE);
        const j = t % D_SAE;
        const set = (d: number) => {
          W_enc.value.data[t] += d;
          W_dec.value.data[j * D_IN + c] += d;
        };
        set(h);
        const fp = sae.evaluate(x, losses, ctx()).loss;
        set(-2 * h);
        const fm = sae.evaluate(x, losses, ctx()).loss;
        set(h);
        const numeric = (fp - fm) / (2 * h);
        const analytic = (W_enc.grad as Matrix).data[t];
        expect(Math.abs(numeric - analytic), `W_enc[${c}, ${j}]`).toBeLessThan(
          2e-2 * Math.abs(numeric) + 1e-3,
        );
        if (Math.abs(analytic) > 1e-3) compared++;
      }
      expect(compared).toBeGreaterThan(8);
    });

  it("stays tied through training and through save/load; atoms are not renormalised", async () => {
    const x = data(64, 7);
    const sae = tiedSae("relu");
    sae.initialise(x, { atoms: "data", seed: 1 });
    await trainSae(
      sae,
      [x.rowRange(0, 32), x.rowRange(32, 64)],
      { l2: { weight: 1 } },
      { epochs: 5, lr: 0.02, progress: "never" },
    );
    const { W_enc, W_dec } = sae.params;
    expect(Array.from(W_dec.value.data)).toEqual(Array.from(W_enc.value.transpose().data));
    const norms = Array.from({ length: D_SAE }, (_, j) => Math.hypot(...sae.atom(j)));
    expect(norms.some((n) => Math.abs(n - 1) > 1e-3)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "reclens-tied-"));
    try {
      saveSae(sae, dir);
      const back = loadSae(dir);
      expect(back.config.tied).toBe(true);
      expect(back.reconstruct(x).data).toEqual(sae.reconstruct(x).data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a non-boolean setting and the encoder-only scale match", () => {
    expect(() => makeSaeConfig("relu", 4, 8, { tied: "yes" as unknown as boolean })).toThrow(
      /tied.*must be true or false/,
    );
    const sae = tiedSae("relu");
    expect(() => sae.initialise(data(8, 1), { atoms: "data", matchScale: true })).toThrow(/tied decoder/);
  });
});
