import { Matrix } from "../matrix.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Scales each row to unit L2 norm: y_i = x_i / s_i with s_i = sqrt(||x_i||^2 + eps), which is
 * smooth everywhere (a zero row stays zero). dx_i = (dy_i - y_i (dy_i . y_i)) / s_i.
 */
export function rowL2Normalize(r: Recorder, xIn: Input, eps = 1e-12): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  const xv = x.value.data;
  const s = new Float64Array(rows);
  const y = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let ss = 0;
    for (let j = 0; j < cols; j++) ss += xv[o + j] * xv[o + j];
    s[i] = Math.sqrt(ss + eps);
    for (let j = 0; j < cols; j++) y.data[o + j] = xv[o + j] / s[i];
  }
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    const yv = y.data;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += g.data[o + j] * yv[o + j];
      for (let j = 0; j < cols; j++) gx[o + j] += (g.data[o + j] - yv[o + j] * dot) / s[i];
    }
  });
}
