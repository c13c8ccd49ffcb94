import type { Recommender, UserBatch } from "../models/types.js";
import type { TopNLists } from "../nested/nested-rank.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { selectTop } from "./exact.js";
import { linearServingView, type LinearServingView } from "./linear-view.js";
import { LruCache } from "./lru.js";
import type { ItemHits } from "./types.js";
import { rankCandidates, type UsearchItemIndex } from "./usearch.js";

/** Unsteered lists kept per model (users x settings), least recently used evicted. */
export const UNSTEERED_CACHE_SIZE = 10_000;

/** What makes a cached unsteered list reusable besides the user: the settings it was ranked under. */
export interface ListVariant {
  /** Distinguishes representations that depend on more than the user (e.g. the SAE, without addError). */
  readonly tag: string;
  readonly excludeSeen: boolean;
}

interface CachedList {
  readonly n: number;
  readonly hits: ItemHits;
}

/**
 * The serving side of a linear recommender: its exact item index (one sgemv per query), the
 * decoder's batch term, and an LRU cache of unsteered lists per user. Built once per model by
 * {@link servingIndexOf}. With an ANN index attached ({@link useAnn}) the top-n lists come from its
 * candidates, re-scored exactly; full score vectors (`scores`) stay exact.
 */
export class ServingIndex {
  private readonly cache: LruCache<CachedList>;
  private annIndex: UsearchItemIndex | null = null;
  /**
   * Score buffer of rankRow, reused: a fresh 400 KB Float32Array per request at 100k items cost
   * ~0.13 ms of page faults and zeroing (3% of the request) that the sgemv overwrites anyway.
   */
  private scratch: Float32Array | null = null;

  constructor(
    readonly view: LinearServingView,
    cacheSize = UNSTEERED_CACHE_SIZE,
  ) {
    this.cache = new LruCache(cacheSize);
  }

  /** The attached ANN index, or null (exact ranking). */
  get ann(): UsearchItemIndex | null {
    return this.annIndex;
  }

  /**
   * Ranks top-n lists through `ann` (built over this view's item matrix and bias) from now on, or
   * exactly again with null. Drops the cached lists.
   */
  useAnn(ann: UsearchItemIndex | null): void {
    const idx = this.view.index;
    if (ann && (ann.items !== idx.items || ann.bias !== idx.bias))
      throw new RangeError("ServingIndex.useAnn: the ANN index was opened over other item vectors");
    this.annIndex = ann;
    this.cache.clear();
  }

  /** Cached unsteered lists. */
  get cachedLists(): number {
    return this.cache.size;
  }

  /** Full scores of each row of `rep` (users x dim): equal to model.decode(rep, batch) row by row. */
  scores(rep: Matrix, batch: UserBatch): Matrix {
    const idx = this.view.index;
    const out = new Matrix(rep.rows, idx.size);
    for (let r = 0; r < rep.rows; r++) {
      const y = out.data.subarray(r * idx.size, (r + 1) * idx.size);
      idx.scoreAll(rep.row(r), y);
      this.addSeenTerm(y, batch.rows, r);
    }
    return out;
  }

