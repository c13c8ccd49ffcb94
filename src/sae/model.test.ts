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
