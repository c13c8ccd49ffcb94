import { Matrix, assertShape } from "../matrix.js";
import {
  checkAdam,
  checkTopK,
  causalShapes,
  gemmShape,
  gemvShape,
  geluShapes,
  layerNormShapes,
  outMatrix,
  vectorAlong,
  outVector,
  requireNoOverlap,
  requireSquare,
  sameShape,
  checkSddmm,
} from "./checks.js";
import { type NativeAddon, loadNative } from "./native.js";
import { referenceKernels } from "./reference.js";
import type { Kernels, TopK } from "./types.js";

/**
 * Below this many elements an elementwise op or reduction runs in plain TypeScript: the N-API call
 * (argument checks, typed-array unwrapping) costs more than the loop itself.
 */
const SMALL = 2048;

/**
 * Cholesky inverse/solve precision. Float32 (spotrf/spotri) was measured against float64 on EASE Gram
 * matrices X^T X + lambda I (ML-100K, 1682 items, lambda 10 and 500; ML-latest-small, 9066 items,
 * lambda 200): relative Frobenius error of the EASE weights 3e-6 to 2e-5, residual |G P - I| the same
 * as with float64, at 2.2-2.9x less time. The addon keeps a float64 path (flag below) for
 * ill-conditioned inputs.
 */
const SPD_IN_DOUBLE = false;

function native(): NativeAddon {
  const load = loadNative();
  if (!load.ok) throw new Error(`blas backend unavailable: ${load.reason} (${load.path})`);
  return load.addon;
}

/** BLAS leading dimension of a row-major matrix (at least 1, as BLAS requires even for 0 columns). */
function ld(m: Matrix): number {
  return Math.max(1, m.cols);
}

/**
 * Kernels over the native addon: OpenBLAS sgemm and LAPACK Cholesky, plus C++ loops (auto-vectorised,
 * threaded over rows) for sparse products, top-k, softmax, Adam and reductions. Validation and error
 * messages match the reference backend. Loading is lazy: importing this module never throws, the
 * first call does when the addon is not built (see `loadNative`).
 */
