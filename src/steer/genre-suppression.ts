import { rankBiasedOverlap } from "../eval/fidelity.js";
import { meanStderr, type MeanStderr } from "../eval/stats.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNItems, topNUnseen, type TopNLists } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import { CodeBuilder } from "../sae/code.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
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
  /** suppressGenreOnItems: edit only the genre's items (default false: every item holding the latents). */
  readonly genreItemsOnly?: boolean;
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
  /**
   * RBO (p = 0.9) of each user's list without the genre's items, after vs before: whether the
   * remaining items keep their relative order; NaN for a user whose list held only genre items
   * (no order to keep), and `rboRest` averages over the others.
   */
  readonly perUserRboRest: Float64Array;
  readonly rboRest: MeanStderr;
  /** Users whose list had a rest (the ones `rboRest` averages over). */
  readonly rboRestUsers: number;
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
  const inGenre = genreFlags(model.nItems, opts.genreItems, "suppressGenreForUsers");
  const nested = new NestedRecommender(model, sae);
  const enc = nested.encodeWithError(batch);
  const opt = (opts.addError ?? true) ? { addError: enc } : {};
  const before = topNUnseen(nested.scoresFromCode(enc.code, batch, opt), batch.rows, opts.n);
  const after = topNUnseen(
    nested.scoresFromCode(suppressCode(enc.code, opts.neurons, factor), batch, opt),
    batch.rows,
    opts.n,
  );
  return summarise(opts.n, before, after, inGenre);
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

/**
 * Item-side genre suppression for a group of users: the genre's latents are scaled by `factor` in
 * every ITEM's code (items whose code holds none of them are untouched), v_i' = v_i + D_s(c_i') -
 * D_s(c_i) (only the genre's items with `genreItemsOnly`), and the batch's users are ranked
 * against the edited item vectors. Needs item vectors and
 * a score linear in them (MF, ELSA; see promote.ts): new score = old + <z_u, v_i' - v_i>. Items the
 * latents do not touch keep their scores, so the rest of each list keeps its order unless an edited
 * non-genre item moves. Same result shape as {@link suppressGenreForUsers}.
 */
export function suppressGenreOnItems(
  model: Recommender,
  sae: Sae,
  batch: UserBatch,
  opts: GenreSuppressionOptions,
): GenreSuppressionResult {
  const factor = opts.factor ?? 0;
  validateSuppress(opts.neurons, factor, sae.dSae, "suppressGenreOnItems");
  if (!model.encodeItems) throw new Error(`suppressGenreOnItems: model "${model.name}" has no item vectors`);
  if (batch.rows.rows === 0) throw new RangeError("suppressGenreOnItems: the user group is empty");
  const inGenre = genreFlags(model.nItems, opts.genreItems, "suppressGenreOnItems");
  const items = model.encodeItems();
  const code = sae.encode(items);
  const set = new Set(opts.neurons);
  const touched: number[] = [];
  for (let i = 0; i < code.rows; i++)
    for (let p = code.indptr[i]; p < code.indptr[i + 1]; p++)
      if (set.has(code.indices[p]) && (inGenre[i] || !opts.genreItemsOnly)) {
        touched.push(i);
        break;
      }
  const z = model.encodeUsers(batch);
  const base = model.decode(z, batch);
  const edited = base.clone();
  if (touched.length > 0) {
    const sub = gatherCodeRows(code, touched);
    const delta = sae.decode(suppressCode(sub, opts.neurons, factor));
    const rec = sae.decode(sub);
    for (let t = 0; t < delta.data.length; t++) delta.data[t] -= rec.data[t];
    const g = kernels().gemm(false, true, 1, z, delta, 0, new Matrix(z.rows, touched.length));
    for (let u = 0; u < z.rows; u++)
      touched.forEach((i, t) => {
        edited.data[u * edited.cols + i] += g.data[u * touched.length + t];
      });
  }
  const before = topNUnseen(base, batch.rows, opts.n);
  const after = topNUnseen(edited, batch.rows, opts.n);
  return summarise(opts.n, before, after, inGenre);
}

function genreFlags(nItems: number, genreItems: ArrayLike<number>, where: string): Uint8Array {
  const inGenre = new Uint8Array(nItems);
  Array.from(genreItems).forEach((i, q) => {
    if (!(Number.isInteger(i) && i >= 0 && i < nItems))
      throw new RangeError(`${where}: genreItems[${q}] = ${i} is not an item in [0, ${nItems})`);
    inGenre[i] = 1;
  });
  return inGenre;
}

function summarise(
  n: number,
  before: TopNLists,
  after: TopNLists,
  inGenre: Uint8Array,
): GenreSuppressionResult {
  const perUserBefore = listShares(before, inGenre);
  const perUserAfter = listShares(after, inGenre);
  const perUserRboRest = new Float64Array(before.rows);
  for (let r = 0; r < before.rows; r++) {
    const rest = (l: TopNLists): number[] => Array.from(topNItems(l, r)).filter((i) => !inGenre[i]);
    const was = rest(before);
    perUserRboRest[r] = was.length > 0 ? rankBiasedOverlap(was, rest(after)) : NaN;
  }
  const valid = perUserRboRest.filter((x) => !Number.isNaN(x));
  return {
    n,
    perUserBefore,
    perUserAfter,
    shareBefore: meanStderr(perUserBefore),
    shareAfter: meanStderr(perUserAfter),
    perUserRboRest,
    rboRest: valid.length > 0 ? meanStderr(valid) : { mean: 1, stderr: 0 },
    rboRestUsers: valid.length,
  };
}

/** Rows `rows` of a code (with their per-row statistics). */
function gatherCodeRows(code: SparseCode, rows: readonly number[]): SparseCode {
  const b = new CodeBuilder(rows.length, code.dSae, rows.length * 8 + 16);
  for (const r of rows) {
    for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) b.push(code.indices[p], code.values[p]);
    b.endRow();
  }
  const pick = (a?: Float32Array): Float32Array | undefined =>
    a ? Float32Array.from(rows, (r) => a[r]) : undefined;
  const rm = pick(code.rowMean);
  const rs = pick(code.rowScale);
  return b.build({ ...(rm ? { rowMean: rm } : {}), ...(rs ? { rowScale: rs } : {}) });
}
