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
    const gx = gradOf(x).data;
    const d = g.data[0] * f;
    for (let t = 0; t < gx.length; t++) gx[t] += d;
  });
}

function reduceRows(r: Recorder, xIn: Input, mean: boolean): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  const f = mean ? 1 / cols : 1;
  const y = new Matrix(rows, 1, kernels().sumRows(x.value));
  if (mean) for (let i = 0; i < rows; i++) y.data[i] *= f;
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let i = 0; i < rows; i++) {
      const d = g.data[i] * f;
      for (let j = 0; j < cols; j++) gx[i * cols + j] += d;
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
    const gx = gradOf(x).data;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) gx[i * cols + j] += g.data[j] * f;
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
