import type { Matrix } from "../../tensor/matrix.js";
import { assertShape } from "../../tensor/matrix.js";

const EPS = 1e-12;

/**
 * Mean over rows of 1 - cos(x_i, x_hat_i). A row where either vector is zero counts as cos = 0
 * with no gradient. Adds `scale` times the gradient w.r.t. x_hat into `dXhat` when given.
 */
export function cosineLoss(x: Matrix, xhat: Matrix, dXhat: Matrix | null, scale: number): number {
  assertShape(x.rows === xhat.rows && x.cols === xhat.cols, "cosineLoss", x, xhat);
  const B = x.rows;
  const n = x.cols;
  if (B === 0) return 0;
  let total = 0;
  for (let r = 0; r < B; r++) {
    const off = r * n;
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let c = 0; c < n; c++) {
      const a = x.data[off + c];
      const b = xhat.data[off + c];
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    const nx = Math.sqrt(xx);
    const ny = Math.sqrt(yy);
    if (nx < EPS || ny < EPS) {
      total += 1;
      continue;
    }
    const cos = xy / (nx * ny);
    total += 1 - cos;
    if (dXhat) {
      // d(1 - cos)/d x_hat = -(x / (|x||x_hat|) - cos * x_hat / |x_hat|^2)
      const a = -scale / B / (nx * ny);
      const b = (scale / B) * (cos / yy);
      for (let c = 0; c < n; c++) dXhat.data[off + c] += a * x.data[off + c] + b * xhat.data[off + c];
    }
  }
  return total / B;
}
