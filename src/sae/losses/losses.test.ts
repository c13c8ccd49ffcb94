import { describe, expect, it } from "vitest";
import { Matrix } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { codeFromDense } from "../code.js";
import { fdMismatches, finiteDifferences } from "../testing/finite-diff.js";
import { auxKLoss, defaultKAux, leastSquaresScales } from "./auxk.js";
import { cosineLoss } from "./cosine.js";
import { fvuLoss, totalVariance } from "./fvu.js";
import { klLoss } from "./kl.js";
import { l1Loss } from "./l1.js";
import { l2Loss } from "./l2.js";
import { predictionLossOn, sampleItems } from "./prediction.js";
import { LinearScorer } from "./scorer.js";
import { defaultLossConfig, validateLossConfig } from "./index.js";
import type { AuxKConfig } from "./types.js";

const M = (rows: number[][]) => Matrix.fromRows(rows);

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const m = new Matrix(rows, cols);
  new Rng(seed).fillNormal(m.data);
  return m;
}

/** Checks dL/dxhat of a reconstruction loss against finite differences. */
function gradOk(fn: (x: Matrix, xhat: Matrix, d: Matrix | null, s: number) => number): void {
  const x = randomMatrix(4, 5, 1);
  const xhat = randomMatrix(4, 5, 2);
  const d = new Matrix(4, 5);
  fn(x, xhat, d, 1.5);
  const samples = finiteDifferences(() => 1.5 * fn(x, xhat, null, 1), xhat, d, 20, 1e-3);
  expect(fdMismatches(samples, 1e-2, 1e-6)).toEqual([]);
}

describe("reconstruction losses", () => {
  it("l2 is the mean squared error over all elements", () => {
    const d = new Matrix(2, 2);
    expect(
      l2Loss(
        M([
          [1, 2],
          [3, 4],
        ]),
        M([
          [1, 1],
          [2, 6],
        ]),
        d,
        1,
      ),
    ).toBeCloseTo(6 / 4, 7);
    expect(Array.from(d.data)).toEqual([0, -0.5, -0.5, 1]);
    gradOk(l2Loss);
  });

  it("cosine is the mean of 1 - cos", () => {
    expect(
      cosineLoss(
        M([
          [1, 0],
          [0, 2],
        ]),
        M([
          [1, 1],
          [0, 5],
        ]),
        null,
        1,
      ),
    ).toBeCloseTo((1 - Math.SQRT1_2 + 0) / 2, 6);
    expect(cosineLoss(M([[1, 0]]), M([[0, 0]]), null, 1)).toBe(1);
    gradOk(cosineLoss);
  });

  it("fvu divides the squared error by the variance around the batch mean", () => {
    expect(
      totalVariance(
        M([
          [0, 0],
          [2, 2],
        ]),
      ),
    ).toBeCloseTo(4, 7);
    expect(
      fvuLoss(
        M([
          [0, 0],
          [2, 2],
        ]),
        M([
          [0, 1],
          [2, 2],
        ]),
        null,
        1,
      ),
    ).toBeCloseTo(0.25, 7);
    // One row has no variance around the mean: falls back to the squared norm.
    expect(fvuLoss(M([[3, 4]]), M([[0, 0]]), null, 1)).toBeCloseTo(1, 7);
    gradOk(fvuLoss);
  });
});

describe("code losses", () => {
  const wDec = M([
    [3, 4],
    [1, 0],
    [0, 2],
  ]);
  const code = codeFromDense(
    M([
      [2, 0, 1],
      [0, 0, 0],
    ]),
  );

  it("l1 optionally weights each latent by its decoder row norm", () => {
    expect(l1Loss(code, wDec, false, null, null, 1)).toBeCloseTo(3 / 2, 7);
    expect(l1Loss(code, wDec, true, null, null, 1)).toBeCloseTo((2 * 5 + 1 * 2) / 2, 6);
    const dVals = new Float32Array(2);
    const dW = new Matrix(3, 2);
    l1Loss(code, wDec, true, dVals, dW, 1);
    expect(Array.from(dVals)).toEqual([2.5, 1]);
    const samples = finiteDifferences(() => l1Loss(code, wDec, true, null, null, 1), wDec, dW, 6, 1e-3);
    expect(fdMismatches(samples, 1e-2, 1e-6)).toEqual([]);
  });

  it("kl is the Bernoulli KL to the target rate with tanh as soft firing", () => {
    const c = codeFromDense(
      M([
        [Math.atanh(0.5), 0],
        [0, 0],
      ]),
    );
    const q = 0.25;
    const eps = 1e-6;
    const expected =
      0.1 * Math.log(0.1 / q) +
      0.9 * Math.log(0.9 / (1 - q)) +
      0.1 * Math.log(0.1 / eps) +
      0.9 * Math.log(0.9 / (1 - eps));
    expect(klLoss(c, 0.1, null, 1)).toBeCloseTo(expected, 4);
    const dVals = new Float32Array(1);
    klLoss(c, 0.1, dVals, 1);
    const dq = -0.1 / q + 0.9 / (1 - q);
    expect(dVals[0]).toBeCloseTo((dq * (1 - 0.25)) / 2, 5);
  });
});

