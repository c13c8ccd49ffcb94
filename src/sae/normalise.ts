import { Matrix } from "../tensor/matrix.js";
import type { NormalisationKind } from "./types.js";

/** A normalised copy of a batch plus the per-row statistics needed to undo it. */
export interface NormalisedBatch {
  x: Matrix;
  rowMean?: Float32Array;
  rowScale?: Float32Array;
}

/** Rows whose standard deviation is below this are only centred (scale 1), "per-sample-v1" only. */
const MIN_STD = 1e-8;

/** Epsilon added to the row std before dividing ("per-sample"), as SAELens's "layer_norm". */
export const LAYER_NORM_EPS = 1e-5;

/**
 * Input handling inside an SAE, always on a copy of the caller's batch:
 * - "none": x = y;
 * - "per-sample": SAELens's `normalize_activations: "layer_norm"` exactly: x_i = (y_i - m_i) /
 *   (s_i + 1e-5) with m_i the row mean and s_i the row's sample std (n - 1 denominator, as torch's
 *   `std`), undone as x_i * s_i + m_i (no epsilon, as SAELens);
 * - "per-sample-v1": reclens 0.1's standardisation (population std, no epsilon, rows with std below
 *   1e-8 only centred), kept only to read old SAE folders (SAELens cannot express it);
 * - "dataset": x = (y - mu) / c with mu the column means and c the mean norm of y - mu over a
 *   sample (so the data have unit average norm), undone with the stored mu and c.
 */
export class InputNormaliser {
  /** Dataset column means (dIn; zeros until fitted). */
  readonly mean: Float32Array;
  /** Dataset scale c as a 1-element array (1 until fitted). */
  readonly scale: Float32Array;

  /** `dIn` is the input width. */
  constructor(
    readonly kind: NormalisationKind,
    readonly dIn: number,
  ) {
    this.mean = new Float32Array(dIn);
    this.scale = new Float32Array([1]);
  }

  /** Fits the dataset statistics from a sample (no-op for other kinds). */
  fit(sample: Matrix): void {
    if (this.kind !== "dataset") return;
    check(sample, this.dIn, "InputNormaliser.fit");
    if (sample.rows === 0) throw new RangeError("InputNormaliser.fit: empty sample");
    const n = this.dIn;
    const mu = new Float64Array(n);
    for (let r = 0; r < sample.rows; r++) for (let c = 0; c < n; c++) mu[c] += sample.data[r * n + c];
    for (let c = 0; c < n; c++) mu[c] /= sample.rows;
    let normSum = 0;
    for (let r = 0; r < sample.rows; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += (sample.data[r * n + c] - mu[c]) ** 2;
      normSum += Math.sqrt(s);
    }
    const avg = normSum / sample.rows;
    this.mean.set(mu);
    this.scale[0] = avg > MIN_STD ? avg : 1;
  }

  /** A normalised copy of y (y itself is never modified). */
  apply(y: Matrix): NormalisedBatch {
    check(y, this.dIn, "InputNormaliser.apply");
    const n = this.dIn;
    const x = new Matrix(y.rows, n);
    if (this.kind === "none") {
      x.data.set(y.data);
      return { x };
    }
    if (this.kind === "dataset") {
      const inv = 1 / this.scale[0];
      for (let r = 0; r < y.rows; r++) {
        for (let c = 0; c < n; c++) x.data[r * n + c] = (y.data[r * n + c] - this.mean[c]) * inv;
      }
      return { x };
    }
    const rowMean = new Float32Array(y.rows);
    const rowScale = new Float32Array(y.rows);
    const legacy = this.kind === "per-sample-v1";
    for (let r = 0; r < y.rows; r++) {
      const off = r * n;
      let s = 0;
      for (let c = 0; c < n; c++) s += y.data[off + c];
      const mean = s / n;
      let v = 0;
      for (let c = 0; c < n; c++) v += (y.data[off + c] - mean) ** 2;
      let scale: number;
      let divisor: number;
      if (legacy) {
        const std = Math.sqrt(v / n);
        scale = std > MIN_STD ? std : 1;
        divisor = scale;
      } else {
        scale = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
        divisor = scale + LAYER_NORM_EPS;
      }
      rowMean[r] = mean;
      rowScale[r] = scale;
      for (let c = 0; c < n; c++) x.data[off + c] = (y.data[off + c] - mean) / divisor;
    }
    return { x, rowMean, rowScale };
  }

