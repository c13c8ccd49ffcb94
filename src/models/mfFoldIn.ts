import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/** Settings of the fold-in ridge regression. */
export interface FoldInSettings {
  /**
   * Ridge penalty on the user vector, relative to the item factors' scale: the penalty used is
   * lambda = reg * trace(Q^T Q) / d (the mean eigenvalue of Q^T Q), so one setting suits models of
   * any embedding scale.
   */
  readonly reg: number;
  /** Confidence weight alpha of observed items (c_i = 1 + alpha * r_ui; unobserved c_i = 1). */
  readonly alpha: number;
}

/**
 * Folds unseen users into a fitted MF model with the item side fixed: for each user solves the
 * implicit-feedback weighted ridge regression of Hu, Koren & Volinsky (2008),
 *
 *   u = argmin  sum_i c_i (y_i - u . q_i - b_i)^2 + reg |u|^2     over ALL items i,
 *
 * with y_i = 1, c_i = 1 + alpha r_ui for the user's items and y_i = 0, c_i = 1 elsewhere (reg is
 * scaled by the mean eigenvalue of Q^T Q, see FoldInSettings.reg), i.e.
 * u = (Q^T C Q + reg I)^-1 Q^T C (y - b). Using Q^T C Q = Q^T Q + sum_obs alpha r_i q_i q_i^T and
 * Q^T C (y - b) = sum_obs q_i [(1 + alpha r_i)(1 - b_i) + b_i] - Q^T b, each user costs
 * O(|obs| d^2 + d^3) after Q^T Q and Q^T b are computed once. Users with no items get u = the
 * solution of the unobserved-only problem (which ranks by the item bias).
 */
export class FoldIn {
  private readonly qtq: Matrix;
  private readonly qtb: Float64Array;
  /** The absolute ridge penalty lambda. */
  readonly lambda: number;

  /** Precomputes Q^T Q and Q^T b for item factors `q` (items x d) and optional item biases. */
  constructor(
    private readonly q: Matrix,
    private readonly itemBias: Float32Array | null,
    private readonly settings: FoldInSettings,
  ) {
    const d = q.cols;
    this.qtq = kernels().gemm(true, false, 1, q, q, 0, new Matrix(d, d));
    let trace = 0;
    for (let k = 0; k < d; k++) trace += this.qtq.data[k * d + k];
    this.lambda = Math.max(settings.reg * (trace / d), 1e-12);
    this.qtb = new Float64Array(d);
    if (itemBias) {
      for (let i = 0; i < q.rows; i++) {
        const b = itemBias[i];
        const qi = q.row(i);
        for (let k = 0; k < d; k++) this.qtb[k] += qi[k] * b;
      }
    }
  }

  /** User vectors (rows.rows x d) for the interaction rows. */
  users(rows: Csr): Matrix {
    const q = this.q;
    const d = q.cols;
    if (rows.cols !== q.rows)
      throw new RangeError(
        `FoldIn.users: rows have ${rows.cols} item columns, the model has ${q.rows} items`,
      );
    const { alpha } = this.settings;
    const reg = this.lambda;
    const out = new Matrix(rows.rows, d);
    const a = new Matrix(d, d);
    const rhs = new Matrix(d, 1);
    const k = kernels();
    for (let u = 0; u < rows.rows; u++) {
      a.data.set(this.qtq.data);
      for (let t = 0; t < d; t++) {
        a.data[t * d + t] += reg;
        rhs.data[t] = -this.qtb[t];
      }
      for (let p = rows.indptr[u]; p < rows.indptr[u + 1]; p++) {
        const i = rows.indices[p];
        const w = alpha * rows.values[p];
        const b = this.itemBias ? this.itemBias[i] : 0;
        const coef = (1 + w) * (1 - b) + b;
        const qi = q.row(i);
        for (let r = 0; r < d; r++) {
          rhs.data[r] += coef * qi[r];
          const wr = w * qi[r];
          for (let c = 0; c < d; c++) a.data[r * d + c] += wr * qi[c];
        }
      }
      out.row(u).set(k.spdSolve(a, rhs).data);
    }
    return out;
  }
}
