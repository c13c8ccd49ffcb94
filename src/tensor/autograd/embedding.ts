import { Matrix } from "../matrix.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Embedding lookup: row t of the output is row `ids[t]` of `table`. The backward pass scatter-adds
 * each output row's gradient into the table's gradient, so repeated ids accumulate.
 * Throws naming the position and id when an id is out of range.
 */
export function embedding(r: Recorder, tableIn: Input, ids: Int32Array | readonly number[]): Variable {
  const table = asVariable(tableIn);
  const { rows, cols } = table.value;
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!(Number.isInteger(id) && id >= 0 && id < rows)) {
      throw new RangeError(
        `embedding: id ${id} at position ${t} out of range [0, ${rows}) for table ${table.shape}`,
      );
    }
  }
  const out = new Matrix(ids.length, cols);
  const tv = table.value.data;
  for (let t = 0; t < ids.length; t++)
    out.data.set(tv.subarray(ids[t] * cols, (ids[t] + 1) * cols), t * cols);
  return r.record(out, [table], (g) => {
    const gt = gradOf(table).data;
    for (let t = 0; t < ids.length; t++) {
      const dst = ids[t] * cols;
      const src = t * cols;
      for (let j = 0; j < cols; j++) gt[dst + j] += g.data[src + j];
    }
  });
}
