import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { accumulate, gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

function checkRange(op: string, start: number, end: number, n: number, what: string, shape: string): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= n)) {
    throw new RangeError(`${op}: ${what} range [${start}, ${end}) out of bounds for ${shape}`);
  }
}

/** Columns [start, end) of x (a copy). */
export function sliceCols(r: Recorder, xIn: Input, start: number, end: number): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  checkRange("sliceCols", start, end, cols, "column", x.shape);
  const w = end - start;
  const y = new Matrix(rows, w);
  for (let i = 0; i < rows; i++) y.data.set(x.value.data.subarray(i * cols + start, i * cols + end), i * w);
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let i = 0; i < rows; i++) for (let j = 0; j < w; j++) gx[i * cols + start + j] += g.data[i * w + j];
  });
}

/** Rows [start, end) of x (a copy). */
export function sliceRows(r: Recorder, xIn: Input, start: number, end: number): Variable {
  const x = asVariable(xIn);
  const cols = x.cols;
  checkRange("sliceRows", start, end, x.rows, "row", x.shape);
  const y = new Matrix(end - start, cols, x.value.data.slice(start * cols, end * cols));
  return r.record(y, [x], (g) => {
    const fresh = x.grad === null;
    const gx = gradOf(x);
    if (fresh) gx.data.set(g.data, start * cols);
    else {
      const rowsOfGrad = gx.rowRange(start, end);
      kernels().axpby(1, g, 1, rowsOfGrad, rowsOfGrad);
    }
  });
}

/** Side-by-side concatenation [x0 | x1 | ...]; all parts must have the same number of rows. */
export function concatCols(r: Recorder, parts: readonly Input[]): Variable {
  if (parts.length === 0) throw new RangeError("concatCols: no parts given");
  const xs = parts.map(asVariable);
  const rows = xs[0].rows;
  for (const x of xs)
    if (x.rows !== rows)
      throw new RangeError(`concatCols: shape mismatch ${xs[0].shape} vs ${x.shape} (row counts differ)`);
  const offsets = [0];
  for (const x of xs) offsets.push(offsets[offsets.length - 1] + x.cols);
  const cols = offsets[xs.length];
  const y = new Matrix(rows, cols);
  xs.forEach((x, p) => {
    const w = x.cols;
    for (let i = 0; i < rows; i++)
      y.data.set(x.value.data.subarray(i * w, (i + 1) * w), i * cols + offsets[p]);
  });
  return r.record(y, xs, (g) => {
    xs.forEach((x, p) => {
      if (!x.requiresGrad) return;
      const gx = gradOf(x).data;
      const w = x.cols;
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < w; j++) gx[i * w + j] += g.data[i * cols + offsets[p] + j];
    });
  });
}

/** Stacked concatenation [x0; x1; ...]; all parts must have the same number of columns. */
export function concatRows(r: Recorder, parts: readonly Input[]): Variable {
  if (parts.length === 0) throw new RangeError("concatRows: no parts given");
  const xs = parts.map(asVariable);
  const cols = xs[0].cols;
  for (const x of xs)
    if (x.cols !== cols)
      throw new RangeError(`concatRows: shape mismatch ${xs[0].shape} vs ${x.shape} (column counts differ)`);
  const offsets = [0];
  for (const x of xs) offsets.push(offsets[offsets.length - 1] + x.value.size);
  let rows = 0;
  for (const x of xs) rows += x.rows;
  const y = new Matrix(rows, cols);
  xs.forEach((x, p) => y.data.set(x.value.data, offsets[p]));
  return r.record(y, xs, (g) => {
    xs.forEach((x, p) => {
      if (!x.requiresGrad) return;
      const off = offsets[p];
      accumulate(x, new Matrix(x.rows, cols, g.data.subarray(off, off + x.value.size)));
    });
  });
}

/** x^T (a copy). */
export function transpose(r: Recorder, xIn: Input): Variable {
  const x = asVariable(xIn);
  const { rows, cols } = x.value;
  const y = x.value.transpose();
  return r.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) gx[i * cols + j] += g.data[j * rows + i];
  });
}

/** The same elements in row-major order viewed as rows x cols (a copy); sizes must match. */
export function reshape(r: Recorder, xIn: Input, rows: number, cols: number): Variable {
  const x = asVariable(xIn);
  if (!(
    Number.isInteger(rows) &&
    Number.isInteger(cols) &&
    rows >= 0 &&
    cols >= 0 &&
    rows * cols === x.value.size
  )) {
    throw new RangeError(`reshape: shape mismatch ${x.shape} vs ${rows}x${cols} (element counts differ)`);
  }
  const y = new Matrix(rows, cols, x.value.data.slice());
  return r.record(y, [x], (g) => accumulate(x, new Matrix(x.rows, x.cols, g.data)));
}
