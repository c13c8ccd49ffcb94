import { kernels } from "../backend.js";
import type { Parameter } from "./types.js";
import { checkNonNegative, checkPositive } from "./validate.js";

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** Throw (default) when the total norm is NaN or infinite; when false, return it and leave the gradients untouched. */
  errorIfNonFinite?: boolean;
}

function name(p: Parameter, i: number): string {
  return `parameter ${i}${p.name ? ` (${p.name})` : ""}`;
}

/** Global L2 norm of all non-null gradients (float64 accumulation). */
export function gradNorm(params: Iterable<Parameter>): number {
  let sq = 0;
  for (const p of params) if (p.grad) sq += kernels().dot(p.grad.data, p.grad.data);
  return Math.sqrt(sq);
}

/**
 * Rescales all non-null gradients together so that their global L2 norm is at most `maxNorm`
 * (scale = maxNorm / norm when norm > maxNorm). Returns the norm before clipping. A non-finite norm
 * throws naming the first parameter with a non-finite gradient, unless `errorIfNonFinite` is false.
 */
export function clipGradNorm(
  params: Iterable<Parameter>,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  checkPositive("clipGradNorm", "maxNorm", maxNorm);
  const list = [...params];
  let sq = 0;
  let firstBad = -1;
  list.forEach((p, i) => {
    if (!p.grad) return;
    const s = kernels().dot(p.grad.data, p.grad.data);
    if (!Number.isFinite(s) && firstBad < 0) firstBad = i;
    sq += s;
  });
  const total = Math.sqrt(sq);
  if (!Number.isFinite(total)) {
    if (options.errorIfNonFinite === false) return total;
    const at = firstBad >= 0 ? name(list[firstBad], firstBad) : "the gradients together";
    throw new RangeError(`clipGradNorm: gradient norm is ${total}; ${at} is not finite`);
  }
  if (total > maxNorm) {
    const scale = maxNorm / total;
    for (const p of list) {
      if (!p.grad) continue;
      const g = p.grad.data;
      for (let t = 0; t < g.length; t++) g[t] *= scale;
    }
  }
  return total;
}

/** Clamps every gradient entry to [-clipValue, clipValue] in place; returns how many entries were clipped. */
export function clipGradValue(params: Iterable<Parameter>, clipValue: number): number {
  checkNonNegative("clipGradValue", "clipValue", clipValue);
  let clipped = 0;
  for (const p of params) {
    if (!p.grad) continue;
    const g = p.grad.data;
    for (let t = 0; t < g.length; t++) {
      if (g[t] > clipValue) {
        g[t] = clipValue;
        clipped++;
      } else if (g[t] < -clipValue) {
        g[t] = -clipValue;
        clipped++;
      }
    }
  }
  return clipped;
}
