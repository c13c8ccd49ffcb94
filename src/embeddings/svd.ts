import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { symmetricEigen } from "./eigen.js";

/** Options of {@link randomizedSvd}. */
export interface RandomizedSvdOptions {
  /** Extra random directions beyond the rank (default 10). */
  oversample?: number;
  /** Power (subspace) iterations; more sharpen a slowly decaying spectrum (default 4). */
  powerIterations?: number;
  /** Seed of the Gaussian test matrix (default 0). */
  seed?: number;
}

/** A truncated SVD A ~ U diag(s) V^T. */
export interface TruncatedSvd {
  /** Left singular vectors, rows(A) x r (orthonormal columns). */
  readonly u: Matrix;
  /** Singular values, descending, length r. */
  readonly s: Float64Array;
  /** Right singular vectors, cols(A) x r (orthonormal columns). */
  readonly v: Matrix;
}

/**
 * An orthonormal basis of the column space of `y` (rows x l) through the Gram matrix: with
 * Y^T Y = W D W^T, Q = Y W D^{-1/2} over the directions with D above a relative floor (dropping
 * the rank-deficient ones). Run twice (as in CholeskyQR2) so float32 rounding leaves Q^T Q = I to
 * ~1e-6. The products go through the BLAS kernels; the eigen-decomposition is l x l.
 */
export function orthonormalBasis(y: Matrix): Matrix {
  let q = y;
  for (let pass = 0; pass < 2; pass++) {
    const l = q.cols;
    if (l === 0) return q;
    const k = kernels();
    const g = k.gemm(true, false, 1, q, q, 0, new Matrix(l, l));
    const { values, vectors } = symmetricEigen(g.data, l);
    const floor = Math.max(values[0], 0) * 1e-10;
    let keep = 0;
    while (keep < l && values[keep] > floor && values[keep] > 0) keep++;
    const t = new Matrix(l, keep);
    for (let r = 0; r < l; r++)
      for (let c = 0; c < keep; c++) t.data[r * keep + c] = vectors[r * l + c] / Math.sqrt(values[c]);
    q = k.gemm(false, false, 1, q, t, 0, new Matrix(q.rows, keep));
  }
  return q;
}

/**
 * Rank-`rank` truncated SVD of a sparse matrix by the randomised range finder (Halko, Martinsson
 * & Tropp 2011, Alg. 4.4 with re-orthonormalised power iterations): Y = A Omega, then
 * (A A^T)^q Y, Q = orth(Y), B = Q^T A, and the SVD of the small B from the eigen-decomposition of
 * B B^T. All products with A are csrMm / csrTMm kernels. Deterministic for a seed on one backend;
 * signs are fixed so the largest-magnitude entry of each left vector is positive. The rank is
 * capped at min(rows, cols) and at the numerical rank found.
 */
export function randomizedSvd(a: Csr, rank: number, opts: RandomizedSvdOptions = {}): TruncatedSvd {
  if (!Number.isInteger(rank) || rank < 1)
    throw new RangeError(`randomizedSvd: rank must be an integer >= 1, got ${rank}`);
  const oversample = opts.oversample ?? 10;
  const iters = opts.powerIterations ?? 4;
  const k = kernels();
  const r0 = Math.min(rank, a.rows, a.cols);
  const l = Math.min(r0 + oversample, a.rows, a.cols);
  const omega = new Matrix(a.cols, l);
  new Rng(opts.seed ?? 0).fillNormal(omega.data);
  let q = orthonormalBasis(k.csrMm(a, omega));
  for (let it = 0; it < iters; it++) {
    const z = orthonormalBasis(k.csrTMm(a, q));
    q = orthonormalBasis(k.csrMm(a, z));
  }
  const lq = q.cols;
  // B^T = A^T Q (cols x lq); B B^T = (B^T)^T B^T.
  const bt = k.csrTMm(a, q);
  const g = k.gemm(true, false, 1, bt, bt, 0, new Matrix(lq, lq));
  const { values, vectors } = symmetricEigen(g.data, lq);
  let r = 0;
  const floor = Math.max(values[0] ?? 0, 0) * 1e-12;
  while (r < Math.min(r0, lq) && values[r] > floor) r++;
  const w = new Matrix(lq, r);
  const wScaled = new Matrix(lq, r);
  const s = new Float64Array(r);
  for (let c = 0; c < r; c++) s[c] = Math.sqrt(values[c]);
  for (let row = 0; row < lq; row++)
    for (let c = 0; c < r; c++) {
      w.data[row * r + c] = vectors[row * lq + c];
      wScaled.data[row * r + c] = vectors[row * lq + c] / s[c];
    }
  const u = k.gemm(false, false, 1, q, w, 0, new Matrix(a.rows, r));
  const v = k.gemm(false, false, 1, bt, wScaled, 0, new Matrix(a.cols, r));
  for (let c = 0; c < r; c++) {
    let best = 0;
    for (let i = 0; i < u.rows; i++) {
      const x = u.data[i * r + c];
      if (Math.abs(x) > Math.abs(best)) best = x;
    }
    if (best < 0) {
      for (let i = 0; i < u.rows; i++) u.data[i * r + c] = -u.data[i * r + c];
      for (let i = 0; i < v.rows; i++) v.data[i * r + c] = -v.data[i * r + c];
    }
  }
  return { u, s, v };
}
