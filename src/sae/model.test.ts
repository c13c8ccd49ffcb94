import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { getArchitecture, listArchitectures, registerArchitecture } from "./architectures/index.js";
import { codeFromDense } from "./code.js";
import { makeSaeConfig } from "./config.js";
import { evaluateSae } from "./evaluate.js";
import { SparseAutoencoder } from "./model.js";

/** dIn 2, dSae 3, hand-set weights. */
function handSae(architecture = "relu", k?: number): SparseAutoencoder {
  const sae = new SparseAutoencoder(
    makeSaeConfig(architecture, 2, 3, { normalisation: "none", k, bDecInit: "zero" }),
    0,
  );
  sae.params.W_enc.value.data.set([1, 0, 1, 0, 1, -1]); // columns: (1,0), (0,1), (1,-1)
  sae.params.b_enc.value.data.set([0, -0.5, 0]);
  sae.params.W_dec.value.data.set([1, 0, 0, 1, Math.SQRT1_2, -Math.SQRT1_2]);
  sae.params.b_dec.value.data.set([0.5, 0.5]);
  return sae;
}

describe("SparseAutoencoder", () => {
  it("encodes and decodes as (x - b_dec) W_enc + b_enc and z W_dec + b_dec", () => {
    const sae = handSae();
    const x = Matrix.fromRows([[2.5, 1.5]]); // x - b_dec = (2, 1): pre = (2, 0.5, 1)
    expect(Array.from(sae.preActivations(x).data)).toEqual([2, 0.5, 1]);
    expect(sae.encodeDense(x).toArray()).toEqual([[2, 0.5, 1]]);
    const r = sae.reconstruct(x);
    expect(r.get(0, 0)).toBeCloseTo(0.5 + 2 + Math.SQRT1_2, 6);
    expect(r.get(0, 1)).toBeCloseTo(0.5 + 0.5 - Math.SQRT1_2, 6);
    const top1 = handSae("topk", 1);
    expect(top1.encodeDense(x).toArray()).toEqual([[2, 0, 0]]);
  });

  it("decodes an edited code and rejects a malformed one", () => {
    const sae = handSae();
    const edited = codeFromDense(Matrix.fromRows([[0, 3, 0]]));
    expect(Array.from(sae.decode(edited).data)).toEqual([0.5, 3.5]);
    expect(() => sae.decode({ ...edited, indices: new Int32Array([7]) })).toThrow(
      /latent index 7 at entry 0 out of range \[0, 3\)/,
    );
    expect(() => sae.decode({ ...edited, dSae: 4 })).toThrow(/code has dSae 4, expected 3/);
    expect(() => sae.encode(new Matrix(1, 3))).toThrow(/expected 2 columns/);
    expect(() => sae.atom(3)).toThrow(/latent 3 out of range/);
  });

  it("initialises W_dec as unit-norm rows equal to W_enc^T and b_dec from the data", () => {
    const sae = new SparseAutoencoder(
      makeSaeConfig("topk", 5, 7, { k: 2, normalisation: "none", bDecInit: "mean" }),
      4,
    );
    const we = sae.params.W_enc.value;
    const wd = sae.params.W_dec.value;
    for (let j = 0; j < 7; j++) {
      expect(Math.hypot(...wd.row(j))).toBeCloseTo(1, 6);
      for (let c = 0; c < 5; c++) expect(we.get(c, j)).toBe(wd.get(j, c));
    }
    const x = Matrix.fromRows([
      [1, 2, 3, 4, 5],
      [3, 2, 1, 0, -1],
    ]);
    sae.initialise(x);
    expect(Array.from(sae.params.b_dec.value.data)).toEqual([2, 2, 2, 2, 2]);
  });

  it("with atoms from data, starts every atom near a training row and inside the data's span", () => {
    // 200 rows in a 3-d subspace (the first 3 axes) of R^16, offset by 5 on every axis.
    const rng = new Rng(3);
    const x = new Matrix(200, 16);
    for (let r = 0; r < 200; r++) for (let c = 0; c < 16; c++) x.set(r, c, 5 + (c < 3 ? rng.normal() : 0));
    const fresh = (atoms: "random" | "data") => {
      const sae = new SparseAutoencoder(
        makeSaeConfig("topk", 16, 128, { k: 2, normalisation: "none", bDecInit: "mean" }),
        1,
      );
      sae.initialise(x, { atoms, seed: 9 });
      return sae;
    };
    const inSpan = (sae: SparseAutoencoder) => {
      let s = 0;
      for (let j = 0; j < 128; j++)
        s += sae
          .atom(j)
          .slice(0, 3)
          .reduce((a, v) => a + v * v, 0);
      return s / 128;
    };
    const neverFired = (sae: SparseAutoencoder) => {
      const fired = new Set(sae.encode(x).indices);
      return 1 - fired.size / 128;
    };
    const data = fresh("data");
    const wd = data.params.W_dec.value;
    for (let j = 0; j < 128; j++) {
      expect(Math.hypot(...wd.row(j))).toBeCloseTo(1, 5);
      for (let c = 0; c < 16; c++) expect(data.params.W_enc.value.get(c, j)).toBe(wd.get(j, c));
    }
    // Expected share of an atom's squared norm in the span: (1 + 3/16) / 2 = 0.59 from data (row plus
    // equal-norm noise) against 3/16 = 0.19 for random directions.
    expect(inSpan(data)).toBeGreaterThan(0.5);
    expect(inSpan(data)).toBeLessThan(0.7);
    // matchScale: W_enc = s W_dec^T with s fitted so that the first reconstruction has the data's
    // scale (least-squares factor of x_hat - b_dec onto x - b_dec is 1; without it, it is below 1).
    const b = data.params.b_dec.value.data;
    const fit = (sae: SparseAutoencoder) => {
      const r = sae.reconstruct(x);
      let rr = 0;
      let rt = 0;
      for (let i = 0; i < x.rows; i++)
        for (let c = 0; c < 16; c++) {
          const v = r.get(i, c) - b[c];
          rr += v * v;
          rt += v * (x.get(i, c) - b[c]);
        }
      return rt / rr;
    };
    expect(fit(data)).toBeLessThan(0.9);
    const matched = new SparseAutoencoder(
      makeSaeConfig("topk", 16, 128, { k: 2, normalisation: "none", bDecInit: "mean" }),
      1,
    );
    matched.initialise(x, { atoms: "data", seed: 9, matchScale: true });
    expect(fit(matched)).toBeCloseTo(1, 4);
    const s = matched.params.W_enc.value.get(0, 0) / data.params.W_enc.value.get(0, 0);
    for (let t = 0; t < 16 * 128; t++)
      expect(matched.params.W_enc.value.data[t]).toBeCloseTo(s * data.params.W_enc.value.data[t], 5);
    expect(Array.from(matched.params.W_dec.value.data)).toEqual(Array.from(wd.data));
    const random = fresh("random");
    expect(inSpan(random)).toBeLessThan(0.3);
    // Measured: 51% of latents win no top-2 contest at the start from data, 72% from random atoms.
    expect(neverFired(data)).toBeLessThan(neverFired(random) - 0.2);
  });

  it("keeps one registry of architectures; registering a name twice throws", () => {
    expect(listArchitectures()).toEqual(["relu", "topk", "batchtopk", "matryoshka"]);
    expect(() => registerArchitecture(getArchitecture("topk"))).toThrow(/"topk" is already registered/);
    expect(() => getArchitecture("gated")).toThrow(
      /unknown SAE architecture "gated" \(known: relu, topk, batchtopk, matryoshka\)/,
    );
    expect(makeSaeConfig("matryoshka", 16, 64).prefixes).toEqual([8, 16, 32, 64]);
  });

  it("evaluates held-out rows with reconstruction metrics", () => {
    const sae = new SparseAutoencoder(makeSaeConfig("topk", 4, 8, { k: 4, normalisation: "none" }), 1);
    const x = new Matrix(30, 4);
    new Rng(2).fillNormal(x.data);
    sae.initialise(x);
    const ev = evaluateSae(sae, x, { l2: { weight: 1 } }, 7);
    const whole = sae.evaluate(x, { l2: { weight: 1 } }, { rng: new Rng(0) }, "inference").loss;
    expect(ev.loss).toBeCloseTo(whole, 5);
    expect(ev.metrics?.mse).toBeCloseTo(whole, 5); // no normalisation: the l2 term is the MSE
    expect(ev.metrics?.l0).toBeLessThanOrEqual(4);
  });
});
