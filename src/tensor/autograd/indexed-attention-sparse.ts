import { kernels } from "../backend.js";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { addDiagonalBlocks, blockDiagonal } from "./indexed-attention-shared.js";

/**
 * The kernel path of indexed attention when rows name different table rows (e.g. each position's
 * personal intents). The attention weights form a sparse rows x (heads T) matrix P (T table rows;
 * row i holds p_ihj at column h T + s_ij), so with the table laid out block-diagonally over heads
 * (Vx = blockDiagonal(V), heads T x d; V itself for one head) the four products that move d-wide
 * rows are sparse-times-dense kernels:
 *
 *   out = P Vx,  dV = diag blocks of P^T G,  dq = dS Kx,  dK = diag blocks of dS^T Q
 *
 * (kernels().csrMm / csrTMm). The per-entry dot products (scores q_i . K[s_ij], dP_ij = g_i . V[s_ij])
 * stay loops: each touches only rows x slots x d numbers, which no dense product can do.
 */
export interface SparseAttention {
  readonly heads: number;
  readonly scale: number;
  /** Attention weights as a Csr (structure shared with dS). */
  readonly p: Csr;
  /** Table row of each stored entry (entry order of `p`). */
  readonly tableRow: Int32Array;
}

/** Table rows 0..n-1 (for blockDiagonal of a whole table). */
const allRows = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

/** The whole table block-diagonal over heads (itself for one head). */
function expandTable(table: Matrix, heads: number): Matrix {
  return heads === 1 ? table : blockDiagonal(table, allRows(table.rows), heads);
}

/**
 * Output of sparse indexed attention from the weights `probs` (rows x heads x slots, 0 for empty
 * slots, as indexedAttentionWeights returns them) and the slot table `ids`.
 */
export function sparseForward(
  probs: Float32Array,
  ids: Int32Array,
  slots: number,
  values: Matrix,
  rows: number,
  heads: number,
): { state: SparseAttention; out: Matrix } {
  const t = values.rows;
  const indptr = new Int32Array(rows + 1);
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < slots; j++) if (ids[i * slots + j] >= 0) nnz += heads;
    indptr[i + 1] = nnz;
  }
  const indices = new Int32Array(nnz);
  const vals = new Float32Array(nnz);
  const tableRow = new Int32Array(nnz);
  let e = 0;
  for (let i = 0; i < rows; i++)
    for (let h = 0; h < heads; h++)
      for (let j = 0; j < slots; j++) {
        const id = ids[i * slots + j];
        if (id < 0) continue;
        indices[e] = h * t + id;
        tableRow[e] = id;
        vals[e++] = probs[(i * heads + h) * slots + j];
      }
  const p = new Csr(rows, heads * t, indptr, indices, vals);
  const out = kernels().csrMm(p, expandTable(values, heads), new Matrix(rows, values.cols));
  return { state: { heads, scale: 1 / Math.sqrt(values.cols / heads), p, tableRow }, out };
}

/** Adds a (heads T) x d product into the table gradient: directly for one head, its diagonal blocks otherwise. */
function addTableGrad(x: Matrix, heads: number, table: Float32Array): void {
  if (heads === 1) {
    for (let c = 0; c < table.length; c++) table[c] += x.data[c];
    return;
  }
  addDiagonalBlocks(x, allRows(x.rows / heads), heads, table);
}

/**
 * Accumulates the gradients of sparse indexed attention for the upstream gradient `g` (rows x d)
 * into dq (rows x d) and the table gradients dK, dV (T x d, flat); null skips one.
 */
export function sparseBackward(
  g: Matrix,
  q: Matrix,
  keys: Matrix,
  values: Matrix,
  st: SparseAttention,
  dq: Matrix | null,
  dK: Float32Array | null,
  dV: Float32Array | null,
): void {
  const k = kernels();
  const { p, heads, scale, tableRow } = st;
  const d = g.cols;
  const dk = d / heads;
  const t = values.rows;
  if (dV) addTableGrad(k.csrTMm(p, g, new Matrix(heads * t, d)), heads, dV);
  if (!dq && !dK) return;
  // dS_e = p_e (dP_e - sum over the row's head block of p dP) scale, dP_e = g_i^h . V[row_e]^h.
  const gd = g.data;
  const vd = values.data;
  const pv = p.values;
  const ds = new Float32Array(pv.length);
  const { indptr, indices } = p;
  for (let i = 0; i < p.rows; i++) {
    let e = indptr[i];
    const end = indptr[i + 1];
    while (e < end) {
      const h = Math.floor(indices[e] / t);
      let stop = e;
      while (stop < end && Math.floor(indices[stop] / t) === h) stop++;
      const go = i * d + h * dk;
      let dot = 0;
      for (let x = e; x < stop; x++) {
        const vo = tableRow[x] * d + h * dk;
        let s = 0;
        for (let c = 0; c < dk; c++) s += gd[go + c] * vd[vo + c];
        ds[x] = s;
        dot += pv[x] * s;
      }
      for (let x = e; x < stop; x++) ds[x] = pv[x] * (ds[x] - dot) * scale;
      e = stop;
    }
  }
  const dsm = new Csr(p.rows, p.cols, indptr, indices, ds);
  if (dq) k.csrMm(dsm, expandTable(keys, heads), dq, 1, 1);
  if (dK) addTableGrad(k.csrTMm(dsm, q, new Matrix(heads * t, d)), heads, dK);
}
