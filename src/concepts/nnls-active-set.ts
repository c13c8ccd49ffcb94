/**
 * Non-negative least squares on the normal equations by the active-set method of Lawson and Hanson
 * (Solving Least Squares Problems, 1974, ch. 23), in Gram form:
 *
 *   min_{w >= 0}  1/2 w^T (Q + lambda I) w - b^T w,   Q symmetric positive semi-definite (n x n).
 *
 * The passive set P (the coordinates free to move) grows by the coordinate with the largest negative
 * gradient; the unconstrained problem on P is solved exactly with a Cholesky factor of (Q + lambda I)_PP
 * that is extended by one row per added coordinate (O(|P|^2)) and rebuilt when coordinates leave.
 * Unlike cyclic coordinate descent it ends at the exact optimum (KKT to round-off) in a number of
 * steps close to the size of the support, however correlated the columns of Q are; with
 * `maxSupport` it stops early on the path, at the exact optimum over the coordinates entered so far. Q is read by
 * column through {@link GramColumns}: a dense matrix shared by many right-hand sides, or columns
 * computed on demand from a factored form Q = R M R^T.
 */

import { GrowingCholesky } from "../tensor/cholesky.js";

/** Columns of a symmetric Gram matrix Q (n x n). */
export interface GramColumns {
  readonly n: number;
  /** Column j of Q (length n); callers do not modify it. */
  column(j: number): Float64Array;
}

/** Q = R M R^T formed densely (n x n, row-major) from R (n x d) and RM = R M (n x d): O(n^2 d). */
export function denseGram(r: Float64Array, rm: Float64Array, n: number, d: number): Float64Array {
  if (r.length !== n * d || rm.length !== n * d)
    throw new RangeError(`denseGram: R has ${r.length}, RM ${rm.length} entries for ${n} x ${d}`);
  const q = new Float64Array(n * n);
  for (let p = 0; p < n; p++) {
    const ro = p * d;
    for (let c = p; c < n; c++) {
      const co = c * d;
      let s = 0;
      for (let a = 0; a < d; a++) s += r[ro + a] * rm[co + a];
      q[p * n + c] = s;
      q[c * n + p] = s;
    }
  }
  return q;
}

/** Columns of a dense symmetric n x n matrix (views, no copies). */
export function denseColumns(q: Float64Array, n: number): GramColumns {
  if (q.length !== n * n) throw new RangeError(`denseColumns: ${q.length} entries for ${n} x ${n}`);
  return { n, column: (j) => q.subarray(j * n, (j + 1) * n) };
}

/** Columns of Q = R M R^T computed on demand (O(n d) each) from R and RM = R M (n x d). */
export function factoredColumns(r: Float64Array, rm: Float64Array, n: number, d: number): GramColumns {
  if (r.length !== n * d || rm.length !== n * d)
    throw new RangeError(`factoredColumns: R has ${r.length}, RM ${rm.length} entries for ${n} x ${d}`);
  return {
    n,
    column(j) {
      const out = new Float64Array(n);
      const jo = j * d;
      for (let p = 0; p < n; p++) {
        let s = 0;
        const po = p * d;
        for (let a = 0; a < d; a++) s += r[po + a] * rm[jo + a];
        out[p] = s;
      }
      return out;
    },
  };
}

/** Options of {@link nnlsActiveSet}. */
export interface ActiveSetOptions {
  /** Stop when no free coordinate has a negative gradient below -tol * max |b| (default 1e-9). */
  readonly tol?: number;
  /** Coordinates optimised (default all); the others stay 0. */
  readonly active?: readonly number[];
  /**
   * Stop once this many coordinates are positive (default n: the exact optimum). The result is then
   * the exact optimum restricted to those coordinates, chosen greedily along the Lawson-Hanson path
   * (each entered with the steepest descent at the time).
   */
  readonly maxSupport?: number;
  /** Most outer iterations (default 10 n): a guard against cycling on round-off. */
  readonly maxIter?: number;
}

/**
 * Solves min_{w >= 0} 1/2 w^T (Q + lambda I) w - b^T w (Lawson-Hanson, see the module comment) and
 * returns w (length n). Q comes by column from `gram`; with lambda > 0 the problem is strictly convex
 * and the optimum unique. Coordinates outside `opts.active` stay 0.
 */