describe("AuxK", () => {
  const cfg: AuxKConfig = { weight: 1, deadAfter: 1, normalisation: "sum", kAux: 1 };
  const wDec = M([
    [1, 0],
    [0, 1],
    [Math.SQRT1_2, Math.SQRT1_2],
  ]);

  it("reconstructs the residual with the top dead pre-activations, scaled by min(dead/kAux, 1)", () => {
    const pre = M([[5, 2, 1]]);
    const dead = new Uint8Array([0, 1, 1]);
    // Dead latents 1 and 2; kAux = 1 picks latent 1 (pre 2): e_hat = (0, 2); e = (1, 1).
    const base = { pre, dead, residual: M([[1, 1]]), wDec, cfg, scale: 1, densityThreshold: 0.5 };
    const r = auxKLoss(base);
    expect(r.value).toBeCloseTo(2, 6);
    expect(r.numDead).toBe(2);
    // kAux = 4 > 2 dead: both used, scale 2/4.
    const r2 = auxKLoss({ ...base, cfg: { ...cfg, kAux: 4 } });
    const ehat = [Math.SQRT1_2, 2 + Math.SQRT1_2];
    expect(r2.value).toBeCloseTo(0.5 * ((ehat[0] - 1) ** 2 + (ehat[1] - 1) ** 2), 5);
    expect(auxKLoss({ ...base, dead: new Uint8Array(3) }).value).toBe(0);
    expect(defaultKAux(64)).toBe(32);
  });

  for (const densityThreshold of [2, 0]) {
    it(`has the right decoder and encoder gradients (${densityThreshold === 0 ? "gemm on dead latents" : "sparse"})`, () => {
      // pre = C W_enc with C fixed: check d/dW_dec directly and d/dW_enc through pre.
      const c = randomMatrix(5, 2, 4);
      const wEnc = randomMatrix(2, 3, 6);
      const e = randomMatrix(5, 2, 5);
      const dead = new Uint8Array([1, 0, 1]);
      const cfg2 = { ...cfg, kAux: 2, normalisation: "variance" as const };
      const w = wDec.clone();
      const pre = () => {
        const p = new Matrix(5, 3);
        for (let r = 0; r < 5; r++)
          for (let j = 0; j < 3; j++)
            p.set(r, j, c.get(r, 0) * wEnc.get(0, j) + c.get(r, 1) * wEnc.get(1, j) + 0.5);
        return p;
      };
      const grads = { c, dWdec: new Matrix(3, 2), dWenc: new Matrix(2, 3), dbEnc: new Float32Array(3) };
      auxKLoss({ pre: pre(), dead, residual: e, wDec: w, cfg: cfg2, scale: 1, densityThreshold, grads });
      const f = () =>
        auxKLoss({ pre: pre(), dead, residual: e, wDec: w, cfg: cfg2, scale: 1, densityThreshold }).value;
      expect(fdMismatches(finiteDifferences(f, w, grads.dWdec, 6, 1e-3), 1e-2, 1e-6)).toEqual([]);
      const encSamples = finiteDifferences(f, wEnc, grads.dWenc, 6, 1e-3);
      expect(fdMismatches(encSamples, 1e-2, 1e-6)).toEqual([]);
      expect(encSamples.some((x) => Math.abs(x.analytic) > 1e-3)).toBe(true);
      expect(grads.dbEnc[1]).toBe(0); // live latent: no AuxK gradient
    });
  }
});

