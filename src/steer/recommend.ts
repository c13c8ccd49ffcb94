import type { Recommender, UserBatch } from "../models/types.js";
import { MAX_INDEX_ROWS, servingIndexOf, type ListVariant } from "../index/serving.js";
import { topNItems, topNScores, topNUnseen, type TopNLists } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae, SparseCode } from "../sae/types.js";
import type { Matrix } from "../tensor/matrix.js";
import { steerCode, type SteerPlan } from "./ops.js";

/** Options of {@link recommend}. */
export interface RecommendOptions {
  /** List length. */
  readonly n: number;
  /** Steering ops applied to every user, or per user (row of the batch). Default: none. */
  readonly steer?: SteerPlan;
  /** Leave the batch's known items out of the lists (default true). */
  readonly excludeSeen?: boolean;
  /**
   * Add the SAE's reconstruction error back (default true): users whose code the ops leave
   * unchanged get exactly the original recommender's scores, and steering acts as a delta
   * D_s(z') - D_s(z) on the original representation. false: the pure nested model D_c(D_s(z')).
   */
  readonly addError?: boolean;
}

/** One latent of a code and its activation. */
export interface NeuronActivation {
  readonly neuron: number;
  readonly activation: number;
}

/** A ranked list: item ids best first and their scores. */
export interface RankedList {
  readonly items: Int32Array;
  readonly scores: Float32Array;
}

/** Recommendations of one user (one row of the batch). */
export interface UserRecommendation extends RankedList {
  /** The list without steering (same addError setting). */
  readonly unsteered: RankedList;
  /** Items of the steered list missing from the unsteered one, in steered order. */
  readonly entered: Int32Array;
  /** Items of the unsteered list missing from the steered one, in unsteered order. */
  readonly left: Int32Array;
  /** Active latents of the user's code before steering, by activation descending (ties: lower latent). */
  readonly neurons: NeuronActivation[];
  /** The same after steering. */
  readonly steeredNeurons: NeuronActivation[];
}

/** Result of {@link recommend}, one entry per row of the batch. */
export interface RecommendResult {
  readonly n: number;
  readonly users: UserRecommendation[];
}

/**
 * Top-n recommendations of the nested model with the user's SAE code steered: encode the users,
 * apply the ops to their codes, decode, exclude seen items (-Infinity) and take kernels().rowTopK.
 * Also returns the unsteered lists, the items that entered and left, and the active latents before
 * and after steering. Lists are shorter than n only when fewer items are rankable.
 */
export function recommend(
  model: Recommender,
  sae: Sae,
  batch: UserBatch,
  opts: RecommendOptions,
): RecommendResult {
  const nested = new NestedRecommender(model, sae);
  const enc = nested.encodeWithError(batch);
  const steered = opts.steer ? steerCode(enc.code, opts.steer) : enc.code;
  const addError = opts.addError ?? true;
  const seen = (opts.excludeSeen ?? true) ? batch.rows : null;
  const scoreOf = (code: SparseCode): Matrix =>
    nested.scoresFromCode(code, batch, addError ? { addError: enc } : {});
  // Linear decoders: the item index (one sgemv per user, unsteered lists cached per user).
  const index = batch.rows.rows <= MAX_INDEX_ROWS ? servingIndexOf(model) : null;
  const rank = (code: SparseCode, variant?: ListVariant): TopNLists =>
    index
      ? index.topN(
          nested.representationFromCode(code, addError ? { addError: enc } : {}),
          batch,
          seen,
          opts.n,
          variant,
        )
      : topNUnseen(scoreOf(code), seen, opts.n);
  const base = rank(enc.code, { tag: addError ? "z" : `sae${saeTag(sae)}`, excludeSeen: seen !== null });
  const top = steered === enc.code ? base : rank(steered);
  const users: UserRecommendation[] = [];
  for (let r = 0; r < batch.rows.rows; r++) {
    const items = topNItems(top, r).slice();
    const unsteered = { items: topNItems(base, r).slice(), scores: topNScores(base, r).slice() };
    users.push({
      items,
      scores: topNScores(top, r).slice(),
      unsteered,
      entered: difference(items, unsteered.items),
      left: difference(unsteered.items, items),
      neurons: activeNeurons(enc.code, r),
      steeredNeurons: activeNeurons(steered, r),
    });
  }
  return { n: opts.n, users };
}

const saeTags = new WeakMap<Sae, number>();
let saeCount = 0;

/** A per-process number for each SAE object (the unsteered cache key when the error is not added back). */
function saeTag(sae: Sae): number {
  let t = saeTags.get(sae);
  if (t === undefined) saeTags.set(sae, (t = ++saeCount));
  return t;
}

/** Items of `a` not in `b`, in `a`'s order. */
function difference(a: Int32Array, b: Int32Array): Int32Array {
  const inB = new Set(b);
  return a.filter((i) => !inB.has(i));
}

/** Active latents of row r, by activation descending (ties: lower latent first). */
export function activeNeurons(code: SparseCode, r: number): NeuronActivation[] {
  const out: NeuronActivation[] = [];
  for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++)
    out.push({ neuron: code.indices[p], activation: code.values[p] });
  return out.sort((a, b) => b.activation - a.activation || a.neuron - b.neuron);
}
