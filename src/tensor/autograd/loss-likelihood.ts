import type { Csr } from "../csr.js";
import { Matrix, assertShape } from "../matrix.js";
import { kernels } from "../backend.js";
import { commitContribution, contributionBuffer, gradOf, scalarMatrix } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";
import type { Reduction } from "./loss-reconstruction.js";

/**
 * Binary cross-entropy on logits x against constant targets y in [0, 1] (same shape), computed
 * stably as max(x, 0) - x y + log(1 + e^-|x|); mean (default) or sum -> 1x1. dx = sigmoid(x) - y.
 */
export function bceWithLogits(
  r: Recorder,
  logitsIn: Input,
  targets: Matrix,
  reduction: Reduction = "mean",
): Variable {
  const x = asVariable(logitsIn);
  assertShape(x.rows === targets.rows && x.cols === targets.cols, "bceWithLogits", x, targets);
  const xv = x.value.data;
  const yv = targets.data;
  const f = reduction === "mean" ? 1 / Math.max(xv.length, 1) : 1;
  let s = 0;
  for (let t = 0; t < xv.length; t++) {
    const v = xv[t];
    s += (v > 0 ? v : 0) - v * yv[t] + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return r.record(scalarMatrix(s * f), [x], (g) => {
    const gx = gradOf(x).data;
    const c = f * g.data[0];
    for (let t = 0; t < gx.length; t++) {
      const v = xv[t];
      const e = Math.exp(-Math.abs(v));
      const sig = v >= 0 ? 1 / (1 + e) : e / (1 + e);
      gx[t] += c * (sig - yv[t]);
    }
  });
}

/**
 * MultVAE's multinomial log-likelihood loss: -mean over rows of sum_j x_ij * logsoftmax(logits)_ij
 * -> 1x1. `x` (counts or binary interactions, constant) is dense or sparse with the logits' shape.
 * d logits_ij = (softmax_ij * sum_j x_ij - x_ij) / rows, the softmax from `kernels().softmaxRows`.
 */
export function multinomialLogLikelihood(r: Recorder, logitsIn: Input, x: Matrix | Csr): Variable {
  const z = asVariable(logitsIn);
  assertShape(z.rows === x.rows && z.cols === x.cols, "multinomialLogLikelihood", z, x);
  const { rows, cols } = z.value;
  const ls = kernels().logSoftmaxRows(z.value);
  const lv = ls.data;
  const rowTotal = new Float64Array(rows);
  let total = 0;
  if (x instanceof Matrix) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const w = x.data[i * cols + j];
        if (w !== 0) {
          rowTotal[i] += w;
          total += w * lv[i * cols + j];
        }
      }
    }
  } else {
    for (let i = 0; i < rows; i++) {
      for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
        rowTotal[i] += x.values[p];
        total += x.values[p] * lv[i * cols + x.indices[p]];
      }
    }
  }
  const f = 1 / Math.max(rows, 1);
  return r.record(scalarMatrix(-total * f), [z], (g) => {
    const K = kernels();
    const c = f * g.data[0];
    // softmax(logits) = softmax(logsoftmax(logits)) from the kernel, scaled per row, minus c * x.
    const out = K.softmaxRows(ls, contributionBuffer(z));
    const o = out.data;
    for (let i = 0; i < rows; i++) {
      const k = c * rowTotal[i];
      if (k === 0) o.fill(0, i * cols, (i + 1) * cols);
      else for (let t = i * cols; t < (i + 1) * cols; t++) o[t] *= k;
    }
    if (x instanceof Matrix) {
      K.axpby(-c, x, 1, out, out);
    } else {
      for (let i = 0; i < rows; i++) {
        for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) o[i * cols + x.indices[p]] -= c * x.values[p];
      }
    }
    commitContribution(z, out);
  });
}
