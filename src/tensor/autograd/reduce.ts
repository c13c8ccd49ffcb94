import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

function reduceAll(r: Recorder, xIn: Input, mean: boolean): Variable {
  const x = asVariable(xIn);
  const n = x.value.size;
  const f = mean ? 1 / n : 1;
  const y = new Matrix(1, 1);
  y.data[0] = kernels().sumAll(x.value) * f;
  return r.record(y, [x], (g) => {
    const d = g.data[0] * f;
    if (x.grad === null) {
      x.grad = Matrix.full(x.rows, x.cols, d);
      return;
    }
    // x.grad += d: the constant as a broadcast row, added by a kernel.
    const gx = gradOf(x);
    kernels().addRowVector(gx, new Float32Array(gx.cols).fill(d), gx);
  });
}

function reduceRows(r: Recorder, xIn: Input, mean: boolean): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  const f = mean ? 1 / cols : 1;
  const y = new Matrix(rows, 1, kernels().sumRows(x.value));
  if (mean) for (let i = 0; i < rows; i++) y.data[i] *= f;
  return r.record(y, [x], (g) => {
    const fresh = x.grad === null;
    const gx = gradOf(x).data;
    for (let i = 0; i < rows; i++) {
      const d = g.data[i] * f;
      if (fresh) gx.fill(d, i * cols, (i + 1) * cols);
      else for (let j = i * cols; j < (i + 1) * cols; j++) gx[j] += d;
    }
  });
}

function reduceCols(r: Recorder, xIn: Input, mean: boolean): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  const f = mean ? 1 / rows : 1;
  const y = new Matrix(1, cols, kernels().sumCols(x.value));
  if (mean) for (let j = 0; j < cols; j++) y.data[j] *= f;
  return r.record(y, [x], (g) => {
    // x.grad += f * g, g (1 x n) broadcast down the rows by a kernel.
    const v = f === 1 ? g.data : g.data.map((e) => e * f);
    const gx = gradOf(x);
    kernels().addRowVector(gx, v, gx);
  });
}

/** Sum of all elements -> 1x1 (accumulated in float64). */
export function sum(r: Recorder, x: Input): Variable {
  return reduceAll(r, x, false);
}

/** Mean of all elements -> 1x1. */
export function mean(r: Recorder, x: Input): Variable {
  return reduceAll(r, x, true);
}

/** Sum of each row -> m x 1 column (reduces over the columns). */
export function sumRows(r: Recorder, x: Input): Variable {
  return reduceRows(r, x, false);
}

/** Mean of each row -> m x 1 column. */
export function meanRows(r: Recorder, x: Input): Variable {
  return reduceRows(r, x, true);
}

/** Sum of each column -> 1 x n row (reduces over the rows). */
export function sumCols(r: Recorder, x: Input): Variable {
  return reduceCols(r, x, false);
}

/** Mean of each column -> 1 x n row. */
export function meanCols(r: Recorder, x: Input): Variable {
  return reduceCols(r, x, true);
}
