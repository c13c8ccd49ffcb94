import type { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";

/** Batches the trainer can consume: sync or async, re-iterable, or a factory called once per epoch. */
export type BatchIterable = Iterable<Matrix> | AsyncIterable<Matrix>;
/** A batch iterable, or a function giving the batches of epoch `epoch` (0-based). */
export type BatchSource = BatchIterable | ((epoch: number) => BatchIterable);

/**
 * A per-epoch factory of shuffled mini-batches of the rows of `data` (copies; `data` is never
 * modified). Epoch e uses a permutation drawn from a generator seeded by (seed, e), so the same
 * seed gives the same batches. The last batch may be smaller unless `dropLast`.
 */
export function shuffledBatches(
  data: Matrix,
  batchSize: number,
  seed: number,
  dropLast = false,
): (epoch: number) => Iterable<Matrix> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`shuffledBatches: batchSize must be a positive integer, got ${batchSize}`);
  if (data.rows === 0) throw new RangeError("shuffledBatches: data has no rows");
  return function* (epoch: number) {
    const order = new Rng(seed * 7919 + epoch * 104729 + 17).permutation(data.rows);
    for (let s = 0; s < data.rows; s += batchSize) {
      const e = Math.min(data.rows, s + batchSize);
      if (dropLast && e - s < batchSize && s > 0) break;
      yield data.gatherRows(order.subarray(s, e));
    }
  };
}

/** Number of batches `shuffledBatches` yields per epoch. */
export function batchesPerEpoch(rows: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.max(1, Math.floor(rows / batchSize)) : Math.ceil(rows / batchSize);
}
