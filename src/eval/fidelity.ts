/**
 * Agreement between two rankings (e.g. recommendations before and after an SAE is spliced in).
 * Lists are item ids, best first, without duplicates.
 */

function checkList(op: string, name: string, list: ArrayLike<number>): void {
  const seen = new Set<number>();
  for (let i = 0; i < list.length; i++) {
    if (seen.has(list[i]))
      throw new RangeError(`${op}: list ${name} repeats item ${list[i]} at position ${i}`);
    seen.add(list[i]);
  }
}

/**
 * Extrapolated rank-biased overlap RBO_ext (Webber, Moffat & Zobel 2010, eq. 32) of two finite
 * lists, persistence `p` in (0, 1) (default 0.9). Lists may differ in length: with s <= l,
 * RBO_ext = (1-p)/p [sum_{d=1..l} X_d/d p^d + sum_{d=s+1..l} X_s (d-s)/(s d) p^d]
 *           + [(X_l - X_s)/l + X_s/s] p^l,
 * X_d = |S[:d] ∩ L[:d]|. 1 for identical lists, 0 for disjoint ones; 1 when both are empty, 0
 * when exactly one is.
 */
export function rankBiasedOverlap(a: ArrayLike<number>, b: ArrayLike<number>, p = 0.9): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`rankBiasedOverlap: p must be in (0, 1), got ${p}`);
  checkList("rankBiasedOverlap", "a", a);
  checkList("rankBiasedOverlap", "b", b);
  const [S, L] = a.length <= b.length ? [a, b] : [b, a];
  const s = S.length;
  const l = L.length;
  if (l === 0) return 1;
  if (s === 0) return 0;
  const inS = new Set<number>();
  const inL = new Set<number>();
  let overlap = 0;
  let sum = 0;
  let xs = 0;
  let pd = 1;
  for (let d = 1; d <= l; d++) {
    pd *= p;
    const y = L[d - 1];
    if (d <= s) {
      const x = S[d - 1];
      if (x === y) overlap++;
      else {
        if (inL.has(x)) overlap++;
        if (inS.has(y)) overlap++;
      }
      inS.add(x);
      inL.add(y);
      if (d === s) xs = overlap;
    } else {
      if (inS.has(y)) overlap++;
      sum += ((xs * (d - s)) / (s * d)) * pd;
    }
    sum += (overlap / d) * pd;
  }
  return ((1 - p) / p) * sum + ((overlap - xs) / l + xs / s) * pd;
}

/**
 * Kendall tau-b of paired values (ties allowed in either): (nc - nd) / sqrt((n0 - n1)(n0 - n2)),
 * n0 = n(n-1)/2, n1/n2 = pairs tied in x/y. O(n^2), meant for top-N lists. When the denominator is 0
 * (fewer than two items, or all values tied in one of the inputs) it returns 1 if x and y order
 * every pair identically (including no pairs at all) and 0 otherwise.
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (y.length !== n) throw new RangeError(`kendallTauB: ${n} x values but ${y.length} y values`);
  let nc = 0;
  let nd = 0;
  let tx = 0;
  let ty = 0;
  let mixed = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tx++;
      if (dy === 0) ty++;
      if (dx !== dy) mixed++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) nc++;
        else nd++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const den = Math.sqrt((n0 - tx) * (n0 - ty));
  if (den === 0) return mixed === 0 ? 1 : 0;
  return (nc - nd) / den;
}

/**
 * Kendall tau-b between two top-N lists over the union of their items. Each list gives its items
 * ranks 1..len; an item missing from a list is placed below all of that list's items, every
 * missing item tied at rank len + 1 (the "ties at the bottom" variant, so missing items are tied
 * pairs in that list). Identical lists give 1, a list against its reverse -1.
 */
export function kendallTauTopN(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkList("kendallTauTopN", "a", a);
  checkList("kendallTauTopN", "b", b);
  const items = Array.from(new Set([...Array.from(a), ...Array.from(b)]));
  const rankIn = (list: ArrayLike<number>): Map<number, number> => {
    const m = new Map<number, number>();
    for (let i = 0; i < list.length; i++) m.set(list[i], i + 1);
    return m;
  };
  const ra = rankIn(a);
  const rb = rankIn(b);
  const x = items.map((i) => ra.get(i) ?? a.length + 1);
  const y = items.map((i) => rb.get(i) ?? b.length + 1);
  return kendallTauB(x, y);
}
