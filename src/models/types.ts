import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";

/**
 * The users a recommender is asked about, one row each.
 *
 * - `rows` (users x items) is every user's known interaction history and is ALWAYS present.
 *   Autoencoders (EASE, ELSA, MultVAE) encode it; every consumer uses it to exclude already-seen
 *   items from rankings; id-based models fold users in from it.
 * - `userIds` (optional, aligned with `rows`) are row indices of the training matrix the model was
 *   fitted on. Id-based models (MF) then use the learned user embeddings. Without `userIds` the users
 *   are treated as unseen and id-based models fold them in from `rows` (see each model's docs).
 *   Autoencoders ignore `userIds`.
 */
export interface UserBatch {
  readonly rows: Csr;
  readonly userIds?: Int32Array;
  /**
   * Each user's history in time order (oldest first), aligned with `rows`. Sequential models
   * (SASRec, GRU4Rec) encode it and throw without it; every other model ignores it.
   */
  readonly sequences?: readonly Int32Array[];
}

/** Builds a UserBatch, checking that `userIds` (if given) has one entry per row. */
export function userBatch(rows: Csr, userIds?: ArrayLike<number>): UserBatch {
  if (userIds === undefined) return { rows };
  if (userIds.length !== rows.rows) {
    throw new RangeError(`userBatch: ${userIds.length} user ids for ${rows.rows} interaction rows`);
  }
  return { rows, userIds: userIds instanceof Int32Array ? userIds : Int32Array.from(userIds) };
}

/**
 * Rows [start, end) of an evaluation part as a batch: the fold-in rows, with the part's user ids
 * when it has them (leave-k-out parts do; held-out users are unseen and have none).
 */
export function partBatch(
  part: {
    readonly foldIn: Csr;
    readonly userIds?: Int32Array;
    readonly sequences?: readonly Int32Array[];
  },
  start: number,
  end: number,
): UserBatch {
  const rows = part.foldIn.rowRange(start, end);
  return {
    rows,
    ...(part.userIds ? { userIds: part.userIds.subarray(start, end) } : {}),
    ...(part.sequences ? { sequences: part.sequences.slice(start, end) } : {}),
  };
}

/** The training users [start, end) of `train` as a batch (rows plus their ids). */
export function trainingBatch(train: Csr, start = 0, end = train.rows): UserBatch {
  const ids = new Int32Array(end - start);
  for (let i = 0; i < ids.length; i++) ids[i] = start + i;
  return { rows: train.rowRange(start, end), userIds: ids };
}

/** Reported after every epoch. Times are in seconds; `etaSec` extrapolates the mean epoch time. */
export interface FitProgress {
  /** 1-based epoch just finished. */
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training loss over the epoch's batches. */
  readonly loss: number;
  readonly elapsedSec: number;
  readonly etaSec: number;
  /** Validation score of this epoch, when a validation callback is set. */
  readonly valScore?: number;
  /** Every metric the validation computed this epoch (e.g. recall_trunc@20 and ndcg@20), when it reports them. */
  readonly valMetrics?: Readonly<Record<string, number>>;
}

/** Early stopping: `evaluate` scores the model after each epoch (higher is better). */
export interface Validation {
  readonly evaluate: (model: Recommender) => number;
  /** The metrics of the latest `evaluate` call (shown in progress lines); optional. */
  readonly lastMetrics?: () => Readonly<Record<string, number>>;
  /** Stop after this many epochs without improvement; the best epoch's weights are restored. */
  readonly patience: number;
}

/**
 * Periodic training checkpoints (see checkpoint.ts): after every `every`-th epoch the loop state is
 * written atomically to `<dir>/state.safetensors`; with `resume`, training continues from it and
 * reaches the same weights as an uninterrupted run with the same seed.
 */
export interface CheckpointSettings {
  /** Directory of the checkpoint (e.g. `<run>/checkpoint`). */
  readonly dir: string;
  /**
   * Identity of the training (model, config, seed, split, data): a checkpoint with another key is
   * refused on resume, naming both.
   */
  readonly key: string;
  /** Continue from the checkpoint in `dir` instead of starting over. */
  readonly resume?: boolean;
  /** Epochs between checkpoints (default 1). */
  readonly every?: number;
  /** Called after each checkpoint is written (e.g. to tell the user what Ctrl-C would keep). */
  readonly onSaved?: (epoch: number, path: string) => void;
}

/** Everything `fit` needs besides the data: randomness, progress reporting, early stopping. */
export interface FitContext {
  /** Source of all randomness (initialisation, shuffling, negatives, dropout). */
  readonly rng: Rng;
  /**
   * Training sequences in time order (oldest first), one per row of the training matrix. Sequential
   * models require them; others ignore them.
   */
  readonly sequences?: readonly Int32Array[];
  readonly onProgress?: (p: FitProgress) => void;
  readonly validation?: Validation;
  /** Periodic checkpoints and resume (models whose loop implements the training-state hooks). */
  readonly checkpoint?: CheckpointSettings;
}

/** What `fit` returns. Closed-form models report a single epoch. */
export interface FitReport {
  readonly epochsRun: number;
  /** 1-based epoch whose weights the model holds (the last one without early stopping). */
  readonly bestEpoch: number;
  readonly losses: number[];
  readonly valScores: number[];
  readonly seconds: number;
}

/**
 * A collaborative-filtering recommender with a probing site: `encodeUsers` maps users to a
 * `dim`-wide representation (what sparse autoencoders are trained on and what steering edits),
 * and `decode` maps such a representation back to item scores. Always
 * `scoreUsers(b) = decode(encodeUsers(b), b)` (up to float rounding where a model computes it by a
 * cheaper route, e.g. EASE's sparse X B). Scores are "higher is better" and may include
 * already-seen items; rankings exclude those (see rank.ts).
 */
export interface Recommender<C extends object = object> {
  /** Registry name ("ease", "elsa", "mf", "multvae"). */
  readonly name: string;
  /** Complete hyperparameters (defaults applied). */
  readonly config: Readonly<C>;
  /** Number of items (columns); 0 before fit/load. */
  readonly nItems: number;
  /** Width of the probing site (columns of encodeUsers); 0 before fit/load. */
  readonly dim: number;
  /**
   * True for sequential models: `fit` needs `FitContext.sequences` and `encodeUsers` needs
   * `UserBatch.sequences` (the probing site is the last position's hidden state).
   */
  readonly sequential?: boolean;
  /** Trains on a users x items interaction matrix. */
  fit(train: Csr, ctx: FitContext): Promise<FitReport>;
  /** The probing site: users x dim. */
  encodeUsers(batch: UserBatch): Matrix;
  /**
   * Item scores (users x items) from a probing-site representation. `batch`, when given, is the
   * batch `z` was encoded from; models whose decoder uses the input (ELSA's "- x") need it for
   * exact scores, and without it return scores that differ only on already-seen items.
   */
  decode(z: Matrix, batch?: UserBatch): Matrix;
  /** decode(encodeUsers(batch), batch). */
  scoreUsers(batch: UserBatch): Matrix;
  /** Item representations (items x dim) for two-tower models. */
  encodeItems?(): Matrix;
  /** Scores of the given items only (users x items.length) for two-tower models. */
  score?(batch: UserBatch, items: Int32Array): Matrix;
  /** Writes model.json and weights.safetensors into `dir` (created if missing); load with registry.loadModel. */
  save(dir: string): void;
}
