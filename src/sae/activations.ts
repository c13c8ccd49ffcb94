import { kernels } from "../tensor/backend.js";
import type { Matrix } from "../tensor/matrix.js";
import { CodeBuilder } from "./code.js";
import type { SparseCode } from "./types.js";

/** z = ReLU(pre): every positive pre-activation is kept. */
export function reluCode(pre: Matrix): SparseCode {
  const b = new CodeBuilder(pre.rows, pre.cols, pre.rows * 16);
  for (let r = 0; r < pre.rows; r++) {
    const row = pre.row(r);
    for (let j = 0; j < row.length; j++) if (row[j] > 0) b.push(j, row[j]);
    b.endRow();
  }
  return b.build();
}

/** ReLU then the k largest of each row (kernels().rowTopK); rows with fewer positives keep fewer. */
export function topKCode(pre: Matrix, k: number): SparseCode {
  const kk = Math.min(k, pre.cols);
  const top = kernels().rowTopK(pre, kk);
  const b = new CodeBuilder(pre.rows, pre.cols, pre.rows * kk);
  for (let r = 0; r < pre.rows; r++) {
    for (let t = 0; t < kk; t++) {
      const v = top.values[r * kk + t];
      if (v > 0) b.push(top.indices[r * kk + t], v);
    }
    b.endRow();
  }
  return b.build();
}

/**
 * ReLU then the `total` largest activations of the whole batch (BatchTopK, Bussmann et al. 2024).
 * Exactly `total` entries are kept when at least that many are positive (ties at the cut are taken
 * in row-major order).
 */
export function batchTopKCode(pre: Matrix, total: number): SparseCode {
  const d = pre.data;
  let positives = 0;
  for (let t = 0; t < d.length; t++) if (d[t] > 0) positives++;
  let cut = 0;
  let tiesAllowed = Infinity;
  if (positives > total) {
    const vals = new Float32Array(positives);
    let w = 0;
    for (let t = 0; t < d.length; t++) if (d[t] > 0) vals[w++] = d[t];
    cut = kthLargest(vals, total);
    let above = 0;
    for (let t = 0; t < d.length; t++) if (d[t] > cut) above++;
    tiesAllowed = total - above;
  }
  const b = new CodeBuilder(pre.rows, pre.cols, Math.min(positives, total) + 1);
  for (let r = 0; r < pre.rows; r++) {
    const off = r * pre.cols;
    for (let j = 0; j < pre.cols; j++) {
      const v = d[off + j];
      if (!(v > 0)) continue;
      if (v > cut) b.push(j, v);
      else if (v === cut && tiesAllowed > 0) {
        b.push(j, v);
        tiesAllowed--;
      }
    }
    b.endRow();
  }
  return b.build();
}

/** z_j = pre_j where pre_j > max(threshold_j, 0) (JumpReLU-style inference of BatchTopK). */
export function thresholdCode(pre: Matrix, threshold: Float32Array): SparseCode {
  const b = new CodeBuilder(pre.rows, pre.cols, pre.rows * 16);
  for (let r = 0; r < pre.rows; r++) {
    const row = pre.row(r);
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (v > 0 && v > threshold[j]) b.push(j, v);
    }
    b.endRow();
  }
  return b.build();
}

/** Smallest stored value of a code (Infinity when empty). */
export function minCodeValue(code: SparseCode): number {
  let m = Infinity;
  const n = code.indptr[code.rows];
  for (let p = 0; p < n; p++) if (code.values[p] < m) m = code.values[p];
  return m;
}

/**
 * The k-th largest value (1-based) of `a` by iterative quickselect with a median-of-three pivot.
 * Reorders `a` in place.
 */
export function kthLargest(a: Float32Array, k: number): number {
  if (!(k >= 1 && k <= a.length))
    throw new RangeError(`kthLargest: k=${k} out of range for ${a.length} values`);
  const target = k - 1; // index in descending order
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x > y ? (y > z ? y : x > z ? z : x) : x > z ? x : y > z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}
