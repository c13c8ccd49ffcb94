import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { nnlsFactored } from "./fitted-direction.js";
import { denseColumns, denseGram, factoredColumns, nnlsActiveSet } from "./nnls-active-set.js";

const dense = (rows: number[][]) => denseColumns(Float64Array.from(rows.flat()), rows.length);

describe("nnlsActiveSet: hand-computed", () => {
  it("feasible unconstrained optimum, a clipped coordinate, and the ridge", () => {
    const q = dense([
      [2, 1],
      [1, 2],
    ]);
    // b = [3, 3]: w = [1, 1]
    const w = nnlsActiveSet(q, Float64Array.from([3, 3]), 0);
    expect(w[0]).toBeCloseTo(1, 12);
    expect(w[1]).toBeCloseTo(1, 12);
    // b = [3, -3]: w1 = 0, w0 = 3/2
    const c = nnlsActiveSet(q, Float64Array.from([3, -3]), 0);
    expect(c[0]).toBeCloseTo(1.5, 12);
    expect(c[1]).toBe(0);
    // lambda 1: [[3, 1], [1, 3]] w = [4, 4] -> w = [1, 1]
    const r = nnlsActiveSet(q, Float64Array.from([4, 4]), 1);
    expect(r[0]).toBeCloseTo(1, 12);
    expect(r[1]).toBeCloseTo(1, 12);
  });

  it("correlated coordinates: both enter, or the better one shuts the other out", () => {
    // Q = [[1, 0.9], [0.9, 1]], b = [1, 0.95]: the first step takes w0 = 1; adding w1 gives the
    // unconstrained solution [(1 - 0.9 * 0.95) / 0.19, (0.95 - 0.9) / 0.19] = [0.763, 0.263] (both > 0).
    const q = dense([
      [1, 0.9],
      [0.9, 1],
    ]);
    const w = nnlsActiveSet(q, Float64Array.from([1, 0.95]), 0);
    expect(w[0]).toBeCloseTo(0.145 / 0.19, 10);
    expect(w[1]).toBeCloseTo(0.05 / 0.19, 10);
    // b = [1, 0.5, 1.2] with a third coordinate nearly equal to the first: w2 enters first and w0's
    // gradient stays negative, so w0 never enters; Q = [[1, 0, 0.99], [0, 1, 0], [0.99, 0, 1]]: optimum w = [0, 0.5, 1.2] (w0's gradient there:
    // 1 - 0.99 * 1.2 = -0.188 < 0, so w0 = 0 is optimal)
    const q3 = dense([
      [1, 0, 0.99],
      [0, 1, 0],
      [0.99, 0, 1],
    ]);
    const v = nnlsActiveSet(q3, Float64Array.from([1, 0.5, 1.2]), 0);
    expect(v[0]).toBe(0);
    expect(v[1]).toBeCloseTo(0.5, 12);
    expect(v[2]).toBeCloseTo(1.2, 12);
  });

  it("duplicate columns without a ridge: one of them carries the weight, the optimum value is reached", () => {
    // Q = [[1, 1], [1, 1]], b = [2, 2]: any w0 + w1 = 2 with w >= 0 is optimal
    const w = nnlsActiveSet(
      dense([
        [1, 1],
        [1, 1],
      ]),
      Float64Array.from([2, 2]),
      0,
    );
    expect(w[0] + w[1]).toBeCloseTo(2, 10);
    expect(Math.min(w[0], w[1])).toBe(0);
  });

  it("restricts to the active coordinates and rejects bad input", () => {
    const q = dense([
      [2, 1],
      [1, 2],
    ]);
    const w = nnlsActiveSet(q, Float64Array.from([3, 3]), 0, { active: [1] });
    expect(w[0]).toBe(0);
    expect(w[1]).toBeCloseTo(1.5, 12);
    expect(() => nnlsActiveSet(q, Float64Array.from([1]), 0)).toThrow(/b has 1 entries for n = 2/);
    expect(() => nnlsActiveSet(q, Float64Array.from([1, 1]), -1)).toThrow(/lambda/);
    expect(() => nnlsActiveSet(q, Float64Array.from([1, 1]), 0, { active: [2] })).toThrow(
      /active coordinate 2/,
    );
  });
});

