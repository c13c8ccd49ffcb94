import type { Matrix } from "../../tensor/matrix.js";
import { assertShape } from "../../tensor/matrix.js";

/**
 * Denominator of the fraction of variance unexplained: sum ||x_i - mean(x)||^2 over the batch,
 * falling back to sum ||x_i||^2 (one row or constant rows) and then to 1.
 */
export function totalVariance(x: Matrix): number {
  const n = x.cols;
  const mean = new Float64Array(n);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < n; c++) mean[c] += x.data[r * n + c];
  for (let c = 0; c < n; c++) mean[c] /= Math.max(1, x.rows);
  let v = 0;
  let sq = 0;
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < n; c++) {
      const a = x.data[r * n + c];
      v += (a - mean[c]) ** 2;
      sq += a * a;
    }
  }
  if (v > 1e-12 * Math.max(sq, 1e-30)) return v;
  return sq > 0 ? sq : 1;
}

/**
 * Fraction of variance unexplained, ||x - x_hat||^2 / totalVariance(x) (the normalised MSE of Gao
 * et al. 2024). Adds `scale` times its gradient w.r.t. x_hat into `dXhat` when given.
 */
export function fvuLoss(x: Matrix, xhat: Matrix, dXhat: Matrix | null, scale: number): number {
  assertShape(x.rows === xhat.rows && x.cols === xhat.cols, "fvuLoss", x, xhat);
  const denom = totalVariance(x);
  let s = 0;
  const g = (2 * scale) / denom;
  for (let t = 0; t < x.data.length; t++) {
    const d = xhat.data[t] - x.data[t];
    s += d * d;
    if (dXhat) dXhat.data[t] += g * d;
  }
  return s / denom;
}
