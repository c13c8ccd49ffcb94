import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import {
  fitDirection,
  nnlsFactored,
  representationShift,
  responseSystem,
  type ItemResponse,
} from "./fitted-direction.js";

/** 3 items, d = 2, Jacobian rows e_0, e_1, 0; `basis` rows given. */
function tiny(basis: number[][], neurons: number[]): ItemResponse {
  return {
    neurons: Int32Array.from(neurons),
    basis: new Matrix(basis.length, 2, Float32Array.from(basis.flat())),
    jacobian: new Matrix(3, 2, Float32Array.from([1, 0, 0, 1, 0, 0])),
  };
}

/** The system of latents 5 and 7 with decoder rows e_0 and e_1 under the given item weights. */
const eyeSystem = (weights: number[]) =>
  responseSystem(
    tiny(
      [
        [1, 0],
        [0, 1],
      ],
      [5, 7],
    ),
    weights,
  );

/** items x d Jacobian, then n x d decoder rows, N(0, 1) from `rng`; latents first, first + 1, ... */
function randomResponse(rng: Rng, items: number, d: number, n: number, first: number): ItemResponse {
  const jacobian = new Matrix(items, d);
  rng.fillNormal(jacobian.data, 0, 1);
  const basis = new Matrix(n, d);
  rng.fillNormal(basis.data, 0, 1);
  return { neurons: Int32Array.from({ length: n }, (_, p) => first + p), basis, jacobian };
}

describe("nnlsFactored", () => {
  it("solves a 2x2 system whose unconstrained optimum is feasible, and clips a negative one", () => {
    // R = I, M = Q = [[2, 1], [1, 2]], b = [3, 3]: w = [1, 1]
    const eye = Float64Array.from([1, 0, 0, 1]);
    const q = Float64Array.from([2, 1, 1, 2]);
    const nnlsGram = (qq: Float64Array, b: Float64Array, n: number, lambda: number): Float64Array =>
      nnlsFactored(eye, qq, b, n, 2, lambda);
    const w = nnlsGram(q, Float64Array.from([3, 3]), 2, 0);
    expect(w[0]).toBeCloseTo(1, 8);
    expect(w[1]).toBeCloseTo(1, 8);
    // b = [3, -3]: unconstrained [3, -3]; with w >= 0, w1 = 0 and w0 = 3/2
    const c = nnlsGram(q, Float64Array.from([3, -3]), 2, 0);
    expect(c[0]).toBeCloseTo(1.5, 8);
    expect(c[1]).toBe(0);
    // ridge lambda 1: (Q + I) w = b -> [[3, 1], [1, 3]] w = [4, 4] -> w = [1, 1]
    const r = nnlsGram(q, Float64Array.from([4, 4]), 2, 1);
    expect(r[0]).toBeCloseTo(1, 8);
    expect(r[1]).toBeCloseTo(1, 8);
  });
});

