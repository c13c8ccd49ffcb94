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
  const y = new Matrix(rows, cols);
  const xv = x.value.data;
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < k; t++) {
      const p = i * cols + top.indices[i * k + t];
      y.data[p] = xv[p];
    }
  }
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let i = 0; i < rows; i++) {
      for (let t = 0; t < k; t++) {
        const p = i * cols + top.indices[i * k + t];
        gx[p] += g.data[p];
      }
    }
  });
}
