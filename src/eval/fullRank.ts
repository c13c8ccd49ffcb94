/**
 * The tie rule used everywhere in evaluation: item a ranks ahead of item b when its score is higher,
 * or the scores are equal and a has the lower item index. (rowTopK follows the same rule.)
 */
export function ranksAhead(scoreA: number, a: number, scoreB: number, b: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && a < b);
}

/**
 * 1-based rank of each target item in the full ranking of the candidate items of `scores` (all items
 * whose flag in `excluded` is 0, or all items when it is null), returned in the order of `targets`.
 * rank(t) = 1 + number of candidates that rank ahead of t under {@link ranksAhead}; other targets
 * count too. Targets must themselves be candidates. One pass over the items plus a binary search
 * over the sorted targets: O(items * log |targets|).
 */
export function targetRanks(
  scores: Float32Array,
  targets: ArrayLike<number>,
  excluded: Uint8Array | null,
): Int32Array {
  const t = targets.length;
  const out = new Int32Array(t);
  if (t === 0) return out;
  // targets sorted best first
  const order = Array.from({ length: t }, (_, q) => targets[q]);
  order.sort((a, b) =>
    ranksAhead(scores[a], a, scores[b], b) ? -1 : ranksAhead(scores[b], b, scores[a], a) ? 1 : 0,
  );
  const sorted = Int32Array.from(order);
  const sortedScores = Float32Array.from(order, (i) => scores[i]);
  const worst = sorted[t - 1];
  const worstScore = sortedScores[t - 1];
  // aheadCount[p]: candidates whose first target they rank ahead of is sorted[p]
  const aheadCount = new Int32Array(t);
  for (let j = 0; j < scores.length; j++) {
    if (excluded !== null && excluded[j]) continue;
    const s = scores[j];
    if (!ranksAhead(s, j, worstScore, worst)) continue;
    let lo = 0;
    let hi = t - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranksAhead(s, j, sortedScores[mid], sorted[mid])) hi = mid;
      else lo = mid + 1;
    }
    aheadCount[lo]++;
  }
  const rankOf = new Map<number, number>();
  let cum = 0;
  for (let p = 0; p < t; p++) {
    cum += aheadCount[p];
    rankOf.set(sorted[p], 1 + cum);
  }
  for (let q = 0; q < t; q++) out[q] = rankOf.get(targets[q]) as number;
  return out;
}