describe("AuxK with the least-squares rescale", () => {
  const wDec = M([
    [1, 0],
    [0, 1],
    [Math.SQRT1_2, Math.SQRT1_2],
  ]);
  const base: AuxKConfig = { weight: 1, deadAfter: 1, normalisation: "sum", kAux: 1 };

  it("scales each row's e_hat by its least-squares factor onto the residual, capped to [0, 1]", () => {
    // Dead latents 1 and 2, kAux 1 picks latent 1: e_hat = (0, 2), e = (1, 1): factor 2 / 4 = 0.5.
    expect(leastSquaresScales(M([[0, 2]]), M([[1, 1]]))[0]).toBeCloseTo(0.5, 6);
    expect(leastSquaresScales(M([[0, 0.5]]), M([[1, 1]]))[0]).toBe(1); // 2, capped
    expect(leastSquaresScales(M([[0, -1]]), M([[1, 1]]))[0]).toBe(0); // -1, floored
    expect(leastSquaresScales(M([[0, 0]]), M([[1, 1]]))[0]).toBe(0);
    const r = auxKLoss({
      pre: M([[5, 2, 1]]),
      dead: new Uint8Array([0, 1, 1]),
      residual: M([[1, 1]]),
      wDec,
      cfg: { ...base, rescale: "least-squares" },
      scale: 1,
      densityThreshold: 0.5,
    });
    // 0.5 * (0, 2) = (0, 1): ||(1, 1) - (0, 1)||^2 = 1 (the plain term is 2).
    expect(r.value).toBeCloseTo(1, 6);
  });

  it("stops an overshooting e_hat from pushing every dead latent down", () => {
    // Dead latents 1 = (1, 0) and 2 = (0.6, 0.8) at pre-activation 3: e_hat = (4.8, 2.4) overshoots
    // e = (1, 0.2). As published, dL/dz = 2 d_j . (e_hat - e) = 7.6 and 8.08: both pushed down.
    // Least-squares factor 5.28 / 28.8: c e_hat - e = (-0.12, 0.24), dL/dz = 2c d_j . (c e_hat - e)
    // = -0.044 (latent 1, along the residual, pushed up) and +0.044.
    const w = M([
      [1, 0],
      [1, 0],
      [0.6, 0.8],
    ]);
    const grad = (rescale: "none" | "least-squares") => {
      const grads = {
        c: M([[1, 1]]),
        dWdec: new Matrix(3, 2),
        dWenc: new Matrix(2, 3),
        dbEnc: new Float32Array(3),
      };
      auxKLoss({
        pre: M([[5, 3, 3]]),
        dead: new Uint8Array([0, 1, 1]),
        residual: M([[1, 0.2]]),
        wDec: w,
        cfg: { ...base, kAux: 2, rescale },
        scale: 1,
        densityThreshold: 0.5,
        grads,
      });
      return Array.from(grads.dbEnc);
    };
    const published = grad("none");
    expect(published[1]).toBeCloseTo(7.6, 4);
    expect(published[2]).toBeCloseTo(8.08, 4);
    const c = 5.28 / 28.8;
    const ls = grad("least-squares");
    expect(ls[1]).toBeCloseTo(2 * c * -0.12, 4);
    expect(ls[2]).toBeCloseTo(2 * c * 0.12, 4);
  });

  for (const densityThreshold of [2, 0]) {
    it(`holds the factor constant: gradients are c^2 times those of the plain term on e / c (${densityThreshold === 0 ? "gemm" : "sparse"})`, () => {
      const c = randomMatrix(1, 2, 11);
      const wEnc = randomMatrix(2, 3, 12);
      const pre = new Matrix(1, 3);
      for (let j = 0; j < 3; j++)
        pre.set(0, j, c.get(0, 0) * wEnc.get(0, j) + c.get(0, 1) * wEnc.get(1, j) + 2);
      const dead = new Uint8Array([1, 1, 1]);
      const cfg = { ...base, kAux: 2 };
      const run = (residual: Matrix, rescale: "none" | "least-squares") => {
        const grads = { c, dWdec: new Matrix(3, 2), dWenc: new Matrix(2, 3), dbEnc: new Float32Array(3) };
        const value = auxKLoss({
          pre,
          dead,
          residual,
          wDec,
          cfg: { ...cfg, rescale },
          scale: 1,
          densityThreshold,
          grads,
        }).value;
        return { value, grads };
      };
      const eHat = new Matrix(1, 2);
      const top = Array.from(pre.data)
        .map((v, j) => [v, j] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 2);
      for (const [v, j] of top) for (let q = 0; q < 2; q++) eHat.data[q] += v * wDec.get(j, q);
      // A residual that e_hat overshoots: its least-squares factor lies strictly inside (0, 1).
      const e = M([[0.4 * eHat.data[0] + 0.1, 0.4 * eHat.data[1] - 0.2]]);
      const plain = run(e, "none");
      const f = leastSquaresScales(eHat, e)[0];
      expect(f).toBeGreaterThan(0);
      expect(f).toBeLessThan(1);
      const scaled = run(e, "least-squares");
      const onShrunk = run(M([[e.data[0] / f, e.data[1] / f]]), "none");
      expect(scaled.value).toBeCloseTo(f * f * onShrunk.value, 5);
      expect(plain.value).not.toBeCloseTo(scaled.value, 2);
      for (const key of ["dWdec", "dWenc"] as const)
        scaled.grads[key].data.forEach((g, t) =>
          expect(g).toBeCloseTo(f * f * onShrunk.grads[key].data[t], 5),
        );
      scaled.grads.dbEnc.forEach((g, t) => expect(g).toBeCloseTo(f * f * onShrunk.grads.dbEnc[t], 5));
    });
  }
});

