import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { type NeuronActivity, type TopItems, topItemsOf, topValuesOf } from "./activations.js";

/**
 * Item vectors for similarity from metadata: the concept families side by side (items x sum of
 * concept counts), each family's row scaled to unit L2 norm first so that every family weighs the
 * same whatever its count scale (tag counts vs genre flags). The cosine of two items is then the
 * mean over families of their per-family cosines, scaled by how many families both items have.
 */
export function metadataVectors(families: readonly ItemConcepts[]): Csr {
  if (families.length === 0)
    throw new RangeError(
      "metadataVectors: no concept families (use cooccurrenceVectors when there is no metadata)",
    );
  const items = families[0].matrix.rows;
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  let offset = 0;
  for (const f of families) {
    const m = f.matrix;
    if (m.rows !== items)
      throw new RangeError(`metadataVectors: family "${f.kind}" has ${m.rows} items, expected ${items}`);
    for (let i = 0; i < items; i++) {
      let norm = 0;
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) norm += m.values[p] * m.values[p];
      if (norm === 0) continue;
      const scale = 1 / Math.sqrt(norm);
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) {
        r.push(i);
        c.push(offset + m.indices[p]);
        v.push(m.values[p] * scale);
      }
    }
    offset += m.cols;
  }
  return Csr.fromTriplets(items, offset, r, c, v);
}

/**
 * Item vectors from co-occurrence, for data without metadata: item i's vector is its column of the
 * binarised users x items interaction matrix, so cos(i, j) = |U_i & U_j| / sqrt(|U_i| |U_j|).
 */
export function cooccurrenceVectors(interactions: Csr): Csr {
  const t = interactions.transpose();
  return new Csr(t.rows, t.cols, t.indptr, t.indices, new Float32Array(t.values.length).fill(1));
}

/** Cosine similarity of rows a and b of `vectors` (0 when either row is all zero). */
export function cosineSimilarity(vectors: Csr, a: number, b: number, norms?: Float64Array): number {
  const na = norms ? norms[a] : rowNorm(vectors, a);
  const nb = norms ? norms[b] : rowNorm(vectors, b);
  if (na === 0 || nb === 0) return 0;
  const { indptr, indices, values } = vectors;
  let p = indptr[a];
  let q = indptr[b];
  const pe = indptr[a + 1];
  const qe = indptr[b + 1];
  let dot = 0;
  while (p < pe && q < qe) {
    if (indices[p] === indices[q]) dot += values[p++] * values[q++];
    else if (indices[p] < indices[q]) p++;
    else q++;
  }
  return dot / (na * nb);
}

function rowNorm(m: Csr, i: number): number {
  let s = 0;
  for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) s += m.values[p] * m.values[p];
  return Math.sqrt(s);
}

/** Monosemanticity scores of the neurons that activate on at least two items, aligned with `ids`. */
export interface MonosemanticityScores {
  readonly ids: Int32Array;
  readonly score: Float64Array;
}

/**
 * MonoSemanticity score (Pach et al. 2025) restricted to each neuron's top-N items: with a_r the
 * neuron's activation on its r-th top item min-max normalised over all items,
 *   w_r = (a_r - min_i z[i, n]) / (max_i z[i, n] - min_i z[i, n]),
 *   MS(n) = sum_{r<s} w_r w_s sim(i_r, i_s) / sum_{r<s} w_r w_s,
 * with sim the cosine of the item vectors (metadata or co-occurrence). MS is 1 when the top items
 * are identical, near the average pairwise similarity for a random neuron. Neurons with fewer than
 * two active items, or zero total weight, are left out. Cost O(neurons N^2 nnz); pair similarities
 * are memoised across neurons.
 */
export function monosemanticity(
  top: TopItems,
  activity: NeuronActivity,
  vectors: Csr,
  topN = 20,
): MonosemanticityScores {
  if (!Number.isInteger(topN) || topN < 2)
    throw new RangeError(`monosemanticity: topN must be an integer >= 2, got ${topN}`);
  if (topN > top.k)
    throw new RangeError(`monosemanticity: topN ${topN} exceeds the ${top.k} top items kept per neuron`);
  if (activity.support.length !== top.neurons)
    throw new RangeError(
      `monosemanticity: activity covers ${activity.support.length} neurons, top items ${top.neurons}`,
    );
  const norms = new Float64Array(vectors.rows);
  for (let i = 0; i < vectors.rows; i++) norms[i] = rowNorm(vectors, i);
  const memo = new Map<number, number>();
  const sim = (a: number, b: number): number => {
    const key = a < b ? a * vectors.rows + b : b * vectors.rows + a;
    let s = memo.get(key);
    if (s === undefined) {
      s = a === b ? (norms[a] > 0 ? 1 : 0) : cosineSimilarity(vectors, a, b, norms);
      memo.set(key, s);
    }
    return s;
  };
  const ids: number[] = [];
  const scores: number[] = [];
  for (let n = 0; n < top.neurons; n++) {
    const items = topItemsOf(top, n, topN);
    if (items.length < 2) continue;
    const vals = topValuesOf(top, n, topN);
    const lo = activity.min[n];
    const range = activity.max[n] - lo;
    const w = Array.from(vals, (a) => (range > 0 ? (a - lo) / range : 1));
    let num = 0;
    let den = 0;
    for (let r = 0; r < items.length; r++) {
      if (items[r] >= vectors.rows)
        throw new RangeError(`monosemanticity: item ${items[r]} has no vector (only ${vectors.rows} rows)`);
      for (let s = r + 1; s < items.length; s++) {
        const ww = w[r] * w[s];
        if (ww === 0) continue;
        num += ww * sim(items[r], items[s]);
        den += ww;
      }
    }
    if (den > 0) {
      ids.push(n);
      scores.push(num / den);
    }
  }
  return { ids: Int32Array.from(ids), score: Float64Array.from(scores) };
}
