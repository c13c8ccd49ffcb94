import { Matrix } from "../matrix.js";
import type { Rng } from "../rng.js";
import { accumulateProduct } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Inverted dropout: each element is zeroed with probability `p` (one `rng.uniform()` draw per
 * element, in row-major order) and survivors are scaled by 1 / (1 - p), so the expectation is
 * unchanged. Identity (returns `x` itself) when the tape is not in training mode or p = 0.
 */
export function dropout(r: Recorder, xIn: Input, p: number, rng: Rng): Variable {
  const x = asVariable(xIn);
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (!r.training || p === 0) return x;
  const keepScale = 1 / (1 - p);
  const xv = x.value.data;
  const mask = new Matrix(x.rows, x.cols);
  const mv = mask.data;
  const y = new Matrix(x.rows, x.cols);
  for (let t = 0; t < xv.length; t++) {
    if (rng.uniform() >= p) {
      mv[t] = keepScale;
      y.data[t] = xv[t] * keepScale;
    }
  }
  return r.record(y, [x], (g) => accumulateProduct(x, g, mask));
}