describe("prediction-aware loss and LinearScorer", () => {
  const scorer = new LinearScorer(
    M([
      [1, 0],
      [0, 1],
      [1, 1],
    ]),
    new Float32Array([0, 0, 0.5]),
  );
  const all = new Int32Array([0, 1, 2]);

  it("scores items linearly and backpropagates through the scorer", () => {
    expect(Array.from(scorer.scoreItems(M([[2, 3]]), all).data)).toEqual([2, 3, 5.5]);
    expect(Array.from(scorer.scoreItems(M([[2, 3]]), new Int32Array([2, 0])).data)).toEqual([5.5, 2]);
    expect(Array.from(scorer.backward(M([[2, 3]]), new Int32Array([2, 0]), M([[1, 2]])).data)).toEqual([
      3, 1,
    ]);
  });

  it("is the mean squared score difference", () => {
    const cfg = { weight: 1, scorer, items: 3 };
    const d = new Matrix(1, 2);
    // s(y) = [2, 3, 5.5], s(y_hat) = [2, 4, 6.5]: differences 0, 1, 1.
    expect(predictionLossOn(M([[2, 3]]), M([[2, 4]]), all, cfg, d, 1)).toBeCloseTo(2 / 3, 6);
    // dL/ds = 2 d / 3 = [0, 2/3, 2/3]; dL/dy_hat = dL/ds A = [2/3, 4/3].
    expect(d.get(0, 0)).toBeCloseTo(2 / 3, 6);
    expect(d.get(0, 1)).toBeCloseTo(4 / 3, 6);
    expect(predictionLossOn(M([[2, 3]]), M([[2, 3]]), all, cfg, null, 1)).toBe(0);
  });

  it("samples distinct items deterministically", () => {
    const a = sampleItems(100, 30, new Rng(3));
    expect(new Set(a).size).toBe(30);
    expect(Math.max(...a)).toBeLessThan(100);
    expect(Array.from(sampleItems(100, 30, new Rng(3)))).toEqual(Array.from(a));
    expect(Array.from(sampleItems(4, 10, new Rng(3)))).toEqual([0, 1, 2, 3]);
  });
});

describe("loss config", () => {
  it("accepts the defaults and rejects bad fields by name", () => {
    expect(validateLossConfig(defaultLossConfig("topk"), "t")).toBeTruthy();
    expect(validateLossConfig(defaultLossConfig("relu"), "t")).toBeTruthy();
    expect(() => validateLossConfig({}, "cfg.json")).toThrow(/at least one loss term/);
    expect(() => validateLossConfig({ l2: { weight: -1 } }, "cfg.json")).toThrow(
      /cfg.json: field "l2.weight"/,
    );
    expect(() =>
      validateLossConfig({ auxk: { weight: 1, deadAfter: 0, normalisation: "sum" } }, "x"),
    ).toThrow(/"auxk.deadAfter"/);
    expect(() => validateLossConfig({ kl: { weight: 1, target: 1.5 } }, "x")).toThrow(/"kl.target"/);
    expect(() => validateLossConfig({ l3: { weight: 1 } } as never, "x")).toThrow(/"l3" is not a loss term/);
  });
});
