import type { LabelsDoc } from "../concepts/labels.js";
import type { Csr } from "../tensor/csr.js";
import { itemIndex } from "./ids.js";
import { resolveNeuron } from "./knobs.js";
import { labelActivations, listedItem, type LabelledActivation, type ListedItem } from "./recommend-run.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import { checkPromotion, promoteOverUsers, type UserGroup } from "./promotion.js";

/** Which users a promotion is measured on. */
export type PromotionUsers = "all" | "test";

/** Options of {@link promoteForRun}. */
export interface PromoteRunOptions {
  /** Original item id. */
  readonly item: string;
  /** Neuron id or label. */
  readonly neuron: string;
  readonly strengths: readonly number[];
  readonly n?: number;
  /** All dataset users with their full histories (default), or the held-out test users' fold-in. */
  readonly users?: PromotionUsers;
  /** Users per promoteItem call (memory: users x items scores). */
  readonly batchSize?: number;
}

/** Effect of one strength, summed over all batches of users. */
export interface PromotionSummary {
  readonly strength: number;
  readonly usersInTopN: number;
  readonly entered: number;
  readonly left: number;
  /** Mean rank gain over eligible users (> 0: the item moved up). */
  readonly meanRankGain: number;
}

/** Result of {@link promoteForRun}. */
export interface PromoteRunResult {
  readonly item: ListedItem;
  readonly neuron: number;
  readonly label?: string;
  readonly n: number;
  readonly users: number;
  readonly eligibleUsers: number;
  readonly baselineInTopN: number;
  readonly itemNeurons: LabelledActivation[];
  readonly points: PromotionSummary[];
}

/**
 * `reclens promote`: raises latent `neuron` in the SAE code of the item's vector by each strength and
 * counts, over the chosen users (in batches), who gets the item into their top-n, who loses it and how
 * far it moves, through the promotion service (src/pipeline/promotion.ts, shared with the HTTP API).
 */
export function promoteForRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  opts: PromoteRunOptions,
): PromoteRunResult {
  const item = itemIndex(ctx.dataset, opts.item);
  const neuron = resolveNeuron(doc, opts.neuron);
  const req = { item, neuron, strengths: opts.strengths, n: opts.n ?? 20 };
  checkPromotion(ctx.model, loaded.sae, req);
  const totals = promoteOverUsers(ctx.model, loaded.sae, runUserGroups(ctx, opts), req);
  const label = doc.labels[String(neuron)]?.label;
  return {
    item: listedItem(ctx, item),
    neuron,
    ...(label ? { label } : {}),
    n: req.n,
    users: totals.users,
    eligibleUsers: totals.eligibleUsers,
    baselineInTopN: totals.baselineInTopN,
    itemNeurons: labelActivations(doc, totals.itemNeurons),
    points: totals.points.map((p) => ({
      strength: p.strength,
      usersInTopN: p.usersInTopN,
      entered: p.entered.length,
      left: p.left.length,
      meanRankGain: p.meanRankGain,
    })),
  };
}

/**
 * The run's users in batches: all dataset users (training users with their model ids, so MF uses its
 * learned embeddings; the others folded in), or the held-out test users' fold-in rows.
 */
function* runUserGroups(ctx: ModelRunContext, opts: PromoteRunOptions): Generator<UserGroup> {
  const segments: { rows: Csr; ids?: Int32Array }[] = [];
  if ((opts.users ?? "all") === "all") {
    const train = ctx.split.train;
    segments.push({ rows: train, ids: Int32Array.from({ length: train.rows }, (_, r) => r) });
    const others: number[] = [];
    ctx.modelUserIds.forEach((id, u) => {
      if (id < 0) others.push(u);
    });
    if (others.length > 0) segments.push({ rows: ctx.dataset.matrix.gatherRows(others) });
  } else segments.push({ rows: ctx.split.test.foldIn });
  const batchSize = opts.batchSize ?? 1024;
  let offset = 0;
  for (const seg of segments) {
    for (let s = 0; s < seg.rows.rows; s += batchSize) {
      const e = Math.min(seg.rows.rows, s + batchSize);
      const rows = seg.rows.rowRange(s, e);
      const users = Int32Array.from({ length: e - s }, (_, b) => offset + s + b);
      yield { users, batch: seg.ids ? { rows, userIds: seg.ids.subarray(s, e) } : { rows } };
    }
    offset += seg.rows.rows;
  }
}
