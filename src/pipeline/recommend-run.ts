import type { LabelsDoc } from "../concepts/labels.js";
import { timeOrderedItems } from "../data/splits/index.js";
import type { UserBatch } from "../models/types.js";
import { topNItems, topNScores, topNUnseen } from "../nested/nested-rank.js";
import type { SteerOp } from "../steer/ops.js";
import type { NeuronActivation } from "../steer/recommend.js";
import { userIndex } from "./ids.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import type { KnobMapping } from "./knobs.js";
import { checkListLength, resolveSteeringReport, steerUser, type ResolvedSpec } from "./steering.js";
import { runItemActivations } from "./run-labels.js";
import {
  DEFAULT_STEERING_OPERATOR,
  ensureStrengthScales,
  scaleSteering,
  servingMapping,
  type SteeringOperator,
} from "./strength-scale.js";

/** An item of a recommendation list, by original id. */
export interface ListedItem {
  readonly item: number;
  readonly id: string;
  readonly title?: string;
}

/** A recommended item with its score and whether steering brought it into the list. */
export interface RecommendedItem extends ListedItem {
  readonly score: number;
  readonly entered: boolean;
}

/** An active latent with its label (when labelled). */
export interface LabelledActivation extends NeuronActivation {
  readonly label?: string;
}

/** Options of {@link recommendForUser} (semantics: src/pipeline/steering.ts). */
export interface RecommendRunOptions {
  readonly n?: number;
  /** "<label or id>:<alpha>" specs, alpha in [0, 1]. */
  readonly boosts?: readonly string[];
  /** "<label or id>[:factor]" specs, factor in [0, 1] (default 0: off). */
  readonly suppress?: readonly string[];
  /** "<label or id>:<value>" specs, value >= 0: the neuron's activation after steering. */
  readonly clamp?: readonly string[];
  /**
   * How concept names in the specs map to neurons (see knobs.ts); default representative, except for
   * boosts under the shift operator, which default to direction (measured best, docs/quality-knobs.md).
   */
  readonly mapping?: KnobMapping;
  /** How boosts act (default "shift", calibrated; "blend": Knots to Knobs, alpha = strength). */
  readonly operator?: SteeringOperator;
}

/** Steered recommendations of one user. */
export interface RecommendRunResult {
  readonly user: string;
  readonly ops: SteerOp[];
  readonly items: RecommendedItem[];
  /** Unsteered items that steering pushed out, in their unsteered order. */
  readonly left: ListedItem[];
  readonly unsteered: ListedItem[];
  /** The user's active latents before and after steering, strongest first. */
  readonly neurons: LabelledActivation[];
  readonly steeredNeurons: LabelledActivation[];
  /** What each steering spec resolved to (neuron id, concept or label) and the alternatives. */
  readonly resolved: ResolvedSpec[];
  /** The boost operator and, for "shift", the calibrated amount of the boosts' total strength. */
  readonly operator: SteeringOperator;
  readonly amount?: number;
}

/**
 * The batch of one dataset user: their full history, with their model row when they were a training
 * user, and (for sequential models) the history in time order.
 */
export function userBatchOf(ctx: ModelRunContext, u: number): UserBatch {
  const rows = ctx.dataset.matrix.gatherRows([u]);
  const id = ctx.modelUserIds[u];
  return {
    rows,
    ...(id >= 0 ? { userIds: Int32Array.of(id) } : {}),
    ...(ctx.model.sequential ? { sequences: [timeOrderedItems(ctx.dataset, u)] } : {}),
  };
}

/** The last `n` items of user `u` in time order, most recent last; empty when the data have no time order. */
export function recentHistory(ctx: ModelRunContext, u: number, n: number): ListedItem[] {
  if (!ctx.dataset.timestamps) return [];
  const seq = timeOrderedItems(ctx.dataset, u);
  return Array.from(seq.subarray(Math.max(0, seq.length - n)), (i) => listedItem(ctx, i));
}

/** The model's own top-n list for one user (no SAE involved), seen items excluded. */
export interface ModelListResult {
  readonly user: string;
  readonly items: RecommendedItem[];
  /** Sequential runs: the user's most recent items, oldest first. */
  readonly history: ListedItem[];
}

/**
 * The recommender's own top-n list of the user with original id `userId` (whole history encoded,
 * seen items excluded), with their recent history for sequential runs. Works for every model without
 * an SAE.
 */
export function modelListForUser(
  ctx: ModelRunContext,
  userId: string,
  n = 20,
  historyLength = 10,
): ModelListResult {
  const u = userIndex(ctx.dataset, userId);
  checkListLength(n);
  const batch = userBatchOf(ctx, u);
  const top = topNUnseen(ctx.model.scoreUsers(batch), batch.rows, n);
  const items = topNItems(top, 0);
  const scores = topNScores(top, 0);
  return {
    user: userId,
    items: Array.from(items, (i, p) => ({ ...listedItem(ctx, i), score: scores[p], entered: false })),
    history: ctx.model.sequential ? recentHistory(ctx, u, historyLength) : [],
  };
}

/** An item by dense index as a listed item (original id and title). */
export function listedItem(ctx: Pick<ModelRunContext, "dataset">, i: number): ListedItem {
  const title = ctx.dataset.itemTitles?.[i];
  return { item: i, id: ctx.dataset.items[i], ...(title ? { title } : {}) };
}

/** Adds labels to activations. */
export function labelActivations(doc: LabelsDoc, list: readonly NeuronActivation[]): LabelledActivation[] {
  return list.map((a) => {
    const label = doc.labels[String(a.neuron)]?.label;
    return label ? { ...a, label } : { ...a };
  });
}

/**
 * `reclens recommend`: the top-n list of the user with original id `userId` (their whole history
 * encoded; seen items excluded) from the nested model with the SAE code steered by the boost and
 * suppress specs through the steering service (src/pipeline/steering.ts, shared with the HTTP API),
 * with the items that entered and left. Without ops (or with alpha 0) the list is the model's own.
 */
export function recommendForUser(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  userId: string,
  opts: RecommendRunOptions = {},
): RecommendRunResult {
  const u = userIndex(ctx.dataset, userId);
  const operator = opts.operator ?? DEFAULT_STEERING_OPERATOR;
  const { steering: resolvedSteering, resolved } = resolveSteeringReport(
    doc,
    { boost: opts.boosts ?? [], suppress: opts.suppress ?? [], clamp: opts.clamp ?? [] },
    servingMapping(operator, opts.mapping),
  );
  const steering = scaleSteering(
    resolvedSteering,
    operator,
    () => ensureStrengthScales(ctx, loaded, doc, () => runItemActivations(ctx, loaded)),
    resolved,
  );
  const { ops, result: r } = steerUser(ctx.model, loaded.sae, userBatchOf(ctx, u), opts.n ?? 20, steering);
  const entered = new Set(r.entered);
  return {
    user: userId,
    ops,
    items: Array.from(r.items, (i, p) => ({
      ...listedItem(ctx, i),
      score: r.scores[p],
      entered: entered.has(i),
    })),
    left: Array.from(r.left, (i) => listedItem(ctx, i)),
    unsteered: Array.from(r.unsteered.items, (i) => listedItem(ctx, i)),
    neurons: labelActivations(doc, r.neurons),
    steeredNeurons: labelActivations(doc, r.steeredNeurons),
    resolved,
    operator,
    ...(steering.amount !== undefined ? { amount: steering.amount } : {}),
  };
}
