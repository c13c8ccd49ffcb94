import { maskNaN, maskSeen } from "../models/rank.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";

/**
 * Top-n lists of a batch of users: row r's list is `indices/scores[r*n .. r*n + lengths[r])`, best
 * first. Lists are shorter than n when fewer than n items are rankable (not seen, score not NaN or
 * -Infinity).
 */
export interface TopNLists {
  readonly rows: number;
  readonly n: number;
  readonly indices: Int32Array;
  readonly scores: Float32Array;
  readonly lengths: Int32Array;
}

/**
 * Top-n items of each row of `scores` (kernels().rowTopK; ties: lower item index first) after
 * setting the items stored in row r of `seen` (when given) and every NaN to -Infinity IN PLACE.
 * Items scoring -Infinity are never listed.
 */
export function topNUnseen(scores: Matrix, seen: Csr | null, n: number): TopNLists {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`topNUnseen: n must be a positive integer, got ${n}`);
  if (seen) maskSeen(scores, seen);
  else maskNaN(scores);
  const k = Math.min(n, scores.cols);
  const top = kernels().rowTopK(scores, k);
  const lengths = new Int32Array(scores.rows);
  for (let r = 0; r < scores.rows; r++) {
    let len = 0;
    while (len < k && top.values[r * k + len] !== -Infinity) len++;
    lengths[r] = len;
  }
  return { rows: scores.rows, n: k, indices: top.indices, scores: top.values, lengths };
}

/** Item ids of row r's list (a view). */
export function topNItems(lists: TopNLists, r: number): Int32Array {
  return lists.indices.subarray(r * lists.n, r * lists.n + lists.lengths[r]);
}

/** Scores of row r's list (a view). */
export function topNScores(lists: TopNLists, r: number): Float32Array {
  return lists.scores.subarray(r * lists.n, r * lists.n + lists.lengths[r]);
}
