/**
 * Steering frontiers: segment share of the top-k against the accuracy kept (metric at the strength /
 * metric unsteered), one point per strength, joined by straight segments in strength order.
 */

/** One point of a frontier. */
export interface FrontierPoint {
  /** Accuracy kept, e.g. Recall@20 at this strength over Recall@20 unsteered. */
  readonly kept: number;
  /** Target-segment share of the top-k. */
  readonly share: number;
}

/**
 * The highest share curve `x` reaches while keeping at least `minKept` of the accuracy: the maximum
 * of the share over the piecewise-linear curve (its points in order, straight segments between
 * consecutive ones) restricted to kept >= minKept. -Infinity when no part of the curve keeps that much.
 */
export function bestShareAtKept(x: readonly FrontierPoint[], minKept: number): number {
  let best = -Infinity;
  x.forEach((p, q) => {
    if (!(Number.isFinite(p.kept) && Number.isFinite(p.share)))
      throw new RangeError(`bestShareAtKept: point ${q} is (${p.kept}, ${p.share}), not finite`);
    if (p.kept >= minKept) best = Math.max(best, p.share);
    if (q === 0) return;
    const a = x[q - 1];
    // the segment crosses kept = minKept: add the interpolated point
    if ((a.kept - minKept) * (p.kept - minKept) < 0) {
      const f = (minKept - a.kept) / (p.kept - a.kept);
      best = Math.max(best, a.share + f * (p.share - a.share));
    }
  });
  return best;
}

/** Result of {@link dominates}. */
export interface Dominance {
  /** True when every point of y is matched (within the tolerance). */
  readonly dominates: boolean;
  /** min over y's points of bestShareAtKept(x, y.kept) - y.share (-Infinity when x never keeps enough). */
  readonly worstMargin: number;
  /** Index in y of the point with the worst margin. */
  readonly worstAt: number;
}

/**
 * Whether curve x dominates curve y along the frontier: for every point of y, x reaches at least
 * y's share (minus `tol`) somewhere it keeps at least y's accuracy (bestShareAtKept). A curve
 * dominates itself; y's points beyond the accuracy x ever keeps count as not matched.
 */
export function dominates(x: readonly FrontierPoint[], y: readonly FrontierPoint[], tol = 0): Dominance {
  if (y.length === 0) throw new RangeError("dominates: y has no points");
  if (!(tol >= 0)) throw new RangeError(`dominates: tol must be >= 0, got ${tol}`);
  let worstMargin = Infinity;
  let worstAt = 0;
  y.forEach((p, q) => {
    const m = bestShareAtKept(x, p.kept) - p.share;
    if (m < worstMargin) {
      worstMargin = m;
      worstAt = q;
    }
  });
  return { dominates: worstMargin >= -tol, worstMargin, worstAt };
}
