/** A mean over users with its standard error. */
export interface MeanStderr {
  readonly mean: number;
  /** Sample standard deviation (n - 1 denominator) over sqrt(n); 0 when n < 2. */
  readonly stderr: number;
}

/** Mean and standard error of `values` (throws on an empty list: a mean of nothing is not 0). */
export function meanStderr(values: ArrayLike<number>): MeanStderr {
  const n = values.length;
  if (n === 0) throw new RangeError("meanStderr: no values");
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  if (n < 2) return { mean, stderr: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, stderr: Math.sqrt(ss / (n - 1) / n) };
}

/**
 * Gini index of non-negative counts (0: perfectly even, (n - 1) / n: all mass on one entry), using
 * G = sum_i (2i - n - 1) c_(i) / (n sum c) over counts sorted ascending, i = 1..n. 0 when all are 0.
 */
export function giniIndex(counts: ArrayLike<number>): number {
  const n = counts.length;
  const sorted = Float64Array.from(counts).sort();
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    if (!(sorted[i] >= 0)) throw new RangeError(`giniIndex: counts must be >= 0, got ${sorted[i]}`);
    total += sorted[i];
    weighted += (2 * (i + 1) - n - 1) * sorted[i];
  }
  return total === 0 ? 0 : weighted / (n * total);
}
