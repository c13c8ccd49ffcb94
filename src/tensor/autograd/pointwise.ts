import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { accumulate, accumulateProduct, gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** e^x. */
export function exp(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = Math.exp(xv[t]);
  return r.record(y, [x], (g) => accumulateProduct(x, g, y));
}

/** Natural log (x must be > 0: -Infinity at 0, NaN below; no clamping). */
export function log(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = Math.log(xv[t]);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) gx[t] += g.data[t] / xv[t];
  });
}

/** x^2. */
export function square(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = xv[t] * xv[t];
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) gx[t] += 2 * xv[t] * g.data[t];
  });
}

/** sqrt(x) (x must be >= 0; the gradient is infinite at 0). */
export function sqrt(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = Math.sqrt(xv[t]);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) gx[t] += g.data[t] / (2 * y.data[t]);
  });
}

/** |x|; subgradient sign(x), 0 at x = 0 (so an L1 penalty leaves exact zeros alone). */
export function abs(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = Math.abs(xv[t]);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) {
      const v = xv[t];
      if (v > 0) gx[t] += g.data[t];
      else if (v < 0) gx[t] -= g.data[t];
    }
  });
}

/** c * x for a constant number c (`kernels().axpby`). */
export function scale(r: Recorder, xIn: Input, c: number): Variable {
  const x = asVariable(xIn);
  // c * x + 1 * 0 into a zero buffer: exact, and unlike beta = 0 it keeps an infinite x infinite.
  const y = new Matrix(x.rows, x.cols);
  kernels().axpby(c, x.value, 1, y, y);
  return r.record(y, [x], (g) => accumulate(x, g, c));
}

/** x + c for a constant number c (`kernels().addRowVector` with a constant row). */
export function addScalar(r: Recorder, xIn: Input, c: number): Variable {
  const x = asVariable(xIn);
  const y = kernels().addRowVector(x.value, new Float32Array(x.cols).fill(c));
  return r.record(y, [x], (g) => accumulate(x, g));
}
