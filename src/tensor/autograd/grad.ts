import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import { scratchMatrix } from "./scratch.js";
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

/**
 * The gradient buffer of `v` for a kernel that computes `out = contribution + beta * out`
 * (gemm, csrMm): beta is 0 when the buffer was just allocated (nothing to read), else 1.
 */
export function gradTarget(v: Variable): { grad: Matrix; beta: 0 | 1 } {
  const fresh = v.grad === null;
  return { grad: gradOf(v), beta: fresh ? 0 : 1 };
}

function checkContribution(op: string, v: Variable, g: Matrix): void {
  if (g.rows !== v.rows || g.cols !== v.cols) {
    throw new RangeError(
      `${op}: gradient contribution is ${g.shape} but ${v.name ?? "the variable"} is ${v.shape}`,
    );
  }
}

/**
 * v.grad += alpha * g (same shape as v), through `kernels().axpby`. When v has no gradient yet the
 * buffer is created from g directly (a copy, never g itself), instead of zeros plus an addition.
 */
export function accumulate(v: Variable, g: Matrix, alpha = 1): void {
  checkContribution("accumulate", v, g);
  const K = kernels();
  if (v.grad === null && alpha === 1) {
    v.grad = g.clone();
    return;
  }
  const dst = gradOf(v);
  K.axpby(alpha, g, 1, dst, dst);
}

/**
 * v.grad += alpha * (g ⊙ m) (all the same shape), through `kernels().mul`. A new gradient buffer is
 * the product itself; otherwise the product goes through a reused scratch buffer.
 */
export function accumulateProduct(v: Variable, g: Matrix, m: Matrix, alpha = 1): void {
  checkContribution("accumulateProduct", v, g);
  const K = kernels();
  if (v.grad === null && alpha === 1) {
    v.grad = K.mul(g, m, new Matrix(v.rows, v.cols));
    return;
  }
  accumulate(v, K.mul(g, m, scratchMatrix(v.rows, v.cols)), alpha);
}

/**
 * v.grad (1 x n) += alpha * (column sums of g), g being m x n: the gradient of a row vector that
 * was broadcast over m rows. The sums run in `kernels().sumCols` (float64 accumulation).
 */
export function accumulateColSums(v: Variable, g: Matrix, alpha = 1): void {
  const sums = new Matrix(1, g.cols, kernels().sumCols(g));
  if (v.grad === null && alpha === 1) {
    checkContribution("accumulateColSums", v, sums);
    v.grad = sums;
    return;
  }
  accumulate(v, sums, alpha);
}

/**
 * v.grad (m x 1) += alpha * (row sums of g), g being m x n: the gradient of a column vector that
 * was broadcast over n columns. The sums run in `kernels().sumRows`.
 */
export function accumulateRowSums(v: Variable, g: Matrix, alpha = 1): void {
  const sums = new Matrix(g.rows, 1, kernels().sumRows(g));
  if (v.grad === null && alpha === 1) {
    checkContribution("accumulateRowSums", v, sums);
    v.grad = sums;
    return;
  }
  accumulate(v, sums, alpha);
}

/**
 * Where a backward pass writes v's whole contribution before `commitContribution`: a new buffer
 * that becomes v's gradient when v has none yet, else the shared scratch buffer (see scratch.ts).
 */
export function contributionBuffer(v: Variable): Matrix {
  return v.grad === null ? new Matrix(v.rows, v.cols) : scratchMatrix(v.rows, v.cols);
}

/** Makes `contribution` (from `contributionBuffer(v)`) v's gradient, or adds it to the existing one. */
export function commitContribution(v: Variable, contribution: Matrix): void {
  if (v.grad === null) {
    checkContribution("commitContribution", v, contribution);
    v.grad = contribution;
  } else accumulate(v, contribution);
}

/** A new 1x1 matrix holding `v` (the value of a loss). */
export function scalarMatrix(v: number): Matrix {
  const m = new Matrix(1, 1);
  m.data[0] = v;
  return m;
}
