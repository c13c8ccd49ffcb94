import jStat from "jstat";

/** Paired Student t-test of the differences d_i = b_i - a_i against a mean of 0 (two-sided). */
export interface PairedTTest {
  /** t = mean(d) / (sd(d) / sqrt(n)); ±Infinity when every difference is the same non-zero value. */
  readonly t: number;
  /** Degrees of freedom, n - 1. */
  readonly df: number;
  /** Two-sided p-value, 2 P(T_df >= |t|). 1 when every difference is 0. */
  readonly p: number;
}

/** Sign test over the pairs that differ (ties dropped), two-sided. */
export interface SignTest {
  /** Pairs where b > a. */
  readonly wins: number;
  /** Pairs where b < a. */
  readonly losses: number;
  /** Pairs where b = a (not counted in n). */
  readonly ties: number;
  /** wins + losses. */
  readonly n: number;
  /** Two-sided p-value of wins ~ Binomial(n, 1/2); 1 when n = 0. */
  readonly p: number;
  /** "exact" binomial for n <= {@link SIGN_TEST_EXACT_MAX}, else "normal" (with continuity correction). */
  readonly method: "exact" | "normal";
}

/** A paired comparison of b against a over the same units (users). */
export interface PairedComparison {
  /** Number of pairs. */
  readonly n: number;
  readonly meanA: number;
  readonly meanB: number;
  /** mean(b - a) (= meanB - meanA). */
  readonly meanDiff: number;
  /** Standard error of the mean difference, sd(b - a) / sqrt(n) (n - 1 denominator). */
  readonly stderr: number;
  /** meanB / meanA - 1; null when meanA is 0. */
  readonly relative: number | null;
  /** Confidence level of `ci` (e.g. 0.95). */
  readonly level: number;
  /** Student-t confidence interval of the mean difference: meanDiff ± t_{(1+level)/2, n-1} stderr. */
  readonly ci: readonly [number, number];
  readonly tTest: PairedTTest;
  readonly signTest: SignTest;
}

/** Largest n (pairs that differ) for which the sign test uses the exact binomial tail. */
export const SIGN_TEST_EXACT_MAX = 1000;

/** Two-sided p-value of a Student t statistic with `df` degrees of freedom: 2 P(T >= |t|). */
export function tTestPValue(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`tTestPValue: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) throw new RangeError("tTestPValue: t is NaN");
  return Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
}

/**
 * Two-sided sign-test p-value for `wins` against `losses` (ties already dropped): exact binomial
 * min(1, 2 P(X <= min(wins, losses))), X ~ Bin(n, 1/2), for n <= {@link SIGN_TEST_EXACT_MAX};
 * above, the normal approximation with continuity correction, z = (|wins - losses| - 1) / sqrt(n).
 */
export function signTestPValue(wins: number, losses: number): { p: number; method: "exact" | "normal" } {
  for (const [name, v] of [
    ["wins", wins],
    ["losses", losses],
  ] as const)
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`signTestPValue: ${name} must be a non-negative integer, got ${v}`);
  const n = wins + losses;
  if (n === 0) return { p: 1, method: "exact" };
  if (n <= SIGN_TEST_EXACT_MAX)
    return { p: Math.min(1, 2 * jStat.binomial.cdf(Math.min(wins, losses), n, 0.5)), method: "exact" };
  const z = Math.max(0, Math.abs(wins - losses) - 1) / Math.sqrt(n);
  return { p: Math.min(1, 2 * jStat.normal.cdf(-z, 0, 1)), method: "normal" };
}

/**
 * Paired comparison of `b` against `a` (same length, pair i = the same user): mean of each, mean
 * difference b - a with its standard error, paired t-test (two-sided), Student-t confidence interval
 * at `level` (default 0.95) and the sign test. Needs at least 2 pairs and finite values.
 */
export function pairedComparison(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: { readonly level?: number } = {},
): PairedComparison {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`pairedComparison: ${n} values in a but ${b.length} in b`);
  if (n < 2) throw new RangeError(`pairedComparison: needs at least 2 pairs, got ${n}`);
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1))
    throw new RangeError(`pairedComparison: level must be in (0, 1), got ${level}`);
  let sa = 0;
  let sb = 0;
  let sd = 0;
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i]))
      throw new RangeError(`pairedComparison: pair ${i} is not finite (a ${a[i]}, b ${b[i]})`);
    sa += a[i];
    sb += b[i];
    sd += b[i] - a[i];
    if (b[i] > a[i]) wins++;
    else if (b[i] < a[i]) losses++;
  }
  const meanA = sa / n;
  const meanB = sb / n;
  const meanDiff = sd / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (b[i] - a[i] - meanDiff) ** 2;
  const stderr = Math.sqrt(ss / (n - 1) / n);
  const df = n - 1;
  let t: number;
  let p: number;
  if (stderr > 0) {
    t = meanDiff / stderr;
    p = tTestPValue(t, df);
  } else {
    // Every difference equals meanDiff: no spread. All zero is no evidence; a constant shift is certain.
    t = meanDiff === 0 ? 0 : meanDiff > 0 ? Infinity : -Infinity;
    p = meanDiff === 0 ? 1 : 0;
  }
  const half = jStat.studentt.inv((1 + level) / 2, df) * stderr;
  const sign = signTestPValue(wins, losses);
  return {
    n,
    meanA,
    meanB,
    meanDiff,
    stderr,
    relative: meanA === 0 ? null : meanB / meanA - 1,
    level,
    ci: [meanDiff - half, meanDiff + half],
    tTest: { t, df, p },
    signTest: { wins, losses, ties: n - wins - losses, n: wins + losses, ...sign },
  };
}
