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

/** Target rows of the fused (user, item) pairs per gemm in `scoreAll`. */
const PAIR_ROWS = 1 << 15;

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
 * Logits of every item for each row of `z` (users x items), the head applied to all pairs in
 * batches: the GMF part is one gemm z_g (g_i ⊙ w)^T; the first MLP layer adds the per-user part
 * z_m W_1u (one gemm) to the cached per-item part; the remaining layers run as gemms over blocks of
 * (user, item) pairs.
 */
export function ncfScoreAll(head: NcfHead<Matrix>, z: Matrix, side: NcfItemSide): Matrix {
  const K = kernels();
  const { gmfDim: g, mlpDim: m } = head;
  const nUsers = z.rows;
  const nItems = side.gmf.rows;
  const zg = new Matrix(nUsers, g);
  const zm = new Matrix(nUsers, m);
  for (let u = 0; u < nUsers; u++) {
    const row = z.row(u);
    zg.row(u).set(row.subarray(0, g));
    zm.row(u).set(row.subarray(g, g + m));
  }
  const out = K.gemm(false, true, 1, zg, side.gmf, 0, new Matrix(nUsers, nItems));
  const userPart = K.gemm(
    false,
    false,
    1,
    zm,
    head.weights[0].rowRange(0, m),
    0,
    new Matrix(nUsers, side.mlp.cols),
  );
  const layers = head.weights.length;
  const last = head.weights[layers - 1].cols;
  const wOutMlp = head.out.rowRange(g, g + last);
  const bOut = head.outBias.data[0];
  const h1 = side.mlp.cols;
  const chunk = Math.max(1, Math.floor(PAIR_ROWS / Math.max(nItems, 1)));
  for (let start = 0; start < nUsers; start += chunk) {
    const end = Math.min(nUsers, start + chunk);
    let h = new Matrix((end - start) * nItems, h1);
    for (let u = start; u < end; u++) {
      const a = userPart.row(u);
      const base = (u - start) * nItems * h1;
      const b = side.mlp.data;
      const hd = h.data;
      for (let i = 0; i < nItems; i++) {
        const off = i * h1;
        for (let k = 0; k < h1; k++) {
          const v = a[k] + b[off + k];
          hd[base + off + k] = v > 0 ? v : 0;
        }
      }
    }
    for (let k = 1; k < layers; k++) {
      const w = head.weights[k];
      const next = K.gemm(false, false, 1, h, w, 0, new Matrix(h.rows, w.cols));
      K.addRowVector(next, head.biases[k].data, next);
      h = K.relu(next, next);
    }
    const mlpLogit = K.gemm(false, false, 1, h, wOutMlp, 0, new Matrix(h.rows, 1));
    const o = out.data;
    const base = start * nItems;
    for (let t = 0; t < mlpLogit.data.length; t++) o[base + t] += mlpLogit.data[t] + bOut;
  }
  return out;
}
