import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Keeps the k largest entries of each row (by value, ties to the lower column, via
 * `kernels().rowTopK`) and zeroes the rest. The gradient flows only through the kept entries.
 * Apply a ReLU first when negative survivors are unwanted (TopK SAE).
 */
export function topkMask(r: Recorder, xIn: Input, k: number): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  if (!Number.isInteger(k) || k < 0 || k > cols) {
    throw new RangeError(`topkMask: k=${k} must be an integer in [0, ${cols}] for ${x.shape}`);
  }
  const top = kernels().rowTopK(x.value, k);
  const idx = top.indices;
  const y = new Matrix(rows, cols);
  const vals = top.values;
  const yv = y.data;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let t = i * k; t < (i + 1) * k; t++) yv[o + idx[t]] = vals[t];
  }
  return r.record(y, [x], (g) => {
    // Only rows*k entries of the gradient are non-zero: a new buffer is written sparsely, an existing
    // one is added to sparsely (no dense mask pass).
    const gv = g.data;
    if (x.grad === null) {
      const gx = new Matrix(rows, cols);
      const d = gx.data;
      for (let i = 0; i < rows; i++) {
        const o = i * cols;
        for (let t = i * k; t < (i + 1) * k; t++) d[o + idx[t]] = gv[o + idx[t]];
      }
      x.grad = gx;
      return;
    }
    const d = gradOf(x).data;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      for (let t = i * k; t < (i + 1) * k; t++) d[o + idx[t]] += gv[o + idx[t]];
    }
  });
}