  /**
   * Maps x (normalised space) back to the caller's space IN PLACE and returns it. For the
   * per-sample kinds, rows use `rowMean`/`rowScale` (mean 0, scale 1 when absent).
   */
  undo(x: Matrix, rowMean?: Float32Array, rowScale?: Float32Array): Matrix {
    check(x, this.dIn, "InputNormaliser.undo");
    const n = this.dIn;
    if (this.kind === "dataset") {
      const c = this.scale[0];
      for (let r = 0; r < x.rows; r++)
        for (let q = 0; q < n; q++) x.data[r * n + q] = x.data[r * n + q] * c + this.mean[q];
    } else if (isPerSample(this.kind) && (rowMean || rowScale)) {
      for (let r = 0; r < x.rows; r++) {
        const m = rowMean ? rowMean[r] : 0;
        const s = rowScale ? rowScale[r] : 1;
        for (let q = 0; q < n; q++) x.data[r * n + q] = x.data[r * n + q] * s + m;
      }
    }
    return x;
  }

  /**
   * Backward of `undo`: turns a gradient with respect to the caller-space output into one with
   * respect to the normalised output, IN PLACE (d/dx = d/dy * scale).
   */
  undoBackward(dy: Matrix, rowScale?: Float32Array): Matrix {
    const n = this.dIn;
    if (this.kind === "dataset") {
      const c = this.scale[0];
      for (let t = 0; t < dy.data.length; t++) dy.data[t] *= c;
    } else if (isPerSample(this.kind) && rowScale) {
      for (let r = 0; r < dy.rows; r++) for (let q = 0; q < n; q++) dy.data[r * n + q] *= rowScale[r];
    }
    return dy;
  }
}

/** Whether a normalisation is a per-row one (rows carry their own mean and scale). */
export function isPerSample(kind: NormalisationKind): boolean {
  return kind === "per-sample" || kind === "per-sample-v1";
}

function check(m: Matrix, dIn: number, op: string): void {
  if (m.cols !== dIn) throw new RangeError(`${op}: batch is ${m.shape}, expected ${dIn} columns (dIn)`);
}

/** Column means of x (float64 accumulation). */
export function columnMean(x: Matrix): Float32Array {
  const n = x.cols;
  const acc = new Float64Array(n);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < n; c++) acc[c] += x.data[r * n + c];
  const out = new Float32Array(n);
  for (let c = 0; c < n; c++) out[c] = acc[c] / Math.max(1, x.rows);
  return out;
}

/**
 * Geometric median of the rows of x (the point minimising the sum of Euclidean distances) by
 * Weiszfeld iterations from the mean, stopping when the step is below `tol` times the mean norm.
 */
export function geometricMedian(x: Matrix, maxIter = 100, tol = 1e-6): Float32Array {
  const n = x.cols;
  const cur = Float64Array.from(columnMean(x));
  const next = new Float64Array(n);
  let scale = 0;
  for (let r = 0; r < x.rows; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += x.data[r * n + c] ** 2;
    scale += Math.sqrt(s) / x.rows;
  }
  for (let it = 0; it < maxIter; it++) {
    next.fill(0);
    let wsum = 0;
    for (let r = 0; r < x.rows; r++) {
      let d = 0;
      for (let c = 0; c < n; c++) d += (x.data[r * n + c] - cur[c]) ** 2;
      const w = 1 / Math.max(Math.sqrt(d), 1e-12);
      wsum += w;
      for (let c = 0; c < n; c++) next[c] += w * x.data[r * n + c];
    }
    let step = 0;
    for (let c = 0; c < n; c++) {
      next[c] /= wsum;
      step += (next[c] - cur[c]) ** 2;
      cur[c] = next[c];
    }
    if (Math.sqrt(step) <= tol * Math.max(scale, 1e-12)) break;
  }
  return Float32Array.from(cur);
}
