import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";

/**
 * The BLAS path of indexed attention when every query row attends to the same table rows (e.g.
 * the public intents, shared by every position of every user). With the m filled slots' keys laid
 * out block-diagonally over heads,
 *
 *   Kx[h m + j, h dk .. (h+1) dk) = K[id_j]^h   (zeros elsewhere; heads m x d),
 *
 * all heads' scores are one product S = Q Kx^T / sqrt(dk) (rows x heads m), the weights a softmax
 * over each row's m-wide blocks, and the output one product P Vx; the backward pass is four more
 * products. The block-diagonal layout wastes a factor `heads` of multiplications, which BLAS
 * repays many times over the per-element loops.
 */
export interface SharedAttention {
  /** Table rows of the filled slots, in slot order (length m >= 1). */
  readonly ids: Int32Array;
  readonly heads: number;
  readonly scale: number;
  /** Block-diagonal keys and values (heads m x d). */
  readonly kx: Matrix;
  readonly vx: Matrix;
  /** Attention weights, rows x (heads m): row i, head h, filled slot j at [i, h m + j]. */
  readonly p: Matrix;
}

/** The block-diagonal expansion of `table` rows `ids` over `heads` (heads m x d). */
export function blockDiagonal(table: Matrix, ids: Int32Array, heads: number): Matrix {
  const d = table.cols;
  const dk = d / heads;
  const m = ids.length;
  const out = new Matrix(heads * m, d);
  for (let h = 0; h < heads; h++)
    for (let j = 0; j < m; j++) {
      const src = ids[j] * d + h * dk;
      out.data.set(table.data.subarray(src, src + dk), (h * m + j) * d + h * dk);
    }
  return out;
}

/** Adds the diagonal blocks of `x` (heads m x d) into rows `ids` of `table` (inverse of blockDiagonal). */
export function addDiagonalBlocks(x: Matrix, ids: Int32Array, heads: number, table: Float32Array): void {
  const d = x.cols;
  const dk = d / heads;
  const m = ids.length;
  const xd = x.data;
  for (let h = 0; h < heads; h++)
    for (let j = 0; j < m; j++) {
      const src = (h * m + j) * d + h * dk;
      const dst = ids[j] * d + h * dk;
      for (let c = 0; c < dk; c++) table[dst + c] += xd[src + c];
    }
}

/** Scores, weights and output of shared-slot attention (see {@link SharedAttention}). */
export function sharedForward(
  q: Matrix,
  keys: Matrix,
  values: Matrix,
  ids: Int32Array,
  heads: number,
): { state: SharedAttention; out: Matrix } {
  const k = kernels();
  const rows = q.rows;
  const m = ids.length;
  const scale = 1 / Math.sqrt(q.cols / heads);
  const kx = blockDiagonal(keys, ids, heads);
  const vx = blockDiagonal(values, ids, heads);
  const s = k.gemm(false, true, scale, q, kx, 0, new Matrix(rows, heads * m));
  // rows x (heads m) row-major is (rows heads) x m row-major: one softmax per row and head.
  const blocks = k.softmaxRows(new Matrix(rows * heads, m, s.data));
  const p = new Matrix(rows, heads * m, blocks.data);
  const out = k.gemm(false, false, 1, p, vx, 0, new Matrix(rows, q.cols));
  return { state: { ids, heads, scale, kx, vx, p }, out };
}

/**
 * Accumulates the gradients of shared-slot attention for the upstream gradient `g` (rows x d) into
 * dq (rows x d) and the table gradients dK, dV (table rows x d, flat); null skips one.
 */
export function sharedBackward(
  g: Matrix,
  q: Matrix,
  st: SharedAttention,
  dq: Matrix | null,
  dK: Float32Array | null,
  dV: Float32Array | null,
): void {
  const k = kernels();
  const { p, heads, ids, scale } = st;
  const width = p.cols;
  const m = ids.length;
  if (dV) addDiagonalBlocks(k.gemm(true, false, 1, p, g, 0, new Matrix(width, g.cols)), ids, heads, dV);
  if (!dq && !dK) return;
  // dS = P * (dP - sum_j P dP) * scale, per row and head block.
  const ds = k.gemm(false, true, 1, g, st.vx, 0, new Matrix(p.rows, width));
  const pd = p.data;
  const sd = ds.data;
  for (let b = 0; b < pd.length; b += m) {
    let dot = 0;
    for (let j = 0; j < m; j++) dot += pd[b + j] * sd[b + j];
    for (let j = 0; j < m; j++) sd[b + j] = pd[b + j] * (sd[b + j] - dot) * scale;
  }
  if (dq) k.gemm(false, false, 1, ds, st.kx, 1, dq);
  if (dK) addDiagonalBlocks(k.gemm(true, false, 1, ds, q, 0, new Matrix(width, q.cols)), ids, heads, dK);
}
