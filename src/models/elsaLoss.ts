import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/**
 * ELSA's objective and its hand-derived gradient (Vancura et al., RecSys 2022, "Scalable Linear
 * Shallow Autoencoder for Collaborative Filtering"; official code github.com/recombee/ELSA,
 * elsa/elsa.py). The official model keeps an unconstrained parameter W (items x d), uses
 * A = W with rows L2-normalised (`torch.nn.functional.normalize(W, dim=-1)`) in every forward pass,
 * predicts P = X A A^T - X and minimises `mse_loss(normalize(P, dim=-1), normalize(X, dim=-1))`.
 * Because rows of A have unit norm, the "- X" removes exactly the self-reconstruction term
 * (EASE's zero-diagonal constraint in low rank).
 *
 * We use the same normalisation but average the per-user squared distance over users rather than
 * over users x items: L = (1/B) sum_u || p_u/|p_u| - x_u/|x_u| ||^2. This is the official loss
 * times the number of items, a constant that Adam's update is invariant to (up to its epsilon).
 */

/**
 * Unit-normalised rows of `w` (zero rows stay zero; written into `out` when given) and `inverse` =
 * 1 / row norm (0 for a zero row), which the gradient's projection reuses.
 */
export function normalizeRows(w: Matrix, out?: Matrix): { a: Matrix; inverse: Float32Array } {
  const k = kernels();
  const inverse = k.rowNorms(w).map((n) => (n > 0 ? 1 / n : 0));
  return { a: k.scaleRows(w, inverse, out), inverse };
}

/** Norms below this are treated as this value (as torch's normalize clamps with eps = 1e-12). */
const EPS = 1e-12;

/**
 * Loss of ELSA on a batch of interaction rows `x` (users x items) with parameters `w`
 * (items x d). When `gradOut` (items x d) is given, dL/dW is written into it; `work` (items x d),
 * when given, holds A = the normalised rows of w instead of a fresh matrix per call.
 *
 * Gradient (with q = p/|p|, t = x/|x|, per user): dL/dp = (2/B) (q (q.t) - t) / |p|,
 * collected in G (B x items); dL/dA = X^T (G A) + G^T (X A); and through the row
 * normalisation dL/dW_i = (g_i - (g_i . a_i) a_i) / |W_i|.
 */
export function elsaLoss(x: Csr, w: Matrix, gradOut?: Matrix, work?: Matrix): number {
  const k = kernels();
  const { a, inverse } = normalizeRows(w, work);
  const z = k.csrMm(x, a); // B x d: the probing site
  const p = k.gemm(false, true, 1, z, a, 0, new Matrix(x.rows, x.cols)); // X A A^T
  const bsz = x.rows;
  let loss = 0;
  for (let u = 0; u < bsz; u++) {
    const row = p.row(u);
    const s = x.indptr[u];
    const e = x.indptr[u + 1];
    for (let q = s; q < e; q++) row[x.indices[q]] -= x.values[q]; // P = X A A^T - X
    let xx = 0;
    for (let q = s; q < e; q++) xx += x.values[q] * x.values[q];
    const xn = Math.max(Math.sqrt(xx), EPS);
    const pn = Math.max(Math.sqrt(k.dot(row, row)), EPS);
    // ||q - t||^2 = |q|^2 - 2 q.t + |t|^2, with q.t only over the user's items.
    let qt = 0;
    for (let q = s; q < e; q++) qt += row[x.indices[q]] * x.values[q];
    qt /= pn * xn;
    let qq = 0;
    for (let j = 0; j < row.length; j++) qq += (row[j] / pn) ** 2;
    loss += qq - 2 * qt + xx / (xn * xn);
    if (gradOut) {
      // Overwrite the row of P with dL/dp (P is not needed afterwards).
      const c = 2 / bsz / pn;
      if (pn > EPS) {
        for (let j = 0; j < row.length; j++) row[j] = c * (row[j] / pn) * qt;
        for (let q = s; q < e; q++) row[x.indices[q]] -= (c * x.values[q]) / xn;
      } else {
        for (let j = 0; j < row.length; j++) row[j] = c * (row[j] / pn);
        for (let q = s; q < e; q++) row[x.indices[q]] -= (c * x.values[q]) / xn;
      }
    }
  }
  if (gradOut) {
    if (gradOut.rows !== w.rows || gradOut.cols !== w.cols)
      throw new RangeError(`elsaLoss: gradOut is ${gradOut.shape}, expected ${w.shape}`);
    const g = p; // B x items, holds dL/dP
    k.gemm(true, false, 1, g, z, 0, gradOut); // G^T Z
    const ga = k.gemm(false, false, 1, g, a, 0, new Matrix(bsz, a.cols)); // G A
    k.csrTMm(x, ga, gradOut, 1, 1); // + X^T (G A)
    k.projectRows(gradOut, a, inverse, gradOut); // through the row normalisation (zero rows get 0)
  }
  return loss / bsz;
}
