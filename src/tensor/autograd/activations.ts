import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** Numerically stable logistic function. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** max(x, 0); gradient 1 where x > 0, else 0 (0 at x = 0). */
export function relu(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = kernels().relu(x.value);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    const xv = x.value.data;
    for (let t = 0; t < gx.length; t++) if (xv[t] > 0) gx[t] += g.data[t];
  });
}

/** Hyperbolic tangent. */
export function tanh(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = Math.tanh(xv[t]);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) gx[t] += g.data[t] * (1 - y.data[t] * y.data[t]);
  });
}

/** Logistic sigmoid 1 / (1 + e^-x), computed stably for large |x|. */
export function sigmoid(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) y.data[t] = sigmoidScalar(xv[t]);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) gx[t] += g.data[t] * y.data[t] * (1 - y.data[t]);
  });
}

/**
 * GELU, tanh approximation (Hendrycks & Gimpel; as in BERT/GPT-2):
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 */
export function gelu(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  const th = new Float32Array(xv.length);
  for (let t = 0; t < xv.length; t++) {
    const v = xv[t];
    th[t] = Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
    y.data[t] = 0.5 * v * (1 + th[t]);
  }
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) {
      const v = xv[t];
      const d = 0.5 * (1 + th[t]) + 0.5 * v * (1 - th[t] * th[t]) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v);
      gx[t] += g.data[t] * d;
    }
  });
}

/** softplus(x) = log(1 + e^x), computed stably as max(x, 0) + log1p(e^-|x|); gradient sigmoid(x). */
export function softplus(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const y = new Matrix(x.rows, x.cols);
  const xv = x.value.data;
  for (let t = 0; t < xv.length; t++) {
    const v = xv[t];
    y.data[t] = (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let t = 0; t < gx.length; t++) gx[t] += g.data[t] * sigmoidScalar(xv[t]);
  });
}
