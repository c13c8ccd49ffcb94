import type { Matrix } from "../../tensor/matrix.js";
import { assertShape } from "../../tensor/matrix.js";

/**
 * Mean squared error over all elements, sum((x_hat - x)^2) / (rows * cols). When `dXhat` is given,
 * adds `scale` times the gradient with respect to x_hat into it. Returns the unscaled value.
 */
export function l2Loss(x: Matrix, xhat: Matrix, dXhat: Matrix | null, scale: number): number {
  assertShape(x.rows === xhat.rows && x.cols === xhat.cols, "l2Loss", x, xhat);
  const n = x.data.length;
  if (n === 0) return 0;
  let s = 0;
  const g = (2 * scale) / n;
  for (let t = 0; t < n; t++) {
    const d = xhat.data[t] - x.data[t];
    s += d * d;
    if (dXhat) dXhat.data[t] += g * d;
  }
  return s / n;
}
