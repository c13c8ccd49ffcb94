import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import type { ItemHits, ItemIndex } from "./types.js";

/**
 * The exact item index: scores = V q (+ b) by one BLAS sgemv over the item matrix V (items x dim,
 * row-major; kernels().gemv), then a partial selection (kernels().rowTopK, a bounded heap; ties by
 * lower item id). `scoreAll` is the same call `kernels().gemm` makes for a one-row decode
 * z V^T, so its scores equal the recommender's decode bit for bit when V is the decoder's matrix.
 */
export class ExactItemIndex implements ItemIndex {
  readonly kind = "exact" as const;

  /** `items` (size x dim) is held, not copied; `bias` (length size) is added after the product. */
  constructor(
    readonly items: Matrix,
    readonly bias: Float32Array | null = null,
  ) {
    if (bias && bias.length !== items.rows)
      throw new RangeError(`ExactItemIndex: bias has ${bias.length} entries for ${items.rows} items`);
  }

  get size(): number {
    return this.items.rows;
  }

  get dim(): number {
    return this.items.cols;
  }

  /** Every item's score q . v_i + b_i (float32, into `out` when given). */
  scoreAll(query: Float32Array, out?: Float32Array): Float32Array {
    if (query.length !== this.dim)
      throw new RangeError(
        `ExactItemIndex: query has ${query.length} entries, the index is ${this.dim} wide`,
      );
    const y = out ?? new Float32Array(this.size);
    kernels().gemv(false, 1, this.items, query, 0, y);
    const b = this.bias;
    if (b) for (let i = 0; i < y.length; i++) y[i] = y[i] + b[i];
    return y;
  }

  /** {@link topK} without the promise (the serving path is synchronous). */
  topKSync(query: Float32Array, k: number, exclude?: ArrayLike<number>): ItemHits {
    return selectTop(this.scoreAll(query), k, exclude);
  }

  /** See {@link ItemIndex.topK}. */
  topK(query: Float32Array, k: number, exclude?: ArrayLike<number>): Promise<ItemHits> {
    return Promise.resolve(this.topKSync(query, k, exclude));
  }
}

/**
 * The k best entries of `scores` (mutated: excluded ids set to -Infinity), best first, ties by
 * lower id; -Infinity and NaN entries are never returned.
 */
export function selectTop(scores: Float32Array, k: number, exclude?: ArrayLike<number>): ItemHits {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`topK: k must be a positive integer, got ${k}`);
  const n = scores.length;
  if (exclude)
    for (let t = 0; t < exclude.length; t++) {
      const i = exclude[t];
      if (i >= 0 && i < n) scores[i] = -Infinity;
    }
  const kk = Math.min(k, n);
  if (kk === 0) return { items: new Int32Array(0), scores: new Float32Array(0) };
  const top = kernels().rowTopK(new Matrix(1, n, scores), kk);
  let len = 0;
  while (len < kk && top.values[len] > -Infinity) len++; // stops at -Infinity and NaN
  return { items: top.indices.slice(0, len), scores: top.values.slice(0, len) };
}