export const blasKernels: Kernels = {
  name: "blas",
  threads: () => native().getThreads(),
  setThreads(n) {
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`setThreads: n must be a positive integer, got ${n}`);
    native().setThreads(n);
  },

  gemm(transA, transB, alpha, a, b, beta, c) {
    const { m, n, k } = gemmShape(transA, transB, a, b, c);
    requireNoOverlap("gemm", c.data, "C", a.data, "A");
    requireNoOverlap("gemm", c.data, "C", b.data, "B");
    if (m === 1 && k > 0) {
      // One row: sgemv (no packing of B, several times faster) on op(B)^T; a's k entries are
      // contiguous either way. Item scoring (src/index/exact.ts) makes the same call, so one-row
      // decodes and the item index agree bit for bit.
      const x = a.data.subarray(0, k);
      if (transB) native().sgemv(false, n, k, alpha, b.data, ld(b), x, beta, c.data);
      else native().sgemv(true, k, n, alpha, b.data, ld(b), x, beta, c.data);
      return c;
    }
    native().sgemm(transA, transB, m, n, k, alpha, a.data, ld(a), b.data, ld(b), beta, c.data, ld(c));
    return c;
  },

  gemv(trans, alpha, a, x, beta, y) {
    gemvShape(trans, a, x, y);
    requireNoOverlap("gemv", y, "y", a.data, "A");
    requireNoOverlap("gemv", y, "y", x, "x");
    native().sgemv(trans, a.rows, a.cols, alpha, a.data, ld(a), x, beta, y);
    return y;
  },

  csrMm(a, b, out, alpha = 1, beta = 0) {
    assertShape(a.cols === b.rows, "csrMm", a, b);
    const c = outMatrix("csrMm", out, a.rows, b.cols);
    requireNoOverlap("csrMm", c.data, "out", b.data, "B");
    native().csrMm(a.indptr, a.indices, a.values, a.rows, a.cols, b.data, b.cols, alpha, beta, c.data);
    return c;
  },

  csrTMm(a, b, out, alpha = 1, beta = 0) {
    assertShape(a.rows === b.rows, "csrTMm", a, b);
    const c = outMatrix("csrTMm", out, a.cols, b.cols);
    requireNoOverlap("csrTMm", c.data, "out", b.data, "B");
    native().csrTMm(a.indptr, a.indices, a.values, a.rows, a.cols, b.data, b.cols, alpha, beta, c.data);
    return c;
  },

  csrGram(a, out) {
    const g = outMatrix("csrGram", out, a.cols, a.cols);
    native().csrGram(a.indptr, a.indices, a.values, a.rows, a.cols, g.data);
    return g;
  },

  scaleRows(a, s, out) {
    if (a.size < SMALL) return referenceKernels.scaleRows(a, s, out);
    vectorAlong("scaleRows", a, s, "rows");
    const c = outMatrix("scaleRows", out, a.rows, a.cols);
    native().scaleRows(a.data, a.rows, a.cols, s, c.data);
    return c;
  },

  projectRows(g, a, s, out) {
    if (g.size < SMALL) return referenceKernels.projectRows(g, a, s, out);
    assertShape(g.rows === a.rows && g.cols === a.cols, "projectRows", g, a);
    vectorAlong("projectRows", g, s, "rows");
    const c = outMatrix("projectRows", out, g.rows, g.cols);
    native().projectRows(g.data, a.data, g.rows, g.cols, s, c.data);
    return c;
  },

  denseTCsr(c, a, out, alpha = 1, beta = 0) {
    assertShape(c.rows === a.rows, "denseTCsr", c, a);
    const o = outMatrix("denseTCsr", out, c.cols, a.cols);
    requireNoOverlap("denseTCsr", o.data, "out", c.data, "C");
    native().denseTCsr(c.data, c.cols, a.indptr, a.indices, a.values, a.rows, a.cols, alpha, beta, o.data);
    return o;
  },

  sddmm(a, g, w, vals, lo = 0, hi = a.cols) {
    checkSddmm(a, g, w, vals, lo, hi);
    native().sddmm(a.indptr, a.indices, a.rows, a.cols, g.data, w.data, g.cols, lo, hi, vals);
    return vals;
  },

  denseCsrT(a, b, out) {
    assertShape(a.cols === b.cols, "denseCsrT", a, b);
    const c = outMatrix("denseCsrT", out, a.rows, b.rows);
    requireNoOverlap("denseCsrT", c.data, "out", a.data, "A");
    native().denseCsrT(a.data, a.rows, b.indptr, b.indices, b.values, b.rows, b.cols, c.data);
    return c;
  },

  rowTopK(a, k): TopK {
    checkTopK(a, k);
    const indices = new Int32Array(a.rows * k);
    const values = new Float32Array(a.rows * k);
    native().rowTopK(a.data, a.rows, a.cols, k, indices, values);
    return { rows: a.rows, k, indices, values };
  },

  softmaxRows(a, out) {
    if (a.size < SMALL) return referenceKernels.softmaxRows(a, out);
    const c = outMatrix("softmaxRows", out, a.rows, a.cols);
    native().softmaxRows(a.data, a.rows, a.cols, c.data, false);
    return c;
  },

  logSoftmaxRows(a, out) {
    if (a.size < SMALL) return referenceKernels.logSoftmaxRows(a, out);
    const c = outMatrix("logSoftmaxRows", out, a.rows, a.cols);
    native().softmaxRows(a.data, a.rows, a.cols, c.data, true);
    return c;
  },

  axpby(alpha, x, beta, y, out) {
    if (x.size < SMALL) return referenceKernels.axpby(alpha, x, beta, y, out);
    sameShape("axpby", x, y);
    const c = outMatrix("axpby", out, x.rows, x.cols);
    native().axpby(alpha, x.data, beta, y.data, c.data);
    return c;
  },

  mul(x, y, out) {
    if (x.size < SMALL) return referenceKernels.mul(x, y, out);
    sameShape("mul", x, y);
    const c = outMatrix("mul", out, x.rows, x.cols);
    native().mul(x.data, y.data, c.data);
    return c;
  },

  addRowVector(a, v, out) {
    if (a.size < SMALL) return referenceKernels.addRowVector(a, v, out);
    vectorAlong("addRowVector", a, v, "cols");
    const c = outMatrix("addRowVector", out, a.rows, a.cols);
    native().addRowVector(a.data, a.rows, a.cols, v, c.data);
    return c;
  },

  relu(a, out) {
    if (a.size < SMALL) return referenceKernels.relu(a, out);
    const c = outMatrix("relu", out, a.rows, a.cols);
    native().relu(a.data, c.data);
    return c;
  },

  gelu(a, tanh, out) {
    if (a.size < SMALL) return referenceKernels.gelu(a, tanh, out);
    const c = outMatrix("gelu", out, a.rows, a.cols);
    geluShapes("gelu", a, tanh);
    native().gelu(a.data, c.data, tanh);
    return c;
  },

  geluGrad(a, tanh, g, gx) {
    if (a.size < SMALL) return referenceKernels.geluGrad(a, tanh, g, gx);
    geluShapes("geluGrad", a, tanh, g, gx);
    native().geluGrad(a.data, tanh, g.data, gx.data);
  },

  causalSoftmax(p) {
    if (p.size < SMALL) return referenceKernels.causalSoftmax(p);
    causalShapes("causalSoftmax", p, []);
    native().causalSoftmax(p.data, p.rows);
  },

  causalSoftmaxGrad(dp, p, dropped, keep, scale) {
    if (p.size < SMALL) return referenceKernels.causalSoftmaxGrad(dp, p, dropped, keep, scale);
    causalShapes("causalSoftmaxGrad", p, [dp, dropped]);
    native().causalSoftmaxGrad(dp.data, p.data, (dropped ?? p).data, p.rows, dropped !== null, keep, scale);
  },

  layerNormRows(x, gain, bias, eps, y, xhat, rstd) {
    if (x.size < SMALL) return referenceKernels.layerNormRows(x, gain, bias, eps, y, xhat, rstd);
    layerNormShapes("layerNormRows", x, gain, rstd, [y, xhat], bias);
    native().layerNormRows(x.data, x.rows, x.cols, gain, bias, eps, y.data, xhat.data, rstd);
  },

  layerNormRowsGrad(dy, gain, xhat, rstd, dx) {
    if (dy.size < SMALL) return referenceKernels.layerNormRowsGrad(dy, gain, xhat, rstd, dx);
    layerNormShapes("layerNormRowsGrad", dy, gain, rstd, [xhat, dx]);
    native().layerNormRowsGrad(dy.data, dy.rows, dy.cols, gain, xhat.data, rstd, dx.data);
  },

  sumRows(a, out) {
    if (a.size < SMALL) return referenceKernels.sumRows(a, out);
    const r = outVector("sumRows", out, a.rows);
    native().reduceRows(a.data, a.rows, a.cols, r, false);
    return r;
  },

  sumCols(a, out) {
    if (a.size < SMALL) return referenceKernels.sumCols(a, out);
    const r = outVector("sumCols", out, a.cols);
    native().reduceCols(a.data, a.rows, a.cols, r, false);
    return r;
  },

  rowNorms(a, out) {
    if (a.size < SMALL) return referenceKernels.rowNorms(a, out);
    const r = outVector("rowNorms", out, a.rows);
    native().reduceRows(a.data, a.rows, a.cols, r, true);
    return r;
  },

  colNorms(a, out) {
    if (a.size < SMALL) return referenceKernels.colNorms(a, out);
    const r = outVector("colNorms", out, a.cols);
    native().reduceCols(a.data, a.rows, a.cols, r, true);
    return r;
  },

  sumAll(a) {
    return a.size < SMALL ? referenceKernels.sumAll(a) : native().sumAll(a.data);
  },

  dot(x, y) {
    if (x.length !== y.length) throw new RangeError(`dot: length mismatch ${x.length} vs ${y.length}`);
    return x.length < SMALL ? referenceKernels.dot(x, y) : native().dot(x, y);
  },

  adamUpdate(param, grad, m, v, h) {
    checkAdam(param, grad, m, v, h.step);
    if (param.length < SMALL) return referenceKernels.adamUpdate(param, grad, m, v, h);
    native().adamUpdate(param, grad, m, v, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled, h.step);
  },

  spdInverseInPlace(a) {
    requireSquare("spdInverseInPlace", a);
    native().spdInverseInPlace(a.data, a.rows);
    return a;
  },

  spdInverse(a) {
    requireSquare("spdInverse", a);
    const inv = new Matrix(a.rows, a.rows);
    native().spdInverse(a.data, a.rows, inv.data, SPD_IN_DOUBLE);
    return inv;
  },

  spdSolve(a, b) {
    assertShape(a.rows === b.rows, "spdSolve", a, b);
    requireSquare("spdSolve", a);
    const x = new Matrix(b.rows, b.cols);
    native().spdSolve(a.data, a.rows, b.data, b.cols, x.data, SPD_IN_DOUBLE);
    return x;
  },
};