describe("fitDirection: hand-computed least squares", () => {
  it("an indicator in the span is matched exactly (R^2 1)", () => {
    // y = [1, 0, 0] = J e_0 exactly: latent 5 (basis e_0) alone
    const sys = eyeSystem([1, 1, 1]);
    const f = fitDirection(sys, [1, 0, 0], { ridge: 0 });
    expect(f.direction).toEqual([{ neuron: 5, weight: 1 }]);
    expect(f.r2).toBeCloseTo(1, 8);
  });

  it("non-negativity binds: y = [1, 0, 1] needs -e_1; with only e_0, e_1 the fit is w = (1/2, 0), R^2 1/4", () => {
    // centred, uniform weights: M = [[2, -1], [-1, 2]] / 9, m = [1, -2] / 9; unconstrained w = (0, -1);
    // with w >= 0: w = (m_0 / M_00, 0) = (1/2, 0); var(y) = 2/9, residual = 2/9 - 2(1/2)(1/9) + (1/4)(2/9) = 1.5/9
    const sys = eyeSystem([1, 1, 1]);
    expect(Array.from(sys.metric, (v) => v * 9)).toEqual([
      expect.closeTo(2, 6),
      expect.closeTo(-1, 6),
      expect.closeTo(-1, 6),
      expect.closeTo(2, 6),
    ]);
    const f = fitDirection(sys, [1, 0, 1], { ridge: 0 });
    expect(f.direction).toEqual([{ neuron: 5, weight: 1 }]);
    expect(f.r2).toBeCloseTo(0.25, 8);
    // a third latent whose decoder row is -e_1 makes it exact
    const more = responseSystem(
      tiny(
        [
          [1, 0],
          [0, 1],
          [0, -1],
        ],
        [5, 7, 9],
      ),
      [1, 1, 1],
    );
    const g = fitDirection(more, [1, 0, 1], { ridge: 0 });
    expect(g.direction).toEqual([{ neuron: 9, weight: 1 }]);
    expect(g.r2).toBeCloseTo(1, 8);
  });

  it("item weights: an item of weight 0 does not count", () => {
    // weights (1, 1, 0): only items 0 and 1; y = [1, 0, 5] is matched by e_0 on them (R^2 1)
    const sys = eyeSystem([1, 1, 0]);
    const f = fitDirection(sys, [1, 0, 5], { ridge: 0 });
    expect(f.direction).toEqual([{ neuron: 5, weight: 1 }]);
    expect(f.r2).toBeCloseTo(1, 8);
  });
});

describe("fitDirection: planted directions", () => {
  // 60 items, d = 8, 6 latents with random decoder rows; y = J R^T w* + 3 for a known w* >= 0
  const items = 60;
  const d = 8;
  const n = 6;
  const resp = randomResponse(new Rng(3), items, d, n, 10);
  const { jacobian, basis } = resp;
  const planted = (w: number[]): Float64Array => {
    const y = new Float64Array(items);
    for (let i = 0; i < items; i++) {
      let s = 3;
      for (let p = 0; p < n; p++) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += jacobian.data[i * d + a] * basis.data[p * d + a];
        s += w[p] * dot;
      }
      y[i] = s;
    }
    return y;
  };
  const pop = Array.from({ length: items }, (_, i) => 1 + (i % 5));

  it("recovers w* (weights scaled to sum 1) with R^2 1, whatever the item weights", () => {
    const y = planted([0, 0.6, 0, 0, 1.4, 0]);
    for (const weights of [new Array(items).fill(1), pop]) {
      const f = fitDirection(responseSystem(resp, weights), y, { ridge: 0, sweeps: 5000, tol: 1e-12 });
      expect(f.direction.map((x) => x.neuron)).toEqual([11, 14]);
      expect(f.direction[0].weight).toBeCloseTo(0.3, 5);
      expect(f.direction[1].weight).toBeCloseTo(0.7, 5);
      expect(f.r2).toBeCloseTo(1, 6);
    }
  });

  it("maxNeurons keeps the heaviest contributions and refits on them", () => {
    const y = planted([0.2, 0, 0, 1.5, 0, 0.3]);
    const f = fitDirection(responseSystem(resp, pop), y, {
      ridge: 0,
      maxNeurons: 1,
      sweeps: 5000,
      tol: 1e-12,
    });
    expect(f.direction).toEqual([{ neuron: 13, weight: 1 }]);
    expect(f.r2).toBeGreaterThan(0);
    expect(f.r2).toBeLessThan(1);
  });

  it("rejects bad shapes and options with the field in the message", () => {
    const sys = responseSystem(resp, pop);
    expect(() => fitDirection(sys, [1, 0])).toThrow(/indicator has 2 entries for 60 items/);
    expect(() => fitDirection(sys, planted([1, 0, 0, 0, 0, 0]), { maxNeurons: 65 })).toThrow(/maxNeurons/);
    expect(() => responseSystem(resp, new Array(items).fill(0))).toThrow(/all 0/);
    expect(() => responseSystem(resp, [-1, ...new Array(items - 1).fill(1)])).toThrow(/item weight 0 is -1/);
  });
});

