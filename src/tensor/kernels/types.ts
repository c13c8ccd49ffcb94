import type { Csr } from "../csr.js";
import type { Matrix } from "../matrix.js";

/** Row-wise top-k result: `indices`/`values` are rows*k long, each row sorted by value descending. */
export interface TopK {
  readonly rows: number;
  readonly k: number;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Hyperparameters of one Adam/AdamW update (`step` counts from 1). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Weight decay coefficient; 0 disables it. */
  weightDecay: number;
  /** true: AdamW (decoupled decay), false: L2 penalty added to the gradient. */
  decoupled: boolean;
  step: number;
}

/**
 * The numerical kernels everything else is written against. Two backends implement it:
 * `reference` (plain TypeScript, the test oracle) and `blas` (N-API addon over OpenBLAS).
 * Every method validates shapes and throws a RangeError naming the kernel and both shapes.
 * `out` arguments are written in place and returned; when omitted a new matrix is allocated.
 */
export interface Kernels {
  readonly name: "reference" | "blas";
  /** Threads the backend uses for BLAS calls (1 for reference). */
  threads(): number;
  /** Sets the BLAS thread count (no-op for reference). */
  setThreads(n: number): void;

  /** C = alpha * op(A) * op(B) + beta * C, op = transpose when the flag is set. */
  gemm(
    transA: boolean,
    transB: boolean,
    alpha: number,
    a: Matrix,
    b: Matrix,
    beta: number,
    c: Matrix,
  ): Matrix;
  /**
   * y = alpha * op(A) x + beta * y (matrix-vector product; op(A) = A^T when `trans`). One pass over
   * A without packing it: what scoring one query against every item row costs.
   */
  gemv(
    trans: boolean,
    alpha: number,
    a: Matrix,
    x: Float32Array,
    beta: number,
    y: Float32Array,
  ): Float32Array;
  /** A (sparse m x k) * B (k x n) -> m x n, out = alpha*A*B + beta*out. */
  csrMm(a: Csr, b: Matrix, out?: Matrix, alpha?: number, beta?: number): Matrix;
  /** A^T (A sparse m x k) * B (m x n) -> k x n, out = alpha*A^T*B + beta*out. */
  csrTMm(a: Csr, b: Matrix, out?: Matrix, alpha?: number, beta?: number): Matrix;
  /** A (dense m x k) * B^T (B sparse n x k) -> m x n. */
  denseCsrT(a: Matrix, b: Csr, out?: Matrix): Matrix;
  /**
   * C^T A (C dense m x k, A sparse m x n) -> k x n, out = alpha * C^T A + beta * out: the gradient of
   * a dense-times-sparse product with respect to the dense factor, written in that factor's layout.
   */
  denseTCsr(c: Matrix, a: Csr, out?: Matrix, alpha?: number, beta?: number): Matrix;
  /**
   * Sampled dense-dense product on the pattern of A (sparse m x n; its values are ignored):
   * vals[p] += <G[r, :], W[indices[p], :]> for each stored entry p of row r whose column lies in
   * [lo, hi) (default all n), G m x d, W n x d. Adds into `vals` (length nnz(A)) and returns it.
   */
  sddmm(a: Csr, g: Matrix, w: Matrix, vals: Float32Array, lo?: number, hi?: number): Float32Array;
  /** Gram matrix A^T A (A sparse m x k) -> dense k x k, symmetric. */
  csrGram(a: Csr, out?: Matrix): Matrix;
  /** out[i, :] = s[i] * a[i, :] (each row scaled by its entry of s); out may be a. */
  scaleRows(a: Matrix, s: Float32Array, out?: Matrix): Matrix;
  /**
   * out[i, :] = s[i] * (g[i, :] - (g[i, :] . a[i, :]) a[i, :]): each row of g without its component
   * along the matching (unit) row of a, scaled by s[i]; out may be g.
   */
  projectRows(g: Matrix, a: Matrix, s: Float32Array, out?: Matrix): Matrix;

