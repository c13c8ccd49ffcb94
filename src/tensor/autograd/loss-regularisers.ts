import { assertShape } from "../matrix.js";
import { accumulate, gradOf, scalarMatrix } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * KL(N(mu, diag(exp(logvar))) || N(0, I)) as in MultVAE: mean over rows of
 * -0.5 * sum_j (1 + logvar - mu^2 - exp(logvar)) -> 1x1. d mu = mu / rows,
 * d logvar = 0.5 (exp(logvar) - 1) / rows.
 */
export function gaussianKl(r: Recorder, muIn: Input, logvarIn: Input): Variable {
  const mu = asVariable(muIn);
  const lv = asVariable(logvarIn);
  assertShape(mu.rows === lv.rows && mu.cols === lv.cols, "gaussianKl", mu, lv);
  const m = mu.value.data;
  const l = lv.value.data;
  let s = 0;
  // each term mu^2 + e^lv - 1 - lv is >= 0 (so the loss is exactly +0 at mu = 0, logvar = 0)
  for (let t = 0; t < m.length; t++) s += m[t] * m[t] + Math.exp(l[t]) - 1 - l[t];
  const f = 1 / Math.max(mu.rows, 1);
  return r.record(scalarMatrix(0.5 * s * f), [mu, lv], (g) => {
    const c = f * g.data[0];
    if (mu.requiresGrad) accumulate(mu, mu.value, c);
    if (lv.requiresGrad) {
      const gl = gradOf(lv).data;
      for (let t = 0; t < gl.length; t++) gl[t] += 0.5 * c * (Math.exp(l[t]) - 1);
    }
  });
}

/**
 * sum_j KL(Bernoulli(rho) || Bernoulli(q_j)) with q_j = sums[j] / count clamped to [eps, 1 - eps];
 * writes d/d(sums[j] / count) into grad[j] (0 where the clamp is active). Returns the sum.
 */
export function bernoulliKlOfMeans(
  sums: Float64Array,
  count: number,
  rho: number,
  eps: number,
  grad: Float64Array,
): number {
  let s = 0;
  for (let j = 0; j < sums.length; j++) {
    const raw = sums[j] / count;
    const q = Math.min(Math.max(raw, eps), 1 - eps);
    s += rho * Math.log(rho / q) + (1 - rho) * Math.log((1 - rho) / (1 - q));
    grad[j] = raw === q ? -rho / q + (1 - rho) / (1 - q) : 0;
  }
  return s;
}

/**
 * Sparse-autoencoder KL sparsity penalty (Ng's sparse autoencoder notes): with rho_hat_j the mean
 * activation of column j over the batch, clamped to [eps, 1 - eps],
 * sum_j rho log(rho / rho_hat_j) + (1 - rho) log((1 - rho) / (1 - rho_hat_j)) -> 1x1.
 * Activations are assumed to lie in [0, 1] (e.g. after a sigmoid); the penalty is meaningless
 * otherwise. Where the clamp is active the gradient is 0. `rho` must be in (0, 1).
 */
export function bernoulliKlSparsity(r: Recorder, actIn: Input, rho: number, eps = 1e-6): Variable {
  const a = asVariable(actIn);
  if (!(rho > 0 && rho < 1)) throw new RangeError(`bernoulliKlSparsity: rho must be in (0, 1), got ${rho}`);
  if (!(eps > 0 && eps < 0.5))
    throw new RangeError(`bernoulliKlSparsity: eps must be in (0, 0.5), got ${eps}`);
  const { rows, cols } = a.value;
  if (rows === 0) throw new RangeError(`bernoulliKlSparsity: empty batch ${a.shape}`);
  const av = a.value.data;
  const dRhoHat = new Float64Array(cols);
  const rhoHat = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) rhoHat[j] += av[i * cols + j];
  const s = bernoulliKlOfMeans(rhoHat, rows, rho, eps, dRhoHat);
  return r.record(scalarMatrix(s), [a], (g) => {
    const ga = gradOf(a).data;
    const c = g.data[0] / rows;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) ga[i * cols + j] += c * dRhoHat[j];
  });
}
