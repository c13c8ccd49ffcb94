import { meanStderr, type MeanStderr } from "../eval/stats.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNItems, topNUnseen, type TopNLists } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae } from "../sae/types.js";
import { suppressCode, validateSuppress } from "./suppress.js";

/** Options of {@link suppressGenreForUsers}. */
export interface GenreSuppressionOptions {
  /** Latents mapped to the genre (e.g. by src/concepts), all suppressed. */
  readonly neurons: readonly number[];
  /** Item ids of the genre (e.g. `itemsWithTag` from tags.ts). */
  readonly genreItems: ArrayLike<number>;
  /** List length. */
  readonly n: number;
  /** Suppression factor (default 0: the latents are switched off). */
  readonly factor?: number;
  /** Add the SAE reconstruction error back (default true; "before" is then the original model). */
  readonly addError?: boolean;
}

/** Result of {@link suppressGenreForUsers}. */
export interface GenreSuppressionResult {
  readonly n: number;
  /** Share of genre items in each user's top-N before / after (0 for an empty list). */
  readonly perUserBefore: Float64Array;
  readonly perUserAfter: Float64Array;
  /** Mean and standard error over the batch's users. */
  readonly shareBefore: MeanStderr;
  readonly shareAfter: MeanStderr;
}

/**
 * Genre suppression for a group of users (the batch): suppress the genre's latents in every user's
 * code and report the share of genre items in their top-N (seen items excluded) before and after.
 */
export function suppressGenreForUsers(
  model: Recommender,
  sae: Sae,
  batch: UserBatch,
  opts: GenreSuppressionOptions,
): GenreSuppressionResult {
  const factor = opts.factor ?? 0;
  validateSuppress(opts.neurons, factor, sae.dSae, "suppressGenreForUsers");
  if (batch.rows.rows === 0) throw new RangeError("suppressGenreForUsers: the user group is empty");
  const inGenre = new Uint8Array(model.nItems);
  Array.from(opts.genreItems).forEach((i, q) => {
    if (!(Number.isInteger(i) && i >= 0 && i < model.nItems))
      throw new RangeError(
        `suppressGenreForUsers: genreItems[${q}] = ${i} is not an item in [0, ${model.nItems})`,
      );
    inGenre[i] = 1;
  });
  const nested = new NestedRecommender(model, sae);
  const enc = nested.encodeWithError(batch);
  const opt = (opts.addError ?? true) ? { addError: enc } : {};
  const before = topNUnseen(nested.scoresFromCode(enc.code, batch, opt), batch.rows, opts.n);
  const after = topNUnseen(
    nested.scoresFromCode(suppressCode(enc.code, opts.neurons, factor), batch, opt),
    batch.rows,
    opts.n,
  );
  const perUserBefore = listShares(before, inGenre);
  const perUserAfter = listShares(after, inGenre);
  return {
    n: opts.n,
    perUserBefore,
    perUserAfter,
    shareBefore: meanStderr(perUserBefore),
    shareAfter: meanStderr(perUserAfter),
  };
}

/** Share of flagged items (flagged[item] = 1) in each row's list (0 for an empty list). */
export function listShares(lists: TopNLists, flagged: Uint8Array): Float64Array {
  const out = new Float64Array(lists.rows);
  for (let r = 0; r < lists.rows; r++) {
    const items = topNItems(lists, r);
    let hits = 0;
    for (const i of items) hits += flagged[i];
    out[r] = items.length > 0 ? hits / items.length : 0;
  }
  return out;
}
