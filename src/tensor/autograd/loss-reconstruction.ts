import { assertShape } from "../matrix.js";
import { gradOf, scalarMatrix as scalar } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** How a loss reduces its per-element terms. */
export type Reduction = "mean" | "sum";

/**
 * Squared error between a and b (same shape): mean (default) or sum over all elements -> 1x1.
 * Both sides receive gradients when they require them.
 */
export function mse(r: Recorder, aIn: Input, bIn: Input, reduction: Reduction = "mean"): Variable {
  const a = asVariable(aIn);
  const b = asVariable(bIn);
  assertShape(a.rows === b.rows && a.cols === b.cols, "mse", a, b);
  const av = a.value.data;
  const bv = b.value.data;
  const f = reduction === "mean" ? 1 / Math.max(av.length, 1) : 1;
  let s = 0;
  for (let t = 0; t < av.length; t++) s += (av[t] - bv[t]) ** 2;
  return r.record(scalar(s * f), [a, b], (g) => {
    const c = 2 * f * g.data[0];
    if (a.requiresGrad) {
      const ga = gradOf(a).data;
      for (let t = 0; t < ga.length; t++) ga[t] += c * (av[t] - bv[t]);
    }
    if (b.requiresGrad) {
      const gb = gradOf(b).data;
      for (let t = 0; t < gb.length; t++) gb[t] -= c * (av[t] - bv[t]);
    }
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
