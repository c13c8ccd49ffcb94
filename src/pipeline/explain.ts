import type { LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import { explainItems, type ItemScoreSplit } from "../steer/explain.js";
import type { SteerOp } from "../steer/ops.js";
import { userIndex } from "./ids.js";
import {
  listedItem,
  recommendForUser,
  userBatchOf,
  type ListedItem,
  type RecommendRunOptions,
  type RecommendRunResult,
  type RecommendedItem,
} from "./recommend-run.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";

/**
 * The "why this item" service, shared by `reclens recommend --explain` and
 * GET /api/users/:id/explain: each item's served score split over the user's (steered) active
 * neurons plus the bias, reconstruction-error, item and non-linear terms (src/steer/explain.ts),
 * with labels, shares and the top contributions.
 */

/** Default number of contributions listed per item. */
export const DEFAULT_EXPLAIN_TOP = 10;
/** Most contributions a request may list per item. */
export const MAX_EXPLAIN_TOP = 100;

/** One neuron's part of an item's score, labelled. */
export interface ExplainedNeuron {
  readonly neuron: number;
  readonly label?: string;
  readonly activation: number;
  readonly contribution: number;
  /** contribution / score (signed); null when the score is 0. */
  readonly share: number | null;
}

/**
 * Why an item has its score: `score = sum(top[].contribution) + rest.contribution + decoderBias +
 * error + itemTerm + nonLinear` (terms: steer/explain.ts ItemScoreSplit).
 */
export interface ItemExplanation {
  /** "exact" (affine decoders) or "gradient" (gradient x activation, MultVAE). */
  readonly method: "exact" | "gradient";
  readonly score: number;
  /** The largest contributions by absolute value. */
  readonly top: ExplainedNeuron[];
  /** The active neurons not in `top`: how many and their summed contribution. */
  readonly rest: { readonly neurons: number; readonly contribution: number };
  readonly decoderBias: number;
  readonly error: number;
  readonly itemTerm: number;
  readonly nonLinear: number;
}

/** An explained item of a list: the item, its 1-based rank in the steered list (null when outside). */
export interface ExplainedItem extends ListedItem {
  readonly rank: number | null;
  readonly explanation: ItemExplanation;
}

/** Checks the number of contributions to list (BadInput naming "top"). */
export function checkExplainTop(top: number): void {
  if (!(Number.isInteger(top) && top >= 1 && top <= MAX_EXPLAIN_TOP))
    throw new BadInput(`top must be an integer in [1, ${MAX_EXPLAIN_TOP}], got ${top}`, "top");
}

function explanationOf(doc: LabelsDoc, s: ItemScoreSplit, top: number): ItemExplanation {
  const share = (c: number): number | null => (s.score === 0 ? null : c / s.score);
  const shown = s.neurons.slice(0, top).map((n): ExplainedNeuron => {
    const label = doc.labels[String(n.neuron)]?.label;
    return {
      neuron: n.neuron,
      ...(label ? { label } : {}),
      activation: n.activation,
      contribution: n.contribution,
      share: share(n.contribution),
    };
  });
  const rest = s.neurons.slice(top).reduce((a, n) => a + n.contribution, 0);
  return {
    method: s.method,
    score: s.score,
    top: shown,
    rest: { neurons: Math.max(0, s.neurons.length - top), contribution: rest },
    decoderBias: s.decoderBias,
    error: s.error,
    itemTerm: s.itemTerm,
    nonLinear: s.nonLinear,
  };
}

/**
 * Explains `items` for the one user of `batch` under steering `ops` (checked and built by the
 * steering service, src/pipeline/steering.ts), in the order given; `list` is the steered list the
 * ranks refer to and `describe` names an item.
 */
export function explainUserItems(
  model: Recommender,
  sae: Sae,
  doc: LabelsDoc,
  batch: UserBatch,
  ops: readonly SteerOp[],
  items: Int32Array,
  list: ArrayLike<number>,
  describe: (item: number) => ListedItem,
  top = DEFAULT_EXPLAIN_TOP,
): ExplainedItem[] {
  checkExplainTop(top);
  const rank = new Map(Array.from(list, (i, p) => [i, p + 1]));
  const r = explainItems(model, sae, batch, items, ops.length > 0 ? { steer: ops } : {});
  return r.items.map((s) => ({
    ...describe(s.item),
    rank: rank.get(s.item) ?? null,
    explanation: explanationOf(doc, s, top),
  }));
}

/** A recommended item with why it is there. */
export interface ExplainedRecommendedItem extends RecommendedItem {
  readonly explanation: ItemExplanation;
}

/** `reclens recommend --explain`: the steered list with an explanation per item. */
export interface ExplainRunResult extends Omit<RecommendRunResult, "items"> {
  readonly items: ExplainedRecommendedItem[];
}

/**
 * `reclens recommend --explain`: {@link recommendForUser} (the same list, steering included) with
 * each item's score split over the neurons that put it there (top `top` contributions listed).
 */
export function explainForUser(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  userId: string,
  opts: RecommendRunOptions & { readonly top?: number } = {},
): ExplainRunResult {
  checkExplainTop(opts.top ?? DEFAULT_EXPLAIN_TOP);
  const r = recommendForUser(ctx, loaded, doc, userId, opts);
  const items = Int32Array.from(r.items, (it) => it.item);
  const batch = userBatchOf(ctx, userIndex(ctx.dataset, userId));
  const explained = explainUserItems(
    ctx.model,
    loaded.sae,
    doc,
    batch,
    r.ops,
    items,
    items,
    (i) => listedItem(ctx, i),
    opts.top,
  );
  return { ...r, items: r.items.map((it, p) => ({ ...it, explanation: explained[p].explanation })) };
}
