import { kernels } from "../backend.js";
import { commitContribution, contributionBuffer } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { scratchMatrix } from "./scratch.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Row-wise softmax (stable, via `kernels().softmaxRows`); dX = Y * (dY - rowsum(dY * Y)), the row
 * sums via `kernels().mul` and `sumRows`.
 */
export function softmax(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = kernels().softmaxRows(x.value);
  const n = y.cols;
  return r.record(y, [x], (g) => {
    const K = kernels();
    const dots = K.sumRows(K.mul(g, y, scratchMatrix(y.rows, n)));
    const out = contributionBuffer(x);
    const o = out.data;
    const gv = g.data;
    const yv = y.data;
    for (let i = 0; i < y.rows; i++) {
      const d = dots[i];
      for (let t = i * n; t < (i + 1) * n; t++) o[t] = yv[t] * (gv[t] - d);
    }
    commitContribution(x, out);
  });
}

/**
 * Row-wise log-softmax (stable, via `kernels().logSoftmaxRows`); dX = dY - softmax(X) * rowsum(dY),
 * with softmax(X) = softmax(Y) recomputed by `kernels().softmaxRows` (no exp in JavaScript).
 */
export function logSoftmax(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = kernels().logSoftmaxRows(x.value);
  const n = y.cols;
  return r.record(y, [x], (g) => {
    const K = kernels();
    const sums = K.sumRows(g);
    // softmax(Y) (= softmax(X), shift invariance) goes into the contribution buffer, then becomes dX in place.
    const out = K.softmaxRows(y, contributionBuffer(x));
    const o = out.data;
    const gv = g.data;
    for (let i = 0; i < y.rows; i++) {
      const s = sums[i];
      for (let t = i * n; t < (i + 1) * n; t++) o[t] = gv[t] - o[t] * s;
    }
    commitContribution(x, out);
  });
}