export function nnlsActiveSet(
  gram: GramColumns,
  b: Float64Array,
  lambda: number,
  opts: ActiveSetOptions = {},
): Float64Array {
  const n = gram.n;
  if (b.length !== n) throw new RangeError(`nnlsActiveSet: b has ${b.length} entries for n = ${n}`);
  if (!(lambda >= 0)) throw new RangeError(`nnlsActiveSet: lambda must be >= 0, got ${lambda}`);
  const tol = opts.tol ?? 1e-9;
  const maxIter = opts.maxIter ?? 10 * n + 10;
  const maxSupport = opts.maxSupport ?? n;
  if (!(Number.isInteger(maxSupport) && maxSupport >= 1))
    throw new RangeError(`nnlsActiveSet: maxSupport must be an integer >= 1, got ${maxSupport}`);
  const allowed = new Uint8Array(n);
  if (opts.active) {
    for (const p of opts.active) {
      if (!(Number.isInteger(p) && p >= 0 && p < n))
        throw new RangeError(`nnlsActiveSet: active coordinate ${p} is not in [0, ${n})`);
      allowed[p] = 1;
    }
  } else allowed.fill(1);
  const w = new Float64Array(n);
  let scale = 0;
  for (let p = 0; p < n; p++) if (allowed[p]) scale = Math.max(scale, Math.abs(b[p]));
  if (scale === 0) return w;
  const threshold = tol * scale;
  const cols = new Map<number, Float64Array>();
  const col = (j: number): Float64Array => {
    let c = cols.get(j);
    if (!c) {
      c = gram.column(j);
      cols.set(j, c);
    }
    return c;
  };
  let passive: number[] = [];
  const inP = new Uint8Array(n);
  const rejected = new Uint8Array(n);
  let chol = new GrowingCholesky();
  const appendTo = (ch: GrowingCholesky, order: readonly number[], j: number): boolean => {
    const cj = col(j);
    return ch.append(
      order.map((p) => cj[p]),
      cj[j] + lambda,
    );
  };
  // g = b - (Q + lambda I) w, the negative gradient
  const g = Float64Array.from(b);
  for (let iter = 0; iter < maxIter && passive.length < maxSupport; iter++) {
    let j = -1;
    let best = threshold;
    for (let p = 0; p < n; p++)
      if (allowed[p] && !inP[p] && !rejected[p] && g[p] > best) {
        best = g[p];
        j = p;
      }
    if (j < 0) break;
    if (!appendTo(chol, passive, j)) {
      rejected[j] = 1; // dependent on the passive columns (lambda 0): cannot enter now
      continue;
    }
    passive.push(j);
    inP[j] = 1;
    for (;;) {
      const s = chol.solve(passive.map((p) => b[p]));
      let alpha = Infinity;
      let blocking = -1;
      for (let i = 0; i < passive.length; i++) {
        if (s[i] > 0) continue;
        const wi = w[passive[i]];
        const a = wi / (wi - s[i]);
        if (a < alpha) {
          alpha = a;
          blocking = i;
        }
      }
      if (blocking < 0) {
        passive.forEach((p, i) => (w[p] = s[i]));
        break;
      }
      // step towards s until the blocking coordinate reaches 0, then drop the coordinates at 0
      passive.forEach((p, i) => (w[p] += alpha * (s[i] - w[p])));
      const keep: number[] = [];
      for (let i = 0; i < passive.length; i++) {
        const p = passive[i];
        if (i === blocking || (s[i] <= 0 && w[p] <= 1e-15 * scale)) {
          w[p] = 0;
          inP[p] = 0;
        } else keep.push(p);
      }
      passive = keep;
      rejected.fill(0);
      // entered and left at once (round-off at the optimum): keep it out until P changes again
      if (!inP[j] && alpha === 0) rejected[j] = 1;
      chol = new GrowingCholesky();
      const order: number[] = [];
      for (const p of passive)
        if (appendTo(chol, order, p)) order.push(p);
        else {
          w[p] = 0;
          inP[p] = 0;
        }
      passive = order;
    }
    g.set(b);
    for (const p of passive) {
      const wp = w[p];
      if (wp === 0) continue;
      const cp = col(p);
      for (let q = 0; q < n; q++) g[q] -= wp * cp[q];
      g[p] -= lambda * wp;
    }
  }
  return w;
}