describe("nnlsActiveSet: random factored problems against coordinate descent", () => {
  // n = 60 latents in d = 12 dimensions (many near-dependent columns, like an SAE's decoder rows)
  const n = 60;
  const d = 12;
  const rng = new Rng(11);
  const r = new Float64Array(n * d);
  const a = new Float32Array(d * d);
  rng.fillNormal(a, 0, 1);
  const rr = new Float32Array(n * d);
  rng.fillNormal(rr, 0, 1);
  r.set(rr);
  // M = A A^T / d (positive semi-definite)
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += a[i * d + t] * a[j * d + t];
      m[i * d + j] = s / d;
    }
  const rm = new Float64Array(n * d);
  for (let p = 0; p < n; p++)
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += r[p * d + t] * m[t * d + i];
      rm[p * d + i] = s;
    }
  const bb = new Float32Array(n);
  rng.fillNormal(bb, 0, 1);
  const b = Float64Array.from(bb);
  const q = denseGram(r, rm, n, d);
  const lambda = 0.05;

  it("the dense and factored Gram columns agree", () => {
    const f = factoredColumns(r, rm, n, d);
    const c = denseColumns(q, n);
    for (const j of [0, 17, 59]) {
      const x = f.column(j);
      const y = c.column(j);
      for (let p = 0; p < n; p++) expect(x[p]).toBeCloseTo(y[p], 10);
    }
  });

  it("reaches the KKT point and the same optimum as converged coordinate descent", () => {
    const w = nnlsActiveSet(denseColumns(q, n), b, lambda, { tol: 1e-12 });
    const cd = nnlsFactored(r, rm, b, n, d, lambda, { sweeps: 200000, tol: 1e-12 });
    let support = 0;
    for (let p = 0; p < n; p++) {
      expect(w[p]).toBeGreaterThanOrEqual(0);
      expect(w[p]).toBeCloseTo(cd[p], 6);
      let g = b[p] - lambda * w[p];
      for (let c = 0; c < n; c++) g -= q[p * n + c] * w[c];
      if (w[p] > 0) {
        support++;
        expect(Math.abs(g)).toBeLessThan(1e-9);
      } else expect(g).toBeLessThan(1e-9);
    }
    expect(support).toBeGreaterThan(3);
    expect(support).toBeLessThan(n);
  });
});

describe("nnlsActiveSet: exhaustive oracle on small problems", () => {
  /** Solves H_SS x = b_S by Gaussian elimination (H symmetric positive definite). */
  function solveSub(h: Float64Array, b: Float64Array, n: number, sub: number[]): Float64Array {
    const k = sub.length;
    const a = sub.map((p) => [...sub.map((c) => h[p * n + c]), b[p]]);
    for (let i = 0; i < k; i++) {
      for (let r2 = i + 1; r2 < k; r2++) {
        const f = a[r2][i] / a[i][i];
        for (let c = i; c <= k; c++) a[r2][c] -= f * a[i][c];
      }
    }
    const x = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      let s = a[i][k];
      for (let c = i + 1; c < k; c++) s -= a[i][c] * x[c];
      x[i] = s / a[i][i];
    }
    return x;
  }

  it("matches the unique KKT point found by enumerating every support (200 random 6 x 6 problems)", () => {
    const rng = new Rng(5);
    const n = 6;
    const d = 3; // rank-3 Gram + ridge: strongly correlated columns, supports change along the path
    const lambda = 0.01;
    for (let trial = 0; trial < 200; trial++) {
      const r = new Float32Array(n * d);
      rng.fillNormal(r, 0, 1);
      const q = new Float64Array(n * n);
      for (let p = 0; p < n; p++)
        for (let c = 0; c < n; c++) {
          let s = 0;
          for (let t = 0; t < d; t++) s += r[p * d + t] * r[c * d + t];
          q[p * n + c] = s;
        }
      const h = Float64Array.from(q);
      for (let p = 0; p < n; p++) h[p * n + p] += lambda;
      const bf = new Float32Array(n);
      rng.fillNormal(bf, 0, 1);
      const b = Float64Array.from(bf);
      let oracle: Float64Array | null = null;
      for (let mask = 0; mask < 1 << n && !oracle; mask++) {
        const sub = Array.from({ length: n }, (_, p) => p).filter((p) => mask & (1 << p));
        const x = solveSub(h, b, n, sub);
        if (x.some((v) => v <= 0)) continue;
        const w = new Float64Array(n);
        sub.forEach((p, i) => (w[p] = x[i]));
        let ok = true;
        for (let p = 0; p < n && ok; p++) {
          if (w[p] > 0) continue;
          let g = b[p];
          for (let c = 0; c < n; c++) g -= h[p * n + c] * w[c];
          if (g > 1e-9) ok = false;
        }
        if (ok) oracle = w;
      }
      expect(oracle).not.toBeNull();
      const w = nnlsActiveSet(denseColumns(q, n), b, lambda, { tol: 1e-12 });
      for (let p = 0; p < n; p++) expect(w[p]).toBeCloseTo(oracle![p], 7);
    }
  });
});
