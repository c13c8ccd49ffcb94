import { kernels } from "../tensor/backend.js";
import type { Variable } from "../tensor/autograd/variable.js";
import { Matrix } from "../tensor/matrix.js";
import type { MfSamples } from "./mfLoss.js";
import type { NcfParams } from "./ncfParams.js";

/**
 * NeuMF's training objective (`ncfLoss` in ncfParams.ts) and its gradient for one batch, written
 * out by hand instead of on an autograd tape: the same gemms and elementwise kernels the tape
 * would call, over buffers allocated once for the largest batch and reused, and no slicing or
 * concatenation copies. The table gradients are scatter-added into the rows the batch touched
 * (`Variable.grad` of each table, allocated once and zeroed row by row by RowAdam), so a batch
 * costs O(samples x width) and never a pass over a whole table.
 *
 * Forward (n pairs, g = gmfDim, m = mlpDim):
 *   gmf = g_u ⊙ g_i; z_1 = m_u W_1u + m_i W_1i + b_1; h_k = relu(z_k); z_k = h_{k-1} W_k + b_k;
 *   x = [gmf | h_L] w_out + b_out; loss = mean BCE(x, y) + reg/(2n) Σ (|u|^2 + |i|^2).
 * Backward: dx = (σ(x) - y) / n, then the chain rule layer by layer; the head's gradients are
 * written (not accumulated) into its Variables' `grad`.
 */
export class NcfBatchStep {
  private cap = 0;
  private buf: Record<string, Float32Array> = {};

  /** Workspace for `p`'s shapes; buffers grow to the largest batch seen. */
  constructor(private readonly p: NcfParams) {}

  private mat(name: string, rows: number, cols: number): Matrix {
    return new Matrix(rows, cols, (this.buf[name] as Float32Array).subarray(0, rows * cols));
  }

  private ensure(n: number): void {
    if (n <= this.cap) return;
    const { head } = this.p;
    const g = head.gmfDim;
    const m = head.mlpDim;
    const last = head.weights[head.weights.length - 1].cols;
    const b: Record<string, Float32Array> = {};
    for (const [name, w] of [
      ["ug", g],
      ["ig", g],
      ["um", m],
      ["im", m],
      ["gmf", g],
      ["cat", g + last],
      ["logit", 1],
      ["dlogit", 1],
      ["dgmf", g],
      ["dug", g],
      ["dig", g],
      ["dum", m],
      ["dim", m],
    ] as const)
      b[name] = new Float32Array(n * w);
    head.weights.forEach((w, k) => {
      b[`h${k}`] = new Float32Array(n * w.cols);
      b[`dh${k}`] = new Float32Array(n * w.cols);
    });
    this.buf = b;
    this.cap = n;
  }

