import { Csr } from "../tensor/csr.js";
import { assertShape, type Matrix } from "../tensor/matrix.js";

/**
 * Reconstruction and sparsity metrics of sparse autoencoders. `x` is the input batch, `xHat` its
 * reconstruction (same shape); codes are rows x latents, dense (a Matrix, active = non-zero) or
 * sparse (a Csr, active = stored non-zero value).
 */

/**
 * Fraction of variance explained, 1 - SSE/SST, SSE = sum (x - xHat)^2, SST = sum (x - mean_col)^2
 * with each dimension's mean over the rows of x. Throws when SST is 0 (no variance to explain).
 */
export function fractionVarianceExplained(x: Matrix, xHat: Matrix): number {
  assertShape(x.rows === xHat.rows && x.cols === xHat.cols, "fractionVarianceExplained", x, xHat);
  const { rows, cols } = x;
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += x.data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = x.data[i * cols + j];
      sse += (v - xHat.data[i * cols + j]) ** 2;
      sst += (v - mean[j]) ** 2;
    }
  }
  if (!(sst > 0)) throw new RangeError(`fractionVarianceExplained: input has no variance (${x.shape})`);
  return 1 - sse / sst;
}

/** Mean squared error over all elements. */
export function meanSquaredError(x: Matrix, xHat: Matrix): number {
  assertShape(x.rows === xHat.rows && x.cols === xHat.cols, "meanSquaredError", x, xHat);
  if (x.size === 0) throw new RangeError("meanSquaredError: empty input");
  let s = 0;
  for (let i = 0; i < x.size; i++) s += (x.data[i] - xHat.data[i]) ** 2;
  return s / x.size;
}

/**
 * Mean over rows of the cosine similarity between x's row and xHat's row. A pair of zero rows
 * counts as 1, one zero row against a non-zero one as 0.
 */
export function meanCosineSimilarity(x: Matrix, xHat: Matrix): number {
  assertShape(x.rows === xHat.rows && x.cols === xHat.cols, "meanCosineSimilarity", x, xHat);
  if (x.rows === 0) throw new RangeError("meanCosineSimilarity: no rows");
  let total = 0;
  for (let i = 0; i < x.rows; i++) {
    const a = x.row(i);
    const b = xHat.row(i);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < a.length; j++) {
      dot += a[j] * b[j];
      na += a[j] * a[j];
      nb += b[j] * b[j];
    }
    total += na === 0 && nb === 0 ? 1 : na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  }
  return total / x.rows;
}

/**
 * Accumulates latent activity over batches of codes: per-latent firing counts and total L0, so
 * dead latents and firing rates can be measured over a whole data set.
 */
export class LatentActivity {
  /** Number of latents. */
  readonly latents: number;
  /** Rows in which each latent was active. */
  readonly fires: Float64Array;
  private rowsSeen = 0;
  private activeTotal = 0;

  /** Starts empty for codes with `latents` columns. */
  constructor(latents: number) {
    if (!Number.isInteger(latents) || latents < 1)
      throw new RangeError(`LatentActivity: latents must be a positive integer, got ${latents}`);
    this.latents = latents;
    this.fires = new Float64Array(latents);
  }

  /** Adds a batch of codes (rows x latents). */
  add(codes: Matrix | Csr): this {
    if (codes.cols !== this.latents)
      throw new RangeError(`LatentActivity.add: codes have ${codes.cols} latents, expected ${this.latents}`);
    if (codes instanceof Csr) {
      for (let p = 0; p < codes.nnz; p++) {
        if (codes.values[p] !== 0) {
          this.fires[codes.indices[p]]++;
          this.activeTotal++;
        }
      }
    } else {
      for (let i = 0; i < codes.size; i++) {
        if (codes.data[i] !== 0) {
          this.fires[i % this.latents]++;
          this.activeTotal++;
        }
      }
    }
    this.rowsSeen += codes.rows;
    return this;
  }

  /** Rows added so far. */
  get rows(): number {
    return this.rowsSeen;
  }

  /** Mean number of active latents per row. */
  meanL0(): number {
    this.requireRows("meanL0");
    return this.activeTotal / this.rowsSeen;
  }

  /** Share of rows in which each latent fired. */
  firingRates(): Float64Array {
    this.requireRows("firingRates");
    return this.fires.map((f) => f / this.rowsSeen);
  }

  /** Share of latents that never fired on any row added. */
  deadFraction(): number {
    this.requireRows("deadFraction");
    let dead = 0;
    for (const f of this.fires) dead += f === 0 ? 1 : 0;
    return dead / this.latents;
  }

  private requireRows(op: string): void {
    if (this.rowsSeen === 0) throw new RangeError(`LatentActivity.${op}: no codes added`);
  }
}

/** Mean L0 (active latents per row) of one batch of codes. */
export function meanL0(codes: Matrix | Csr): number {
  return new LatentActivity(codes.cols).add(codes).meanL0();
}

/** Share of latents never active in `codes`. */
export function deadFraction(codes: Matrix | Csr): number {
  return new LatentActivity(codes.cols).add(codes).deadFraction();
}

/** Share of rows in which each latent is active. */
export function firingRates(codes: Matrix | Csr): Float64Array {
  return new LatentActivity(codes.cols).add(codes).firingRates();
}