  /**
   * Top-n of each row of `rep`, the items of row r of `seen` excluded (when given), as
   * topNUnseen(model.decode(rep, batch), seen, n) lists them. With `variant`, row r's list is read
   * from (or stored in) the unsteered cache under the row's user (see {@link userKey}).
   */
  topN(rep: Matrix, batch: UserBatch, seen: Csr | null, n: number, variant?: ListVariant): TopNLists {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`topN: n must be a positive integer, got ${n}`);
    const k = Math.min(n, this.view.index.size);
    const indices = new Int32Array(rep.rows * k);
    const scores = new Float32Array(rep.rows * k);
    const lengths = new Int32Array(rep.rows);
    for (let r = 0; r < rep.rows; r++) {
      const key = variant ? `${userKey(batch, r)}|${variant.tag}|${variant.excludeSeen ? 1 : 0}` : null;
      let hits = key ? this.lookup(key, k) : undefined;
      if (!hits) {
        hits = this.rankRow(rep.row(r), batch.rows, r, seen, k);
        if (key) this.cache.set(key, { n: k, hits });
      }
      indices.set(hits.items, r * k);
      scores.set(hits.scores, r * k);
      lengths[r] = hits.items.length;
    }
    return { rows: rep.rows, n: k, indices, scores, lengths };
  }

  /** Drops the cached lists of the model user `userId` (e.g. after their history changed); returns how many. */
  invalidateUser(userId: number): number {
    return this.cache.deletePrefix(`u${userId}|`);
  }

  /** Drops every cached list. */
  clearCache(): void {
    this.cache.clear();
  }

  private lookup(key: string, k: number): ItemHits | undefined {
    const c = this.cache.get(key);
    if (!c) return undefined;
    if (c.n >= k) return { items: c.hits.items.subarray(0, k), scores: c.hits.scores.subarray(0, k) };
    return c.hits.items.length < c.n ? c.hits : undefined; // a short list holds every rankable item
  }

  private rankRow(q: Float32Array, rows: Csr, r: number, seen: Csr | null, k: number): ItemHits {
    if (this.annIndex) return this.rankRowAnn(this.annIndex, q, rows, r, seen, k);
    // selectTop copies what it returns, so the buffer is free again once this call ends.
    this.scratch ??= new Float32Array(this.view.index.size);
    const y = this.view.index.scoreAll(q, this.scratch);
    if (seen) return selectTop(y, k, seen.indices.subarray(seen.indptr[r], seen.indptr[r + 1]));
    this.addSeenTerm(y, rows, r);
    return selectTop(y, k);
  }

  /**
   * The ANN version of rankRow: the k + |seen| (or k + |row|, when the row's own interactions
   * lower their scores) best candidates, re-scored exactly, so excluded or lowered items cannot
   * crowd the list out.
   */
  private rankRowAnn(
    ann: UsearchItemIndex,
    q: Float32Array,
    rows: Csr,
    r: number,
    seen: Csr | null,
    k: number,
  ): ItemHits {
    if (seen) {
      const ex = seen.indices.subarray(seen.indptr[r], seen.indptr[r + 1]);
      const ids = ann.candidates(q, k + ex.length);
      return rankCandidates(ids, ann.rescore(q, ids), k, new Set(ex));
    }
    const lowered = this.view.seenCoef === 0 ? 0 : rows.indptr[r + 1] - rows.indptr[r];
    const ids = ann.candidates(q, k + lowered);
    const y = ann.rescore(q, ids);
    if (lowered > 0) {
      const pos = new Map<number, number>();
      ids.forEach((i, t) => pos.set(i, t));
      for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) {
        const t = pos.get(rows.indices[p]);
        if (t !== undefined) y[t] -= rows.values[p];
      }
    }
    return rankCandidates(ids, y, k, null);
  }

  private addSeenTerm(y: Float32Array, rows: Csr, r: number): void {
    if (this.view.seenCoef === 0) return;
    for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) y[rows.indices[p]] -= rows.values[p];
  }
}

/**
 * Identity of row r's user for the unsteered cache: the model user id (when the batch has ids)
 * plus a hash of the row's interactions and sequence, so a changed history never hits a stale list.
 */
export function userKey(batch: UserBatch, r: number): string {
  const x = batch.rows;
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  const mix = (v: number): void => {
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h2 >>> 15);
  };
  const bits = new Int32Array(1);
  const fbits = new Float32Array(bits.buffer);
  for (let p = x.indptr[r]; p < x.indptr[r + 1]; p++) {
    mix(x.indices[p]);
    fbits[0] = x.values[p];
    mix(bits[0]);
  }
  const seq = batch.sequences?.[r];
  if (seq) {
    mix(-1);
    for (const i of seq) mix(i);
  }
  const h = `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`;
  return batch.userIds ? `u${batch.userIds[r]}|${h}` : `h${h}`;
}

const indexes = new WeakMap<Recommender, ServingIndex | null>();

/**
 * The serving index of `model` (built on first use and kept while the model lives), or null when
 * its decoder is not linear in the representation: those models keep the decode-and-rank path.
 * A model refitted in place needs {@link resetServingIndex}.
 */
export function servingIndexOf(model: Recommender): ServingIndex | null {
  let s = indexes.get(model);
  if (s === undefined) {
    const view = linearServingView(model);
    s = view ? new ServingIndex(view) : null;
    indexes.set(model, s);
  }
  return s;
}

/** Forgets the serving index (and cached lists) of `model`, e.g. after it was refitted in place. */
export function resetServingIndex(model: Recommender): void {
  indexes.delete(model);
}

/**
 * The scores serving ranks by for representations `rep` of `batch`: the item index's for linear
 * decoders, model.decode otherwise. "Why this item" explains these numbers.
 */
export function servedScores(model: Recommender, rep: Matrix, batch: UserBatch): Matrix {
  const s = rep.rows <= MAX_INDEX_ROWS ? servingIndexOf(model) : null;
  return s ? s.scores(rep, batch) : model.decode(rep, batch);
}

/**
 * Batches up to this many users are served through the item index (one sgemv each); larger ones
 * (batch tools, evaluation) keep one gemm over the batch.
 */
export const MAX_INDEX_ROWS = 16;
