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
import type { AdamStep, Kernels, TopK } from "./types.js";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/**
 * Cholesky factor L (lower, row-major, float64) of an SPD matrix, reading only its lower triangle;
 * throws naming the kernel and the failing pivot or non-finite entry.
 */
function cholesky(op: string, a: Matrix): Float64Array {
  const n = a.rows;
  requireSquare(op, a);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a.data[i * n + j];
      if (!Number.isFinite(x)) throw new RangeError(`${op}: non-finite value ${x} at (${i}, ${j})`);
    }
  }
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a.data[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) {
      throw new RangeError(
        `${op}: matrix is not positive definite (leading minor of order ${j + 1} is not positive)`,
      );
    }
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L L^T x = b in place for one float64 column. */
function choleskySolveColumn(l: Float64Array, n: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
}

/** Ranking order of (value, column) pairs: larger first, NaN after every number, ties by lower column. */
export function rankOrder(va: number, ia: number, vb: number, ib: number): number {
  const na = Number.isNaN(va);
  const nb = Number.isNaN(vb);
  if (na || nb) return na && nb ? ia - ib : na ? 1 : -1;
  return va > vb ? -1 : va < vb ? 1 : ia - ib;
}

/** Plain TypeScript kernels: simple, single-threaded, and the correctness oracle for every backend. */
export const referenceKernels: Kernels = {
  name: "reference",
  threads: () => 1,
  setThreads: () => undefined,

  gemm(transA, transB, alpha, a, b, beta, c) {
    const { m, n, k } = gemmShape(transA, transB, a, b, c);
    requireNoOverlap("gemm", c.data, "C", a.data, "A");
    requireNoOverlap("gemm", c.data, "C", b.data, "B");
    const A = a.data;
    const B = b.data;
    const C = c.data;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? A[p * a.cols + i] : A[i * a.cols + p];
          const bv = transB ? B[j * b.cols + p] : B[p * b.cols + j];
          s += av * bv;
        }
        C[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * n + j]);
      }
    }
    return c;
  },

  gemv(trans, alpha, a, x, beta, y) {
    const { xLen, yLen } = gemvShape(trans, a, x, y);
    requireNoOverlap("gemv", y, "y", a.data, "A");
    requireNoOverlap("gemv", y, "y", x, "x");
    const A = a.data;
    for (let i = 0; i < yLen; i++) {
      let s = 0;
      for (let p = 0; p < xLen; p++) s += (trans ? A[p * a.cols + i] : A[i * a.cols + p]) * x[p];
      y[i] = alpha * s + (beta === 0 ? 0 : beta * y[i]);
    }
    return y;
  },

  csrMm(a, b, out, alpha = 1, beta = 0) {
    assertShape(a.cols === b.rows, "csrMm", a, b);
    const c = outMatrix("csrMm", out, a.rows, b.cols);
    requireNoOverlap("csrMm", c.data, "out", b.data, "B");
    const n = b.cols;
    for (let i = 0; i < a.rows; i++) {
      const row = c.data.subarray(i * n, (i + 1) * n);
      if (beta === 0) row.fill(0);
      else if (beta !== 1) for (let j = 0; j < n; j++) row[j] *= beta;
      for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
        const v = alpha * a.values[p];
        const off = a.indices[p] * n;
        for (let j = 0; j < n; j++) row[j] += v * b.data[off + j];
      }
    }
    return c;
  },

  csrTMm(a, b, out, alpha = 1, beta = 0) {
    assertShape(a.rows === b.rows, "csrTMm", a, b);
    const n = b.cols;
    const c = outMatrix("csrTMm", out, a.cols, n);
    requireNoOverlap("csrTMm", c.data, "out", b.data, "B");
    if (beta === 0) c.data.fill(0);
    else if (beta !== 1) for (let t = 0; t < c.data.length; t++) c.data[t] *= beta;
    for (let i = 0; i < a.rows; i++) {
      for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
        const v = alpha * a.values[p];
        const off = a.indices[p] * n;
        for (let j = 0; j < n; j++) c.data[off + j] += v * b.data[i * n + j];
      }
    }
    return c;
  },

  csrGram(a, out) {
    const n = a.cols;
    const g = outMatrix("csrGram", out, n, n);
    const gd = g.data;
    gd.fill(0);
    for (let u = 0; u < a.rows; u++) {
      const s = a.indptr[u];
      const e = a.indptr[u + 1];
      for (let p = s; p < e; p++) {
        const i = a.indices[p];
        const vp = a.values[p];
        for (let q = s; q < e; q++) {
          const j = a.indices[q];
          if (j >= i) gd[i * n + j] += vp * a.values[q]; // upper triangle, then mirrored
        }
      }
    }
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) gd[j * n + i] = gd[i * n + j];
    return g;
  },

  scaleRows(a, s, out) {
    vectorAlong("scaleRows", a, s, "rows");
    const c = outMatrix("scaleRows", out, a.rows, a.cols);
    for (let i = 0; i < a.rows; i++) {
      const f = s[i];
      for (let j = 0; j < a.cols; j++) c.data[i * a.cols + j] = f * a.data[i * a.cols + j];
    }
    return c;
  },

  projectRows(g, a, s, out) {
    assertShape(g.rows === a.rows && g.cols === a.cols, "projectRows", g, a);
    vectorAlong("projectRows", g, s, "rows");
    const c = outMatrix("projectRows", out, g.rows, g.cols);
    const n = g.cols;
    for (let i = 0; i < g.rows; i++) {
      let proj = 0;
      for (let j = 0; j < n; j++) proj += g.data[i * n + j] * a.data[i * n + j];
      for (let j = 0; j < n; j++) c.data[i * n + j] = s[i] * (g.data[i * n + j] - proj * a.data[i * n + j]);
    }
    return c;
  },

  denseTCsr(c, a, out, alpha = 1, beta = 0) {
    assertShape(c.rows === a.rows, "denseTCsr", c, a);
    const o = outMatrix("denseTCsr", out, c.cols, a.cols);
    requireNoOverlap("denseTCsr", o.data, "out", c.data, "C");
    const k = c.cols;
    const n = a.cols;
    const acc = new Float64Array(k * n);
    for (let r = 0; r < a.rows; r++) {
      for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
        const j = a.indices[p];
        const v = a.values[p];
        for (let i = 0; i < k; i++) acc[i * n + j] += c.data[r * k + i] * v;
      }
    }
    for (let q = 0; q < k * n; q++) o.data[q] = alpha * acc[q] + (beta === 0 ? 0 : beta * o.data[q]);
    return o;
  },

  sddmm(a, g, w, vals, lo = 0, hi = a.cols) {
    checkSddmm(a, g, w, vals, lo, hi);
    const d = g.cols;
    for (let r = 0; r < a.rows; r++) {
      for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
        const j = a.indices[p];
        if (j < lo || j >= hi) continue;
        let s = 0;
        for (let c = 0; c < d; c++) s += g.data[r * d + c] * w.data[j * d + c];
        vals[p] += s;
      }
    }
    return vals;
  },

  denseCsrT(a, b, out) {
    assertShape(a.cols === b.cols, "denseCsrT", a, b);
    const c = outMatrix("denseCsrT", out, a.rows, b.rows);
    requireNoOverlap("denseCsrT", c.data, "out", a.data, "A");
    for (let i = 0; i < a.rows; i++) {
      for (let j = 0; j < b.rows; j++) {
        let s = 0;
        for (let p = b.indptr[j]; p < b.indptr[j + 1]; p++)
          s += a.data[i * a.cols + b.indices[p]] * b.values[p];
        c.data[i * b.rows + j] = s;
      }
    }
    return c;
  },

  rowTopK(a, k): TopK {
    checkTopK(a, k);
    const indices = new Int32Array(a.rows * k);
    const values = new Float32Array(a.rows * k);
    const order = Array.from({ length: a.cols }, (_, j) => j);
    for (let i = 0; i < a.rows; i++) {
      const row = a.row(i);
      order.sort((x, y) => rankOrder(row[x], x, row[y], y));
      for (let t = 0; t < k; t++) {
        indices[i * k + t] = order[t];
        values[i * k + t] = row[order[t]];
      }
      for (let j = 0; j < a.cols; j++) order[j] = j;
    }
    return { rows: a.rows, k, indices, values };
  },

  softmaxRows(a, out) {
    const c = outMatrix("softmaxRows", out, a.rows, a.cols);
    for (let i = 0; i < a.rows; i++) {
      const x = a.row(i);
      const y = c.row(i);
      let mx = -Infinity;
      for (let j = 0; j < x.length; j++) if (x[j] > mx) mx = x[j];
      let s = 0;
      for (let j = 0; j < x.length; j++) {
        const e = Math.exp(x[j] - mx);
        y[j] = e;
        s += e;
      }
      for (let j = 0; j < x.length; j++) y[j] /= s;
    }
    return c;
  },

  logSoftmaxRows(a, out) {
    const c = outMatrix("logSoftmaxRows", out, a.rows, a.cols);
    for (let i = 0; i < a.rows; i++) {
      const x = a.row(i);
      const y = c.row(i);
      let mx = -Infinity;
      for (let j = 0; j < x.length; j++) if (x[j] > mx) mx = x[j];
      let s = 0;
      for (let j = 0; j < x.length; j++) s += Math.exp(x[j] - mx);
      const lse = mx + Math.log(s);
      for (let j = 0; j < x.length; j++) y[j] = x[j] - lse;
    }
    return c;
  },

  axpby(alpha, x, beta, y, out) {
    sameShape("axpby", x, y);
    const c = outMatrix("axpby", out, x.rows, x.cols);
    for (let t = 0; t < x.data.length; t++) c.data[t] = alpha * x.data[t] + beta * y.data[t];
    return c;
  },

  mul(x, y, out) {
    sameShape("mul", x, y);
    const c = outMatrix("mul", out, x.rows, x.cols);
    for (let t = 0; t < x.data.length; t++) c.data[t] = x.data[t] * y.data[t];
    return c;
  },

  addRowVector(a, v, out) {
    vectorAlong("addRowVector", a, v, "cols");
    const c = outMatrix("addRowVector", out, a.rows, a.cols);
    for (let i = 0; i < a.rows; i++)
      for (let j = 0; j < a.cols; j++) c.data[i * a.cols + j] = a.data[i * a.cols + j] + v[j];
    return c;
  },

  relu(a, out) {
    const c = outMatrix("relu", out, a.rows, a.cols);
    for (let t = 0; t < a.data.length; t++) c.data[t] = a.data[t] > 0 ? a.data[t] : 0;
    return c;
  },

  gelu(a, tanh, out) {
    const c = outMatrix("gelu", out, a.rows, a.cols);
    geluShapes("gelu", a, tanh);
    const x = a.data;
    for (let t = 0; t < x.length; t++) {
      const v = x[t];
      tanh[t] = Math.tanh(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
      c.data[t] = 0.5 * v * (1 + tanh[t]);
    }
    return c;
  },

  geluGrad(a, tanh, g, gx) {
    geluShapes("geluGrad", a, tanh, g, gx);
    const x = a.data;
    for (let t = 0; t < x.length; t++) {
      const v = x[t];
      const h = tanh[t];
      const d = 0.5 * (1 + h) + 0.5 * v * (1 - h * h) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * v * v);
      gx.data[t] += g.data[t] * d;
    }
  },

  causalSoftmax(p) {
    causalShapes("causalSoftmax", p, []);
    const n = p.rows;
    const pd = p.data;
    for (let i = 0; i < n; i++) {
      const ro = i * n;
      let mx = -Infinity;
      for (let j = 0; j <= i; j++) if (pd[ro + j] > mx) mx = pd[ro + j];
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const e = Math.exp(pd[ro + j] - mx);
        pd[ro + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j <= i; j++) pd[ro + j] *= inv;
      for (let j = i + 1; j < n; j++) pd[ro + j] = 0;
    }
  },

  causalSoftmaxGrad(dp, p, dropped, keep, scale) {
    causalShapes("causalSoftmaxGrad", p, [dp, dropped]);
    const n = p.rows;
    const g = dp.data;
    const pv = p.data;
    const dv = dropped?.data;
    for (let i = 0; i < n; i++) {
      const ro = i * n;
      if (dv) for (let j = 0; j <= i; j++) g[ro + j] = dv[ro + j] !== 0 ? g[ro + j] * keep : 0;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += g[ro + j] * pv[ro + j];
      for (let j = 0; j <= i; j++) g[ro + j] = pv[ro + j] * (g[ro + j] - dot) * scale;
      for (let j = i + 1; j < n; j++) g[ro + j] = 0;
    }
  },

  layerNormRows(x, gain, bias, eps, y, xhat, rstd) {
    layerNormShapes("layerNormRows", x, gain, rstd, [y, xhat], bias);
    const { rows, cols } = x;
    const xv = x.data;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let mean = 0;
      for (let j = 0; j < cols; j++) mean += xv[o + j];
      mean /= cols;
      let v = 0;
      for (let j = 0; j < cols; j++) v += (xv[o + j] - mean) ** 2;
      const rs = 1 / Math.sqrt(v / cols + eps);
      rstd[i] = rs;
      for (let j = 0; j < cols; j++) {
        const h = (xv[o + j] - mean) * rs;
        xhat.data[o + j] = h;
        y.data[o + j] = h * gain[j] + bias[j];
      }
    }
  },

  layerNormRowsGrad(dy, gain, xhat, rstd, dx) {
    layerNormShapes("layerNormRowsGrad", dy, gain, rstd, [xhat, dx]);
    const { rows, cols } = dy;
    const g = dy.data;
    const h = xhat.data;
    for (let i = 0; i < rows; i++) {
      const o = i * cols;
      let s1 = 0;
      let s2 = 0;
      for (let j = 0; j < cols; j++) {
        const d = g[o + j] * gain[j];
        s1 += d;
        s2 += d * h[o + j];
      }
      s1 /= cols;
      s2 /= cols;
      for (let j = 0; j < cols; j++) dx.data[o + j] += rstd[i] * (g[o + j] * gain[j] - s1 - h[o + j] * s2);
    }
  },

  sumRows(a, out) {
    const r = outVector("sumRows", out, a.rows);
    for (let i = 0; i < a.rows; i++) {
      let s = 0;
      for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j];
      r[i] = s;
    }
    return r;
  },

  sumCols(a, out) {
    const acc = new Float64Array(a.cols);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) acc[j] += a.data[i * a.cols + j];
    const r = outVector("sumCols", out, a.cols);
    r.set(acc);
    return r;
  },

  rowNorms(a, out) {
    const r = outVector("rowNorms", out, a.rows);
    for (let i = 0; i < a.rows; i++) {
      let s = 0;
      for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j] ** 2;
      r[i] = Math.sqrt(s);
    }
    return r;
  },

  colNorms(a, out) {
    const acc = new Float64Array(a.cols);
    for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) acc[j] += a.data[i * a.cols + j] ** 2;
    const r = outVector("colNorms", out, a.cols);
    for (let j = 0; j < a.cols; j++) r[j] = Math.sqrt(acc[j]);
    return r;
  },

  sumAll(a) {
    let s = 0;
    for (let t = 0; t < a.data.length; t++) s += a.data[t];
    return s;
  },

  dot(x, y) {
    if (x.length !== y.length) throw new RangeError(`dot: length mismatch ${x.length} vs ${y.length}`);
    let s = 0;
    for (let t = 0; t < x.length; t++) s += x[t] * y[t];
    return s;
  },

  adamUpdate(param, grad, m, v, h: AdamStep) {
    checkAdam(param, grad, m, v, h.step);
    const n = param.length;
    const bc1 = 1 - h.beta1 ** h.step;
    const bc2 = 1 - h.beta2 ** h.step;
    for (let t = 0; t < n; t++) {
      let g = grad[t];
      if (!h.decoupled && h.weightDecay !== 0) g += h.weightDecay * param[t];
      m[t] = h.beta1 * m[t] + (1 - h.beta1) * g;
      v[t] = h.beta2 * v[t] + (1 - h.beta2) * g * g;
      const upd = m[t] / bc1 / (Math.sqrt(v[t] / bc2) + h.eps);
      param[t] -= h.lr * (upd + (h.decoupled ? h.weightDecay * param[t] : 0));
    }
  },

  spdInverseInPlace(a) {
    a.data.set(referenceKernels.spdInverse(a).data);
    return a;
  },

  spdInverse(a) {
    const n = a.rows;
    const l = cholesky("spdInverse", a);
    const inv = new Matrix(n, n);
    const col = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      col.fill(0);
      col[j] = 1;
      choleskySolveColumn(l, n, col);
      for (let i = 0; i < n; i++) inv.data[i * n + j] = col[i];
    }
    return inv;
  },

  spdSolve(a, b) {
    assertShape(a.rows === b.rows, "spdSolve", a, b);
    const n = a.rows;
    const l = cholesky("spdSolve", a);
    const x = new Matrix(n, b.cols);
    const col = new Float64Array(n);
    for (let j = 0; j < b.cols; j++) {
      for (let i = 0; i < n; i++) col[i] = b.data[i * b.cols + j];
      choleskySolveColumn(l, n, col);
      for (let i = 0; i < n; i++) x.data[i * b.cols + j] = col[i];
    }
    return x;
  },
};
