import { kernels } from "../backend.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** Row-wise softmax (stable, via `kernels().softmaxRows`); dX = Y * (dY - rowsum(dY * Y)). */
export function softmax(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = kernels().softmaxRows(x.value);
  const n = y.cols;
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    const yv = y.data;
    const gv = g.data;
    for (let i = 0; i < y.rows; i++) {
      const o = i * n;
      let dot = 0;
      for (let j = 0; j < n; j++) dot += gv[o + j] * yv[o + j];
      for (let j = 0; j < n; j++) gx[o + j] += yv[o + j] * (gv[o + j] - dot);
    }
  });
}

/** Row-wise log-softmax (stable, via `kernels().logSoftmaxRows`); dX = dY - softmax(X) * rowsum(dY). */
export function logSoftmax(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = kernels().logSoftmaxRows(x.value);
  const n = y.cols;
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    const yv = y.data;
    const gv = g.data;
    for (let i = 0; i < y.rows; i++) {
      const o = i * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += gv[o + j];
      for (let j = 0; j < n; j++) gx[o + j] += gv[o + j] - Math.exp(yv[o + j]) * s;
    }
  });
}
