import type { Recommender } from "../models/types.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/** Users encoded per call of `encodeUsers` (bounds the memory of one batch). */
export const ENCODE_BATCH = 1024;

/**
 * Probing-site representations (rows x model.dim) of the users whose interaction rows are `rows`,
 * encoded in batches. `userIds` (aligned with `rows`) are rows of the model's training matrix;
 * without them the users are unseen (id-based models fold them in).
 */
export function encodeRows(
  model: Recommender,
  rows: Csr,
  userIds?: Int32Array,
  batchSize = ENCODE_BATCH,
): Matrix {
  if (userIds && userIds.length !== rows.rows)
    throw new RangeError(`encodeRows: ${userIds.length} user ids for ${rows.rows} rows`);
  const out = new Matrix(rows.rows, model.dim);
  for (let s = 0; s < rows.rows; s += batchSize) {
    const e = Math.min(rows.rows, s + batchSize);
    const z = model.encodeUsers({
      rows: rows.rowRange(s, e),
      ...(userIds ? { userIds: userIds.subarray(s, e) } : {}),
    });
    if (z.cols !== model.dim || z.rows !== e - s)
      throw new RangeError(
        `encodeRows: ${model.name}.encodeUsers returned ${z.shape} for ${e - s} users of width ${model.dim}`,
      );
    out.data.set(z.data, s * model.dim);
  }
  return out;
}

/**
 * The SAE training data of a model run: the representations of the training users (`train`, the
 * matrix the model was fitted on), each encoded with its training-row id (so id-based models use their learned user embeddings).
 */
export function trainingRepresentations(model: Recommender, train: Csr, batchSize = ENCODE_BATCH): Matrix {
  const ids = Int32Array.from({ length: train.rows }, (_, r) => r);
  return encodeRows(model, train, ids, batchSize);
}
