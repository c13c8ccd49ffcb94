import type { TopK } from "../tensor/kernels/types.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";

/**
 * Masks already-seen items in place: every item stored in row u of `seen` gets -Infinity in row u
 * of `scores`. NaN scores (which a healthy model never produces) are also set to -Infinity so a
 * ranking never contains NaN. Returns `scores`.
 */
export function maskSeen(scores: Matrix, seen: Csr): Matrix {
  if (scores.rows !== seen.rows || scores.cols !== seen.cols) {
    throw new RangeError(`maskSeen: scores are ${scores.shape} but the seen matrix is ${seen.shape}`);
  }
  maskNaN(scores);
  const d = scores.data;
  for (let u = 0; u < seen.rows; u++) {
    const off = u * scores.cols;
    for (let p = seen.indptr[u]; p < seen.indptr[u + 1]; p++) d[off + seen.indices[p]] = -Infinity;
  }
  return scores;
}

/** Sets every NaN score to -Infinity in place, so a ranking never contains NaN. Returns `scores`. */
export function maskNaN(scores: Matrix): Matrix {
  const d = scores.data;
  for (let t = 0; t < d.length; t++) if (d[t] !== d[t]) d[t] = -Infinity;
  return scores;
}

/** Top-k unseen items per row (ties: lower item index first). Mutates `scores` (masks seen items). */
export function topKUnseen(scores: Matrix, seen: Csr, k: number): TopK {
  return kernels().rowTopK(maskSeen(scores, seen), Math.min(k, scores.cols));
}
