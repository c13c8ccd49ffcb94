import { assertShape } from "../matrix.js";
import { kernels } from "../backend.js";
import { accumulate, gradOf, scalarMatrix as scalar } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** How a loss reduces its per-element terms. */
export type Reduction = "mean" | "sum";

/**
 * Squared error between a and b (same shape): mean (default) or sum over all elements -> 1x1.
 * Both sides receive gradients when they require them. The difference a - b runs in
 * `kernels().axpby`, its squared sum in `kernels().dot` (float64), and the gradients are scaled
 * copies of it.
 */
export function mse(r: Recorder, aIn: Input, bIn: Input, reduction: Reduction = "mean"): Variable {
  const a = asVariable(aIn);
  const b = asVariable(bIn);
  assertShape(a.rows === b.rows && a.cols === b.cols, "mse", a, b);
  const K = kernels();
  const diff = K.axpby(1, a.value, -1, b.value);
  const f = reduction === "mean" ? 1 / Math.max(diff.size, 1) : 1;
  const s = K.dot(diff.data, diff.data);
  return r.record(scalar(s * f), [a, b], (g) => {
    const c = 2 * f * g.data[0];
    if (b.requiresGrad) accumulate(b, diff, -c);
    if (a.requiresGrad) accumulate(a, diff, c);
  });
}

/**
 * Mean over rows of 1 - cos(a_i, b_i) -> 1x1, with norms sqrt(||.||^2 + eps) so zero rows are
 * harmless. Both sides receive gradients when they require them.
 */
export function cosineLoss(r: Recorder, aIn: Input, bIn: Input, eps = 1e-8): Variable {
  const a = asVariable(aIn);
  const b = asVariable(bIn);
  assertShape(a.rows === b.rows && a.cols === b.cols, "cosineLoss", a, b);
  const { rows, cols } = a.value;
  const av = a.value.data;
  const bv = b.value.data;
  const na = new Float64Array(rows);
  const nb = new Float64Array(rows);
  const cos = new Float64Array(rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = 0; j < cols; j++) {
      ab += av[o + j] * bv[o + j];
      aa += av[o + j] * av[o + j];
      bb += bv[o + j] * bv[o + j];
    }
    na[i] = Math.sqrt(aa + eps);
    nb[i] = Math.sqrt(bb + eps);
    cos[i] = ab / (na[i] * nb[i]);
    total += 1 - cos[i];
  }
  const f = 1 / Math.max(rows, 1);
  return r.record(scalar(total * f), [a, b], (g) => {
    const c = -f * g.data[0];
    // d cos / d a = b / (|a||b|) - cos * a / |a|^2, symmetric for b.
    for (const [x, y, nx] of [
      [a, bv, na],
      [b, av, nb],
    ] as const) {
      if (!x.requiresGrad) continue;
      const gx = gradOf(x).data;
      const xv = x.value.data;
      for (let i = 0; i < rows; i++) {
        const o = i * cols;
        const inv = 1 / (na[i] * nb[i]);
        const k = cos[i] / (nx[i] * nx[i]);
        for (let j = 0; j < cols; j++) gx[o + j] += c * (y[o + j] * inv - k * xv[o + j]);
      }
    }
  });
}
