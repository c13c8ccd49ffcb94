import { kernels } from "../tensor/backend.js";
import type { Tape } from "../tensor/autograd/tape.js";
import type { Input, Variable } from "../tensor/autograd/variable.js";
import { Matrix } from "../tensor/matrix.js";

/**
 * The NeuMF scoring head (He et al. 2017), shared by training, `scorePairs` and `decode`.
 *
 * A user representation is [g_u | m_u] (gmfDim + mlpDim columns), an item one [g_i | m_i]. The
 * logit of a pair is
 *
 *   logit = [g_u ⊙ g_i | h_L] w_out + b_out,   h_1 = relu(m_u W_1u + m_i W_1i + b_1),
 *   h_k = relu(h_{k-1} W_k + b_k)  (k = 2..L),
 *
 * where W_1 = [W_1u; W_1i] is the first MLP layer applied to the concatenation [m_u | m_i] (split by
 * rows into its user and item halves, which lets `scoreAll` compute m_u W_1u once per user and
 * m_i W_1i once per item).
 */

/** Weights of the head. `weights[0]` is (2 mlpDim) x layers[0]; `out` is (gmfDim + layers[L-1]) x 1. */
export interface NcfHead<T extends Input = Input> {
  readonly gmfDim: number;
  readonly mlpDim: number;
  readonly weights: readonly T[];
  /** 1 x layers[k] each. */
  readonly biases: readonly T[];
  readonly out: T;
  /** 1 x 1. */
  readonly outBias: T;
}

function valueOf(x: Input): Matrix {
  return x instanceof Matrix ? x : x.value;
}

/** Checks that user and item representations are aligned and gmfDim + mlpDim wide. */
function checkPairs(op: string, head: NcfHead, users: Input, items: Input): void {
  const width = head.gmfDim + head.mlpDim;
  const u = valueOf(users);
  const i = valueOf(items);
  if (u.cols !== width || i.cols !== width || u.rows !== i.rows)
    throw new RangeError(
      `${op}: user representations ${u.shape} and item representations ${i.shape} must be aligned and ${width} wide (gmf ${head.gmfDim} + mlp ${head.mlpDim})`,
    );
}

/** Logits (n x 1) of aligned user/item representation rows, on tape `t` (gradients reach every Variable). */
export function ncfLogits(t: Tape, head: NcfHead, users: Input, items: Input): Variable {
  checkPairs("ncfLogits", head, users, items);
  const { gmfDim: g, mlpDim: m } = head;
  const gmf = t.mul(t.sliceCols(users, 0, g), t.sliceCols(items, 0, g));
  const w0 = head.weights[0];
  let h = t.relu(
    t.add(
      t.add(
        t.matmul(t.sliceCols(users, g, g + m), t.sliceRows(w0, 0, m)),
        t.matmul(t.sliceCols(items, g, g + m), t.sliceRows(w0, m, 2 * m)),
      ),
      head.biases[0],
    ),
  );
  for (let k = 1; k < head.weights.length; k++)
    h = t.relu(t.add(t.matmul(h, head.weights[k]), head.biases[k]));
  return t.add(t.matmul(t.concatCols([gmf, h]), head.out), head.outBias);
}

/**
 * Items per tile in `ncfScoreAll`: one user's tile of first-layer activations (tile x layers[0]
 * floats) and the next layer's output stay in the L2 cache while the head's gemms run over them.
 */
const ITEM_TILE = 1024;

/**
 * The head's per-item part, computed once: (g_i ⊙ w_out,gmf) (items x gmfDim) and m_i W_1i + b_1
 * (items x layers[0]).
 */
export interface NcfItemSide {
  readonly gmf: Matrix;
  readonly mlp: Matrix;
}

/** Precomputes the head's item part for item representations `items` (items x (gmfDim + mlpDim)). */
export function ncfItemSide(head: NcfHead<Matrix>, items: Matrix): NcfItemSide {
  const { gmfDim: g, mlpDim: m } = head;
  const n = items.rows;
  const gmf = new Matrix(n, g);
  const wo = head.out.data;
  const mi = new Matrix(n, m);
  for (let i = 0; i < n; i++) {
    const row = items.row(i);
    for (let k = 0; k < g; k++) gmf.data[i * g + k] = row[k] * wo[k];
    mi.row(i).set(row.subarray(g, g + m));
  }
  const w0i = head.weights[0].rowRange(m, 2 * m);
  const mlp = kernels().gemm(false, false, 1, mi, w0i, 0, new Matrix(n, w0i.cols));
  kernels().addRowVector(mlp, head.biases[0].data, mlp);
  return { gmf, mlp };
}

/**
 * Logits of every item for each row of `z` (users x items), the head applied to all pairs. The
 * output starts at b_out and the GMF part is added by one gemm z_g (g_i ⊙ w)^T for all users; the
 * MLP part runs per user over tiles of items: the first layer is a broadcast add of the user's part
 * z_m W_1u to the cached per-item part plus ReLU (native kernels), the other layers are gemms over
 * the tile, and the last gemm adds the tile's MLP logits into the user's output row (beta = 1).
 * Buffers are allocated once per call and stay in cache; no per-pair JavaScript loop remains.
 */
export function ncfScoreAll(head: NcfHead<Matrix>, z: Matrix, side: NcfItemSide): Matrix {
  const K = kernels();
  const { gmfDim: g, mlpDim: m } = head;
  const nUsers = z.rows;
  const nItems = side.gmf.rows;
  if (z.cols !== g + m)
    throw new RangeError(
      `ncfScoreAll: user representations ${z.shape} must be ${g + m} wide (gmf ${g} + mlp ${m})`,
    );
  const zg = new Matrix(nUsers, g);
  const zm = new Matrix(nUsers, m);
  for (let u = 0; u < nUsers; u++) {
    const row = z.row(u);
    zg.row(u).set(row.subarray(0, g));
    zm.row(u).set(row.subarray(g, g + m));
  }
  const out = new Matrix(nUsers, nItems);
  if (nItems === 0 || nUsers === 0) return out;
  out.data.fill(head.outBias.data[0]);
  K.gemm(false, true, 1, zg, side.gmf, 1, out);
  const h1 = side.mlp.cols;
  const userPart = K.gemm(false, false, 1, zm, head.weights[0].rowRange(0, m), 0, new Matrix(nUsers, h1));
  const layers = head.weights.length;
  const last = head.weights[layers - 1].cols;
  const wOutMlp = head.out.rowRange(g, g + last);
  const tile = Math.min(nItems, ITEM_TILE);
  const bufs = head.weights.map((w) => new Float32Array(tile * w.cols));
  for (let u = 0; u < nUsers; u++) {
    const a = userPart.row(u);
    const outRow = out.data.subarray(u * nItems, (u + 1) * nItems);
    for (let i0 = 0; i0 < nItems; i0 += tile) {
      const n = Math.min(tile, nItems - i0);
      let h = new Matrix(n, h1, bufs[0].subarray(0, n * h1));
      K.addRowVector(side.mlp.rowRange(i0, i0 + n), a, h);
      K.relu(h, h);
      for (let k = 1; k < layers; k++) {
        const w = head.weights[k];
        const next = new Matrix(n, w.cols, bufs[k].subarray(0, n * w.cols));
        K.gemm(false, false, 1, h, w, 0, next);
        K.addRowVector(next, head.biases[k].data, next);
        h = K.relu(next, next);
      }
      K.gemm(false, false, 1, h, wOutMlp, 1, new Matrix(n, 1, outRow.subarray(i0, i0 + n)));
    }
  }
  return out;
}