describe("fitDirection: the active-set solver against coordinate descent", () => {
  it("same optimum (weights and R^2) on a random problem with near-duplicate latents; capped, the exact optimum on its support", () => {
    // 80 items, d = 10, 40 latents (4 per dimension: strongly correlated decoder rows), random 0/1 concept
    const items = 80;
    const d = 10;
    const n = 40;
    const rng = new Rng(21);
    const resp = randomResponse(rng, items, d, n, 100);
    const { jacobian, basis } = resp;
    const sys = responseSystem(
      resp,
      Array.from({ length: items }, (_, i) => Math.sqrt(1 + (i % 7))),
    );
    const y = Array.from({ length: items }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const slowOpts = { solver: "coordinate", sweeps: 200000, tol: 1e-13 } as const;
    // uncapped (support < 64): both solvers reach the one optimum
    const fast = fitDirection(sys, y, { ridge: 1e-3, maxNeurons: 64 });
    const slow = fitDirection(sys, y, { ridge: 1e-3, maxNeurons: 64, ...slowOpts });
    expect(fast.direction.map((x) => x.neuron)).toEqual(slow.direction.map((x) => x.neuron));
    fast.direction.forEach((x, i) => expect(x.weight).toBeCloseTo(slow.direction[i].weight, 6));
    expect(fast.r2).toBeCloseTo(slow.r2, 8);
    expect(fast.direction.length).toBeGreaterThan(4);
    // capped at 4: the active set stops on its path; its weights are the exact optimum over its 4
    // latents (coordinate descent restricted to them agrees), and its R^2 is below the uncapped one
    const capped = fitDirection(sys, y, { ridge: 1e-3, maxNeurons: 4 });
    expect(capped.direction).toHaveLength(4);
    const support = capped.direction.map((x) => x.neuron - 100);
    const only = responseSystem(
      {
        neurons: Int32Array.from(support, (p) => 100 + p),
        basis: new Matrix(4, d, Float32Array.from(support.flatMap((p) => Array.from(basis.row(p))))),
        jacobian,
      },
      Array.from({ length: items }, (_, i) => Math.sqrt(1 + (i % 7))),
    );
    // lambda is relative to the mean diagonal of Q: rescale the ridge to keep the same absolute lambda
    const meanDiag = (s: typeof sys): number => s.diag.reduce((a, v) => a + v, 0) / s.n;
    const refit = fitDirection(only, y, {
      ridge: (1e-3 * meanDiag(sys)) / meanDiag(only),
      maxNeurons: 4,
      ...slowOpts,
    });
    capped.direction.forEach((x, i) => {
      expect(refit.direction[i].neuron).toBe(x.neuron);
      expect(x.weight).toBeCloseTo(refit.direction[i].weight, 6);
    });
    expect(capped.r2).toBeCloseTo(refit.r2, 8);
    expect(capped.r2).toBeLessThan(fast.r2);
    expect(() => fitDirection(sys, y, { solver: "newton" as "coordinate" })).toThrow(/solver must be/);
  });
});

describe("representationShift: the ceiling of every fitted direction", () => {
  it("y = [1, 0, 1] on J = (e_0, e_1, 0): v = -e_1 with R^2 1, where the non-negative fit over e_0, e_1 had 1/4", () => {
    const r = representationShift(eyeSystem([1, 1, 1]), [1, 0, 1]);
    expect(r.vector[0]).toBeCloseTo(0, 6);
    expect(r.vector[1]).toBeCloseTo(-1, 6);
    expect(r.r2).toBeCloseTo(1, 6);
  });

  it("4 items, J = (e_0, e_1, 0, 0), y = [0, 0, 1, 0]: v = (-1/2, -1/2), R^2 1/3 (by hand)", () => {
    // centred, uniform: M = [[3, -1], [-1, 3]] / 16, m = (-1, -1) / 16 -> v = (-1/2, -1/2);
    // explained m.v = 1/16 of the variance 3/16
    const sys = responseSystem(
      {
        neurons: Int32Array.from([0]),
        basis: new Matrix(1, 2, Float32Array.from([1, 0])),
        jacobian: new Matrix(4, 2, Float32Array.from([1, 0, 0, 1, 0, 0, 0, 0])),
      },
      [1, 1, 1, 1],
    );
    const r = representationShift(sys, [0, 0, 1, 0]);
    expect(r.vector[0]).toBeCloseTo(-0.5, 6);
    expect(r.vector[1]).toBeCloseTo(-0.5, 6);
    expect(r.r2).toBeCloseTo(1 / 3, 6);
  });

  it("equals weighted least squares with an intercept, bounds fitDirection, and is reached by +-e_j latents", () => {
    const rng = new Rng(11);
    const items = 40;
    const d = 3;
    const y = Float64Array.from({ length: items }, () => (rng.uniform() < 0.3 ? 1 : 0));
    const weights = Array.from({ length: items }, () => 0.5 + rng.uniform());
    const resp = randomResponse(rng, items, d, 5, 0);
    const random = responseSystem(resp, weights);
    const ceiling = representationShift(random, y);
    // reference: normal equations of y ~ c + J v in item space (X = [1 | J], weights w), by elimination
    const k = d + 1;
    const a = Array.from({ length: k }, () => new Float64Array(k + 1));
    for (let i = 0; i < items; i++) {
      const x = [1, ...Array.from({ length: d }, (_, j) => resp.jacobian.data[i * d + j])];
      for (let r = 0; r < k; r++) {
        for (let c = 0; c < k; c++) a[r][c] += weights[i] * x[r] * x[c];
        a[r][k] += weights[i] * x[r] * y[i];
      }
    }
    for (let p = 0; p < k; p++)
      for (let r = 0; r < k; r++) {
        if (r === p) continue;
        const f = a[r][p] / a[p][p];
        for (let c = p; c <= k; c++) a[r][c] -= f * a[p][c];
      }
    const beta = a.map((row, r) => row[k] / row[r]);
    for (let j = 0; j < d; j++) expect(ceiling.vector[j]).toBeCloseTo(beta[j + 1], 5);
    let wsum = 0;
    let ymean = 0;
    for (let i = 0; i < items; i++) {
      wsum += weights[i];
      ymean += weights[i] * y[i];
    }
    ymean /= wsum;
    let sst = 0;
    let sse = 0;
    for (let i = 0; i < items; i++) {
      let fit = beta[0];
      for (let j = 0; j < d; j++) fit += beta[j + 1] * resp.jacobian.data[i * d + j];
      sst += weights[i] * (y[i] - ymean) ** 2;
      sse += weights[i] * (y[i] - fit) ** 2;
    }
    expect(ceiling.r2).toBeCloseTo(1 - sse / sst, 6);
    // five random non-negative latents cannot do better
    expect(fitDirection(random, y, { ridge: 0 }).r2).toBeLessThanOrEqual(ceiling.r2 + 1e-9);
    // latents +-e_j reach every v: the non-negative fit then attains the ceiling
    const signedBasis = new Matrix(2 * d, d);
    for (let j = 0; j < d; j++) {
      signedBasis.data[j * d + j] = 1;
      signedBasis.data[(d + j) * d + j] = -1;
    }
    const signed = responseSystem(
      {
        neurons: Int32Array.from({ length: 2 * d }, (_, p) => p),
        basis: signedBasis,
        jacobian: resp.jacobian,
      },
      weights,
    );
    expect(fitDirection(signed, y, { ridge: 0, maxNeurons: 2 * d }).r2).toBeCloseTo(ceiling.r2, 6);
  });

  it("rejects an indicator of the wrong length", () => {
    expect(() => representationShift(eyeSystem([1, 1, 1]), [1, 0])).toThrow(
      /indicator has 2 entries for 3 items/,
    );
  });
});
