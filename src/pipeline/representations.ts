import { partBatch, type Recommender } from "../models/types.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/** Users encoded per call of `encodeUsers` (bounds the memory of one batch). */
export const ENCODE_BATCH = 1024;

/**
 * Probing-site representations (rows x model.dim) of the users whose interaction rows are `rows`,
 * encoded in batches. `userIds` (aligned with `rows`) are rows of the model's training matrix;
 * without them the users are unseen (id-based models fold them in). `sequences` (aligned with
 * `rows`) are the users' histories in time order, which sequential models encode.
 */
export function encodeRows(
  model: Recommender,
  rows: Csr,
  userIds?: Int32Array,
  batchSize = ENCODE_BATCH,
  sequences?: readonly Int32Array[],
): Matrix {
  if (userIds && userIds.length !== rows.rows)
    throw new RangeError(`encodeRows: ${userIds.length} user ids for ${rows.rows} rows`);
  if (sequences && sequences.length !== rows.rows)
    throw new RangeError(`encodeRows: ${sequences.length} sequences for ${rows.rows} rows`);
  if (model.sequential && !sequences)
    throw new Error(
      `encodeRows: ${model.name} is sequential and needs each user's history in time order (a leave-one-out run)`,
    );
  const part = {
    foldIn: rows,
    ...(userIds ? { userIds } : {}),
    ...(sequences ? { sequences } : {}),
  };
  const out = new Matrix(rows.rows, model.dim);
  for (let s = 0; s < rows.rows; s += batchSize) {
    const e = Math.min(rows.rows, s + batchSize);
    const z = model.encodeUsers(partBatch(part, s, e));
    if (z.cols !== model.dim || z.rows !== e - s)
      throw new RangeError(
        `encodeRows: ${model.name}.encodeUsers returned ${z.shape} for ${e - s} users of width ${model.dim}`,
      );
    out.data.set(z.data, s * model.dim);
  }
  return out;
}

/** Users of an evaluation part as the model sees them (fold-in rows, optional ids and sequences). */
export interface EncodablePart {
  readonly foldIn: Csr;
  readonly userIds?: Int32Array;
  readonly sequences?: readonly Int32Array[];
}

/** Probing-site representations of an evaluation part's users (see {@link encodeRows}). */
export function encodePart(model: Recommender, part: EncodablePart, batchSize = ENCODE_BATCH): Matrix {
  return encodeRows(model, part.foldIn, part.userIds, batchSize, part.sequences);
}

/**
 * The representations of the training users (`train`, the matrix the model was fitted on), each
 * encoded with its training-row id (so id-based models use their learned user embeddings) and, for
 * sequential models, its training sequence (the last position's state).
 */
export function trainingRepresentations(
  model: Recommender,
  train: Csr,
  batchSize = ENCODE_BATCH,
  sequences?: readonly Int32Array[],
): Matrix {
  const ids = Int32Array.from({ length: train.rows }, (_, r) => r);
  return encodeRows(model, train, ids, batchSize, sequences);
}

/** A sequential model that exposes the hidden state at every position (SASRec, GRU4Rec). */
export interface PositionEncoder extends Recommender {
  /** States at every non-padding position of each sequence's last maxLen items, sequences back to back. */
  encodePositions(sequences: readonly Int32Array[]): { states: Matrix; offsets: Int32Array };
}

/** Whether a model is sequential and gives the states of every position (RecSAE's training rows). */
export function isPositionEncoder(model: Recommender): model is PositionEncoder {
  return (
    model.sequential === true && typeof (model as Partial<PositionEncoder>).encodePositions === "function"
  );
}

/**
 * Two-tower models (MF, NCF, LightGCN): an item tower (`encodeItems`) in the probing site's space
 * and a pair scorer (`score`). Their SAE trains on user and item representations.
 */
export function isTwoTower(model: Recommender): boolean {
  return typeof model.encodeItems === "function" && typeof model.score === "function";
}

/**
 * Which rows an SAE of a model run is trained on (RecSAE: the representation just before the
 * prediction layer, of every kind the model has):
 * - "positions": sequential models, the hidden state at every non-padding position of every training
 *   sequence (its last maxLen items); the last position's state is what scores the next item;
 * - "users+items": two-tower and graph models, the training users' embeddings then every item's;
 * - "users": autoencoders (ELSA, MultVAE, EASE), the training users' representations.
 */
export type SaeRowSource = "positions" | "users+items" | "users";

/** The SAE training rows of a model run and where they come from (see {@link SaeRowSource}). */
export interface SaeTrainingRows {
  readonly rows: Matrix;
  readonly source: SaeRowSource;
  /** Training users encoded ("users", "users+items"): rows [0, users). */
  readonly users: number;
  /** Items appended after the users ("users+items"): rows [users, users + items). */
  readonly items: number;
  /** Sequence positions ("positions"): sum over training sequences of min(length, maxLen). */
  readonly positions: number;
}

/**
 * The rows an SAE trains on for a model fitted on `train` (with `trainSequences` for sequential
 * models; see {@link SaeRowSource}).
 */
export function saeTrainingRows(
  model: Recommender,
  split: { readonly train: Csr; readonly trainSequences?: readonly Int32Array[] },
  batchSize = ENCODE_BATCH,
): SaeTrainingRows {
  if (model.sequential) {
    if (!isPositionEncoder(model))
      throw new Error(`saeTrainingRows: sequential model ${model.name} has no encodePositions`);
    const seqs = split.trainSequences;
    if (!seqs)
      throw new Error(
        `saeTrainingRows: ${model.name} is sequential but the run has no training sequences (train it with --split leave-one-out)`,
      );
    if (seqs.length !== split.train.rows)
      throw new RangeError(
        `saeTrainingRows: ${seqs.length} training sequences for ${split.train.rows} training rows`,
      );
    const { states } = model.encodePositions(seqs);
    if (states.cols !== model.dim)
      throw new RangeError(
        `saeTrainingRows: ${model.name}.encodePositions gave ${states.cols} columns, dim is ${model.dim}`,
      );
    return { rows: states, source: "positions", users: 0, items: 0, positions: states.rows };
  }
  const users = trainingRepresentations(model, split.train, batchSize);
  if (!isTwoTower(model)) return { rows: users, source: "users", users: users.rows, items: 0, positions: 0 };
  const items = (model.encodeItems as () => Matrix).call(model);
  if (items.cols !== model.dim)
    throw new RangeError(
      `saeTrainingRows: ${model.name}.encodeItems gave ${items.cols} columns, dim is ${model.dim}`,
    );
  const rows = new Matrix(users.rows + items.rows, model.dim);
  rows.data.set(users.data, 0);
  rows.data.set(items.data, users.data.length);
  return { rows, source: "users+items", users: users.rows, items: items.rows, positions: 0 };
}