  /** Top-k entries of each row (ties broken by lower column index; NaN ranks after every number). */
  rowTopK(a: Matrix, k: number): TopK;
  /** Row-wise softmax (numerically stable). */
  softmaxRows(a: Matrix, out?: Matrix): Matrix;
  /**
   * In place on a square block of attention scores: row i becomes the softmax of its entries
   * j <= i, and 0 beyond (causal attention weights).
   */
  causalSoftmax(p: Matrix): void;
  /**
   * In place: `dp` (gradient of the attention weights that were used: `dropped` when dropout ran,
   * else p) becomes the gradient of the scores. Per row i, for j <= i: g_j = dropped_j != 0 ?
   * dp_j keep : 0 (dropout) or dp_j, then dp_j = p_j (g_j - sum_l g_l p_l) scale; 0 beyond i.
   */
  causalSoftmaxGrad(dp: Matrix, p: Matrix, dropped: Matrix | null, keep: number, scale: number): void;
  /** Row-wise log-softmax (numerically stable). */
  logSoftmaxRows(a: Matrix, out?: Matrix): Matrix;

  /** out = alpha * x + beta * y (elementwise, same shapes). */
  axpby(alpha: number, x: Matrix, beta: number, y: Matrix, out?: Matrix): Matrix;
  /** out = x * y (elementwise). */
  mul(x: Matrix, y: Matrix, out?: Matrix): Matrix;
  /** out = a + row vector v broadcast over rows (v.length === a.cols). */
  addRowVector(a: Matrix, v: Float32Array, out?: Matrix): Matrix;
  /** out = max(a, 0). */
  relu(a: Matrix, out?: Matrix): Matrix;
  /**
   * out = GELU(a), tanh approximation 0.5 a (1 + tanh(sqrt(2/pi) (a + 0.044715 a^3))); `tanh`
   * (a.size) receives the inner tanh of every element, which `geluGrad` reuses.
   */
  gelu(a: Matrix, tanh: Float32Array, out?: Matrix): Matrix;
  /** gx += g * GELU'(a) elementwise, with `tanh` as written by `gelu(a, tanh)`. */
  geluGrad(a: Matrix, tanh: Float32Array, g: Matrix, gx: Matrix): void;
  /**
   * Layer normalisation of each row of x (statistics in float64, biased variance): xhat = (x - mean)
   * / sqrt(var + eps), y = xhat * gain + bias; writes y, xhat and each row's 1 / sqrt(var + eps) into
   * `rstd` (rows). gain and bias have x.cols entries.
   */
  layerNormRows(
    x: Matrix,
    gain: Float32Array,
    bias: Float32Array,
    eps: number,
    y: Matrix,
    xhat: Matrix,
    rstd: Float64Array,
  ): void;
  /**
   * dx += the gradient of layerNormRows' input for output gradient dy: per row
   * rstd (dy gain - mean(dy gain) - xhat mean(dy gain xhat)), with xhat and rstd from the forward pass.
   */
  layerNormRowsGrad(dy: Matrix, gain: Float32Array, xhat: Matrix, rstd: Float64Array, dx: Matrix): void;

  /** Sum of each row (length rows). */
  sumRows(a: Matrix, out?: Float32Array): Float32Array;
  /** Sum of each column (length cols). */
  sumCols(a: Matrix, out?: Float32Array): Float32Array;
  /** L2 norm of each row. */
  rowNorms(a: Matrix, out?: Float32Array): Float32Array;
  /** L2 norm of each column. */
  colNorms(a: Matrix, out?: Float32Array): Float32Array;
  /** Sum of all elements, accumulated in float64. */
  sumAll(a: Matrix): number;
  /** Dot product of two equal-length vectors, accumulated in float64. */
  dot(x: Float32Array, y: Float32Array): number;

  /** In-place Adam/AdamW update of `param` given `grad` and the moment buffers `m`, `v`. */
  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, h: AdamStep): void;

  /** Inverse of a symmetric positive-definite matrix (Cholesky); throws if it is not SPD. */
  spdInverse(a: Matrix): Matrix;
  /**
   * Overwrites A (symmetric positive-definite, lower triangle read) with its inverse, needing no second
   * n x n buffer; returns A. Throws if it is not SPD (A's contents are then unspecified).
   */
  spdInverseInPlace(a: Matrix): Matrix;
  /** Solves A X = B for symmetric positive-definite A (Cholesky); throws if it is not SPD. */
  spdSolve(a: Matrix, b: Matrix): Matrix;
}
