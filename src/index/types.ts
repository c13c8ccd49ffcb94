/** Items and scores of one top-k query, best first (ties: lower item id first). Never NaN. */
export interface ItemHits {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/**
 * An item index: every item is a vector v_i (and a bias b_i); a query q scores item i as
 * q . v_i + b_i and `topK` returns the k best items not in `exclude`. Steering only changes the
 * query, so one index serves every steered request. Implementations: ExactItemIndex (BLAS sgemv
 * over every item, the default) and UsearchItemIndex (approximate, usearch HNSW; catalogues past ~1M).
 */
export interface ItemIndex {
  readonly kind: "exact" | "ann";
  /** Number of items. */
  readonly size: number;
  /** Query width. */
  readonly dim: number;
  /**
   * The k best items for `query` (length dim), excluding the ids in `exclude`; shorter than k
   * only when fewer items are rankable (excluded, or scoring NaN / -Infinity).
   */
  topK(query: Float32Array, k: number, exclude?: ArrayLike<number>): Promise<ItemHits>;
}
