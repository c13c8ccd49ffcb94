import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * Signature of the addon's sparse x dense products (csrMm: out = alpha * A * B + beta * out; csrTMm:
 * the same with A transposed); A is CSR (indptr/indices/values, rows x cols), B has n columns.
 */
type CsrDenseProduct = (
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  rows: number,
  cols: number,
  b: Float32Array,
  n: number,
  alpha: number,
  beta: number,
  out: Float32Array,
) => void;

/**
 * The functions the N-API addon (native/src/*.cc) exports. Matrices are row-major Float32Arrays
 * (views are fine: the addon honours byteOffset); every function checks its array lengths and throws
 * a RangeError/TypeError instead of touching memory out of bounds.
 */
export interface NativeAddon {
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /** Row-major A (m x n, leading dimension lda): y = alpha * op(A) x + beta * y. */
  sgemv(
    trans: boolean,
    m: number,
    n: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    x: Float32Array,
    beta: number,
    y: Float32Array,
  ): void;
  setThreads(n: number): void;
  getThreads(): number;
  config(): { config: string; corename: string; parallel: number; procs: number };
  spdInverse(a: Float32Array, n: number, out: Float32Array, useDouble: boolean): void;
  spdSolve(
    a: Float32Array,
    n: number,
    b: Float32Array,
    nrhs: number,
    out: Float32Array,
    useDouble: boolean,
  ): void;
  csrMm: CsrDenseProduct;
  csrTMm: CsrDenseProduct;
  scaleRows(a: Float32Array, rows: number, cols: number, s: Float32Array, out: Float32Array): void;
  projectRows(
    g: Float32Array,
    a: Float32Array,
    rows: number,
    cols: number,
    s: Float32Array,
    out: Float32Array,
  ): void;
  csrGram(
    indptr: Int32Array,
    indices: Int32Array,
    values: Float32Array,
    rows: number,
    cols: number,
    out: Float32Array,
  ): void;
  denseCsrT(
    d: Float32Array,
    m: number,
    indptr: Int32Array,
    indices: Int32Array,
    values: Float32Array,
    rows: number,
    cols: number,
    out: Float32Array,
  ): void;
  /** out (k x cols) = alpha * C^T A + beta * out; C dense rows x k, A CSR rows x cols. */
  denseTCsr(
    c: Float32Array,
    k: number,
    indptr: Int32Array,
    indices: Int32Array,
    values: Float32Array,
    rows: number,
    cols: number,
    alpha: number,
    beta: number,
    out: Float32Array,
  ): void;
  /** vals[p] += <G[r], W[indices[p]]> for entries p of row r with lo <= indices[p] < hi. */
  sddmm(
    indptr: Int32Array,
    indices: Int32Array,
    rows: number,
    cols: number,
    g: Float32Array,
    w: Float32Array,
    n: number,
    lo: number,
    hi: number,
    vals: Float32Array,
  ): void;
  /** A (n x n, SPD, lower triangle read) becomes A^-1 in place (spotrf + spotri). */
  spdInverseInPlace(a: Float32Array, n: number): void;
  rowTopK(
    a: Float32Array,
    rows: number,
    cols: number,
    k: number,
    indices: Int32Array,
    values: Float32Array,
  ): void;
  softmaxRows(a: Float32Array, rows: number, cols: number, out: Float32Array, log: boolean): void;
  causalSoftmax(p: Float32Array, n: number): void;
  causalSoftmaxGrad(
    dp: Float32Array,
    p: Float32Array,
    dropped: Float32Array,
    n: number,
    drop: boolean,
    keep: number,
    scale: number,
  ): void;
  axpby(alpha: number, x: Float32Array, beta: number, y: Float32Array, out: Float32Array): void;
  mul(x: Float32Array, y: Float32Array, out: Float32Array): void;
  relu(x: Float32Array, out: Float32Array): void;
  gelu(x: Float32Array, out: Float32Array, tanh: Float32Array): void;
  layerNormRows(
    x: Float32Array,
    rows: number,
    cols: number,
    gain: Float32Array,
    bias: Float32Array,
    eps: number,
    y: Float32Array,
    xhat: Float32Array,
    rstd: Float64Array,
  ): void;
  layerNormRowsGrad(
    dy: Float32Array,
    rows: number,
    cols: number,
    gain: Float32Array,
    xhat: Float32Array,
    rstd: Float64Array,
    dx: Float32Array,
  ): void;
  geluGrad(x: Float32Array, tanh: Float32Array, g: Float32Array, gx: Float32Array): void;
  addRowVector(a: Float32Array, rows: number, cols: number, v: Float32Array, out: Float32Array): void;
  adamUpdate(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    step: number,
  ): void;
  reduceRows(a: Float32Array, rows: number, cols: number, out: Float32Array, norms: boolean): void;
  reduceCols(a: Float32Array, rows: number, cols: number, out: Float32Array, norms: boolean): void;
  sumAll(x: Float32Array): number;
  dot(x: Float32Array, y: Float32Array): number;
}

/** Outcome of loading the addon: the module, or why it could not be loaded. */
export type NativeLoad =
  { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string; path: string };

/**
 * Where the addon lives: native/build/Release under the package root. This file sits three folders
 * below the root both as src/tensor/kernels/native.ts (tsx, vitest) and dist/tensor/kernels/native.js.
 */
export const nativeAddonPath = fileURLToPath(
  new URL("../../../native/build/Release/reclens_native.node", import.meta.url),
);

let cached: NativeLoad | undefined;

/** Loads the addon once (later calls return the same outcome); never throws. */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = nativeAddonPath;
  if (!existsSync(path)) {
    cached = {
      ok: false,
      path,
      reason: "native addon not built (no OpenBLAS at install time, or the build failed)",
    };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    cached = { ok: true, addon, path };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
    cached = { ok: false, path, reason: `native addon failed to load: ${msg}` };
  }
  return cached;
}