  /**
   * Loss of `batch` (labelled pairs) with the gradient written into every parameter's `grad`:
   * the head's are overwritten, the tables' rows of the batch's ids are added to.
   */
  run(batch: MfSamples, reg: number): number {
    const labels = batch.labels;
    if (!labels) throw new Error("NcfBatchStep: samples need labels (pointwise BCE)");
    const n = batch.users.length;
    if (batch.items.length !== n || labels.length !== n)
      throw new RangeError(
        `NcfBatchStep: ${n} users, ${batch.items.length} items and ${labels.length} labels`,
      );
    this.ensure(n);
    const K = kernels();
    const { userGmf, itemGmf, userMlp, itemMlp, head } = this.p;
    const g = head.gmfDim;
    const m = head.mlpDim;
    const L = head.weights.length;
    const last = head.weights[L - 1].cols;
    const ug = gather(userGmf.value, batch.users, this.mat("ug", n, g));
    const ig = gather(itemGmf.value, batch.items, this.mat("ig", n, g));
    const um = gather(userMlp.value, batch.users, this.mat("um", n, m));
    const im = gather(itemMlp.value, batch.items, this.mat("im", n, m));

    // Forward.
    const gmf = K.mul(ug, ig, this.mat("gmf", n, g));
    const w0 = head.weights[0].value;
    const w0u = w0.rowRange(0, m);
    const w0i = w0.rowRange(m, 2 * m);
    const hs: Matrix[] = [];
    let h = this.mat("h0", n, w0.cols);
    K.gemm(false, false, 1, um, w0u, 0, h);
    const zi = K.gemm(false, false, 1, im, w0i, 0, this.mat("dh0", n, w0.cols));
    K.axpby(1, h, 1, zi, h);
    K.addRowVector(h, head.biases[0].value.data, h);
    K.relu(h, h);
    hs.push(h);
    for (let k = 1; k < L; k++) {
      const w = head.weights[k].value;
      const next = this.mat(`h${k}`, n, w.cols);
      K.gemm(false, false, 1, h, w, 0, next);
      K.addRowVector(next, head.biases[k].value.data, next);
      h = K.relu(next, next);
      hs.push(h);
    }
    const cat = this.mat("cat", n, g + last);
    for (let t = 0; t < n; t++) {
      cat.data.set(gmf.data.subarray(t * g, (t + 1) * g), t * (g + last));
      cat.data.set(h.data.subarray(t * last, (t + 1) * last), t * (g + last) + g);
    }
    const logit = K.gemm(false, false, 1, cat, head.out.value, 0, this.mat("logit", n, 1));
    const bOut = head.outBias.value.data[0];
    const x = logit.data;
    for (let t = 0; t < n; t++) x[t] += bOut;

    // BCE (mean) and dL/dx, as the tape's bceWithLogits.
    const f = 1 / Math.max(n, 1);
    const dlogit = this.mat("dlogit", n, 1);
    let s = 0;
    for (let t = 0; t < n; t++) {
      const v = x[t];
      const e = Math.exp(-Math.abs(v));
      s += (v > 0 ? v : 0) - v * labels[t] + Math.log1p(e);
      const sig = v >= 0 ? 1 / (1 + e) : e / (1 + e);
      dlogit.data[t] = f * (sig - labels[t]);
    }
    let loss = Math.fround(s * f);

    // Output layer.
    K.gemm(true, false, 1, cat, dlogit, 0, grad(head.out));
    grad(head.outBias).data[0] = K.sumCols(dlogit)[0];
    const out = head.out.value;
    const dgmf = K.gemm(false, true, 1, dlogit, out.rowRange(0, g), 0, this.mat("dgmf", n, g));
    let dh = K.gemm(false, true, 1, dlogit, out.rowRange(g, g + last), 0, this.mat(`dh${L - 1}`, n, last));

    // MLP layers, top to bottom: dz_k = dh_k ⊙ [h_k > 0].
    for (let k = L - 1; k >= 0; k--) {
      maskWherePositive(dh.data, hs[k].data);
      K.sumCols(dh, grad(head.biases[k]).data);
      if (k > 0) {
        K.gemm(true, false, 1, hs[k - 1], dh, 0, grad(head.weights[k]));
        const below = this.mat(`dh${k - 1}`, n, hs[k - 1].cols);
        K.gemm(false, true, 1, dh, head.weights[k].value, 0, below);
        dh = below;
      }
    }
    const gw0 = grad(head.weights[0]);
    K.gemm(true, false, 1, um, dh, 0, gw0.rowRange(0, m));
    K.gemm(true, false, 1, im, dh, 0, gw0.rowRange(m, 2 * m));
    const dum = K.gemm(false, true, 1, dh, w0u, 0, this.mat("dum", n, m));
    const dim = K.gemm(false, true, 1, dh, w0i, 0, this.mat("dim", n, m));
    const dug = K.mul(dgmf, ig, this.mat("dug", n, g));
    const dig = K.mul(dgmf, ug, this.mat("dig", n, g));

    if (reg !== 0) {
      // reg/(2n) Σ squares of the gathered rows: value and gradient (reg/n) x.
      const c = Math.fround(reg / (2 * n));
      const sq =
        Math.fround(K.sumAll(K.mul(ug, ug)) + K.sumAll(K.mul(um, um))) +
        Math.fround(K.sumAll(K.mul(ig, ig)) + K.sumAll(K.mul(im, im)));
      loss = Math.fround(loss + Math.fround(Math.fround(sq) * c));
      const r = 2 * c;
      K.axpby(r, ug, 1, dug, dug);
      K.axpby(r, ig, 1, dig, dig);
      K.axpby(r, um, 1, dum, dum);
      K.axpby(r, im, 1, dim, dim);
    }
    scatterAdd(userGmf, batch.users, dug);
    scatterAdd(itemGmf, batch.items, dig);
    scatterAdd(userMlp, batch.users, dum);
    scatterAdd(itemMlp, batch.items, dim);
    return loss;
  }
}

/** rows `ids` of `table` into `out` (ids.length x table.cols). */
function gather(table: Matrix, ids: Int32Array, out: Matrix): Matrix {
  const c = table.cols;
  const src = table.data;
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!(id >= 0 && id < table.rows))
      throw new RangeError(`NcfBatchStep: id ${id} at position ${t} out of range [0, ${table.rows})`);
    out.data.set(src.subarray(id * c, (id + 1) * c), t * c);
  }
  return out;
}

/** table.grad[ids[t], :] += rows[t, :] for every t (in order; repeated ids accumulate). */
function scatterAdd(table: Variable, ids: Int32Array, rows: Matrix): void {
  const gt = grad(table).data;
  const c = rows.cols;
  const src = rows.data;
  for (let t = 0; t < ids.length; t++) {
    const dst = ids[t] * c;
    const off = t * c;
    for (let j = 0; j < c; j++) gt[dst + j] += src[off + j];
  }
}

/** v's gradient buffer, allocated (zeros) on first use. */
function grad(v: Variable): Matrix {
  v.grad ??= new Matrix(v.rows, v.cols);
  return v.grad;
}

/**
 * g[t] = 0 where y[t] is not positive (y = relu output), in place; bitwise and branch-free like the
 * tape's relu backward, so the result is the same bit for bit.
 */
function maskWherePositive(g: Float32Array, y: Float32Array): void {
  const gi = new Int32Array(g.buffer, g.byteOffset, g.length);
  const yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  for (let t = 0; t < gi.length; t++) gi[t] &= -yi[t] >> 31;
}
