import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { symmetricEigen } from "./eigen.js";
import { orthonormalBasis, randomizedSvd } from "./svd.js";

/** Orthonormal columns by classical Gram-Schmidt in float64 (the naive reference). */
function gramSchmidt(rows: number, cols: number, rng: Rng): Float64Array {
  const q = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const v = new Float64Array(rows);
    for (let r = 0; r < rows; r++) v[r] = rng.normal();
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += v[r] * q[r * cols + p];
      for (let r = 0; r < rows; r++) v[r] -= dot * q[r * cols + p];
    }
    const norm = Math.hypot(...v);
    for (let r = 0; r < rows; r++) q[r * cols + c] = v[r] / norm;
  }
  return q;
}

/** A = U diag(sigma) V^T with random orthonormal U, V: a matrix with a known spectrum. */
function knownSpectrum(rows: number, cols: number, sigma: number[], seed: number): Matrix {
  const rng = new Rng(seed);
  const p = sigma.length;
  const u = gramSchmidt(rows, p, rng);
  const v = gramSchmidt(cols, p, rng);
  const a = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += u[i * p + k] * sigma[k] * v[j * p + k];
      a.data[i * cols + j] = s;
    }
  return a;
}

describe("symmetricEigen", () => {
  it("gives the hand-computed spectrum of a 3x3 matrix", () => {
    // [[2,1,0],[1,2,0],[0,0,5]]: eigenvalues 5, 3 (vector (1,1,0)/sqrt2), 1 (vector (1,-1,0)/sqrt2).
    const { values, vectors } = symmetricEigen([2, 1, 0, 1, 2, 0, 0, 0, 5], 3);
    expect(Array.from(values)).toEqual([expect.closeTo(5, 12), expect.closeTo(3, 12), expect.closeTo(1, 12)]);
    expect(Math.abs(vectors[0 * 3 + 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0 * 3 + 1] * vectors[1 * 3 + 1]).toBeCloseTo(0.5, 12);
    expect(vectors[0 * 3 + 2] * vectors[1 * 3 + 2]).toBeCloseTo(-0.5, 12);
    expect(Math.abs(vectors[2 * 3 + 0])).toBeCloseTo(1, 12);
  });

  it("satisfies A V = V diag(lambda) and V^T V = I on a random 40x40 matrix", () => {
    const n = 40;
    const rng = new Rng(3);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const x = rng.normal();
        a[i * n + j] = x;
        a[j * n + i] = x;
      }
    const { values, vectors } = symmetricEigen(a, n);
    let maxRes = 0;
    let maxOrth = 0;
    for (let c = 0; c < n; c++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[j * n + c];
        maxRes = Math.max(maxRes, Math.abs(s - values[c] * vectors[i * n + c]));
      }
      for (let c2 = 0; c2 < n; c2++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += vectors[i * n + c] * vectors[i * n + c2];
        maxOrth = Math.max(maxOrth, Math.abs(s - (c === c2 ? 1 : 0)));
      }
    }
    expect(maxRes).toBeLessThan(1e-10);
    expect(maxOrth).toBeLessThan(1e-12);
    for (let c = 1; c < n; c++) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(values.reduce((x, y) => x + y, 0)).toBeCloseTo(trace, 9);
  });
});

describe("orthonormalBasis", () => {
  it("spans a rank-deficient input with orthonormal columns (drops the dependent one)", () => {
    const rng = new Rng(1);
    const y = new Matrix(30, 4);
    rng.fillNormal(y.data);
    for (let r = 0; r < 30; r++) y.data[r * 4 + 3] = 2 * y.data[r * 4] - y.data[r * 4 + 1];
    const q = orthonormalBasis(y);
    expect(q.cols).toBe(3);
    for (let c = 0; c < 3; c++)
      for (let c2 = 0; c2 < 3; c2++) {
        let s = 0;
        for (let r = 0; r < 30; r++) s += q.get(r, c) * q.get(r, c2);
        expect(s).toBeCloseTo(c === c2 ? 1 : 0, 5);
      }
  });
});

describe("randomizedSvd", () => {
  const sigma = [10, 7, 5, 3, 2, 1, 0.5, 0.25];
  const a = knownSpectrum(60, 45, sigma, 7);
  const csr = Csr.fromDense(a);

  it("recovers the known singular values", () => {
    const { s } = randomizedSvd(csr, 5, { seed: 1 });
    expect(s.length).toBe(5);
    for (let i = 0; i < 5; i++) expect(s[i]).toBeCloseTo(sigma[i], 3);
  });

  it("has reconstruction error = sum of the discarded singular values squared", () => {
    const r = 4;
    const { u, s, v } = randomizedSvd(csr, r, { seed: 2 });
    let err = 0;
    for (let i = 0; i < a.rows; i++)
      for (let j = 0; j < a.cols; j++) {
        let x = 0;
        for (let k = 0; k < r; k++) x += u.get(i, k) * s[k] * v.get(j, k);
        err += (a.get(i, j) - x) ** 2;
      }
    const discarded = sigma.slice(r).reduce((t, x) => t + x * x, 0); // 4 + 1 + 0.25 + 0.0625 = 5.3125
    expect(discarded).toBeCloseTo(5.3125, 12);
    expect(err).toBeCloseTo(discarded, 3);
  });

  it("is deterministic for a seed, caps the rank at the numerical rank, and fixes signs", () => {
    const x = randomizedSvd(csr, 3, { seed: 5 });
    const y = randomizedSvd(csr, 3, { seed: 5 });
    expect(Array.from(x.u.data)).toEqual(Array.from(y.u.data));
    const full = randomizedSvd(csr, 20, { seed: 5 });
    expect(full.s.length).toBe(8); // rank 8 by construction
    for (let c = 0; c < 3; c++) {
      let best = 0;
      for (let i = 0; i < x.u.rows; i++) if (Math.abs(x.u.get(i, c)) > Math.abs(best)) best = x.u.get(i, c);
      expect(best).toBeGreaterThan(0);
    }
  });
});
