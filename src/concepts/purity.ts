import type { Csr } from "../tensor/csr.js";
import { type TopItems, topItemsOf } from "./activations.js";

/** The K values purity is reported at (Arviv et al., Table 1). */
export const PURITY_KS = [10, 20, 50] as const;

/** Whether item `item` carries concept `concept` (a stored, positive entry of the items x concepts Csr). */
export function hasConcept(concepts: Csr, item: number, concept: number): boolean {
  let lo = concepts.indptr[item];
  let hi = concepts.indptr[item + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = concepts.indices[mid];
    if (c === concept) return concepts.values[mid] > 0;
    if (c < concept) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Purity@K of a neuron for a concept: the share of its top-K activating items that carry the
 * concept,  purity = #{i in topK(n) : c(i, t) > 0} / |topK(n)|,  where topK(n) holds the items with
 * z > 0 only, so |topK(n)| = min(K, support(n)). Returns 0 for a dead neuron or concept -1.
 */
export function purityAtK(top: TopItems, concepts: Csr, neuron: number, concept: number, k: number): number {
  if (concept < 0) return 0;
  if (concept >= concepts.cols)
    throw new RangeError(`purityAtK: concept ${concept} out of range [0, ${concepts.cols})`);
  const items = topItemsOf(top, neuron, k);
  if (items.length === 0) return 0;
  let hit = 0;
  for (const i of items) if (hasConcept(concepts, i, concept)) hit++;
  return hit / items.length;
}

/**
 * Purity@K as reported (labels.json scores, purity tables): defined only when the neuron fires on at
 * least K items, i.e. when its top-K list is full; undefined ("n/a") otherwise. The raw `purityAtK`
 * of a neuron with support s < K is a share over s items (a 2-item neuron scores 1 at every K), which
 * is not comparable with a share over K items and made tiny neurons look purest. `purityAtK` is still
 * what compares candidate tags of one neuron (same items for all of them).
 */
export function reportedPurityAtK(
  top: TopItems,
  concepts: Csr,
  neuron: number,
  concept: number,
  k: number,
): number | undefined {
  if (k > top.k)
    throw new RangeError(`reportedPurityAtK: asked for K = ${k} but only ${top.k} items were kept`);
  if (top.count[neuron] < k) return undefined;
  return purityAtK(top, concepts, neuron, concept, k);
}

/** Purity@K for every neuron given its assigned concept (-1: none, scored 0), one array per K. */
export function purityTable(
  top: TopItems,
  concepts: Csr,
  assigned: Int32Array,
  ks: readonly number[] = PURITY_KS,
): Map<number, Float64Array> {
  if (assigned.length !== top.neurons)
    throw new RangeError(`purityTable: ${assigned.length} assignments for ${top.neurons} neurons`);
  const out = new Map<number, Float64Array>();
  for (const k of ks) {
    const col = new Float64Array(top.neurons);
    for (let n = 0; n < top.neurons; n++) col[n] = purityAtK(top, concepts, n, assigned[n], k);
    out.set(k, col);
  }
  return out;
}

/** Share of items carrying each concept, #{i : c(i, t) > 0} / items: the purity of a random item list. */
export function conceptBaseRates(concepts: Csr): Float64Array {
  const out = new Float64Array(concepts.cols);
  for (let p = 0; p < concepts.values.length; p++) if (concepts.values[p] > 0) out[concepts.indices[p]]++;
  for (let t = 0; t < out.length; t++) out[t] /= Math.max(1, concepts.rows);
  return out;
}

/**
 * Popularity percentile of each item from its interaction count, by mid-rank: with r_i the average
 * 1-based ascending rank of item i among tied counts, pct_i = (r_i - 1) / (items - 1), so the least
 * popular item gets 0, the most popular 1, and tied items share a value (0.5 for everyone when all
 * counts are equal; 1 for a single item). Throws on negative or non-finite counts.
 */
export function popularityPercentiles(counts: ArrayLike<number>): Float64Array {
  const n = counts.length;
  for (let i = 0; i < n; i++) {
    if (!(counts[i] >= 0) || counts[i] === Infinity)
      throw new RangeError(`popularity: count of item ${i} is ${counts[i]}; counts must be finite and >= 0`);
  }
  const out = new Float64Array(n);
  if (n === 1) out[0] = 1;
  if (n <= 1) return out;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => counts[a] - counts[b] || a - b);
  for (let s = 0; s < n;) {
    let e = s;
    while (e + 1 < n && counts[order[e + 1]] === counts[order[s]]) e++;
    const pct = (s + e) / 2 / (n - 1);
    for (let r = s; r <= e; r++) out[order[r]] = pct;
    s = e + 1;
  }
  return out;
}

/**
 * Popularity score of each neuron: the mean popularity percentile of its top-K activating items
 * (0 for a dead neuron). A score near 1 marks a popularity neuron (Arviv et al.), one that fires on
 * blockbusters whatever their genre; ~0.5 is what a random item list scores.
 */
export function popularityScores(top: TopItems, percentiles: Float64Array, k: number): Float64Array {
  const out = new Float64Array(top.neurons);
  for (let n = 0; n < top.neurons; n++) {
    const items = topItemsOf(top, n, k);
    if (items.length === 0) continue;
    let s = 0;
    for (const i of items) {
      if (i >= percentiles.length)
        throw new RangeError(
          `popularityScores: item ${i} has no popularity (only ${percentiles.length} items)`,
        );
      s += percentiles[i];
    }
    out[n] = s / items.length;
  }
  return out;
}
