import { Matrix } from "../matrix.js";
import type { Variable } from "./variable.js";

/**
 * The gradient buffer of `v`, allocated (zeros) on first use. Ops' backward closures accumulate
 * into it with +=, so a variable used several times sums the contributions.
 */
export function gradOf(v: Variable): Matrix {
  const g = v.grad;
  if (g === null) {
    const fresh = new Matrix(v.rows, v.cols);
    v.grad = fresh;
    return fresh;
  }
  if (g.rows !== v.rows || g.cols !== v.cols) {
    throw new RangeError(
      `autograd: gradient of ${v.name ?? "variable"} is ${g.shape} but its value is ${v.shape}`,
    );
  }
  return g;
}

/** v.grad += alpha * g (same shape as v), allocating the buffer lazily. */
export function accumulate(v: Variable, g: Matrix, alpha = 1): void {
  const dst = gradOf(v).data;
  const src = g.data;
  if (alpha === 1) for (let t = 0; t < dst.length; t++) dst[t] += src[t];
  else for (let t = 0; t < dst.length; t++) dst[t] += alpha * src[t];
}

/** A new 1x1 matrix holding `v` (the value of a loss). */
export function scalarMatrix(v: number): Matrix {
  const m = new Matrix(1, 1);
  m.data[0] = v;
  return m;
}
