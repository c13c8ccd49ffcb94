import type { LabelsDoc } from "../concepts/labels.js";
import type { Csr } from "../tensor/csr.js";
import { promoteItem, type PromotionResult } from "../steer/promote.js";
import { itemIndex } from "./ids.js";
import { resolveNeuron } from "./knobs.js";
import { labelActivations, listedItem, type LabelledActivation, type ListedItem } from "./recommend-run.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";

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
 * far it moves (see steer/promote.ts; needs a model with item vectors).
 */
export function promoteForRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  opts: PromoteRunOptions,
): PromoteRunResult {
  const item = itemIndex(ctx.dataset, opts.item);
  const neuron = resolveNeuron(doc, opts.neuron);
  const n = opts.n ?? 20;
  if (opts.strengths.length === 0) throw new RangeError("promote: give at least one strength");
  const which = opts.users ?? "all";
  const segments: { rows: Csr; ids?: Int32Array }[] = [];
  if (which === "all") {
    const train = ctx.split.train;
    segments.push({ rows: train, ids: Int32Array.from({ length: train.rows }, (_, r) => r) });
    const others: number[] = [];
    ctx.modelUserIds.forEach((id, u) => {
      if (id < 0) others.push(u);
    });
    if (others.length > 0) segments.push({ rows: ctx.dataset.matrix.gatherRows(others) });
  } else segments.push({ rows: ctx.split.test.foldIn });
  const batchSize = opts.batchSize ?? 1024;
  let users = 0;
  let eligible = 0;
  let baseline = 0;
  let first: PromotionResult | undefined;
  const sums = opts.strengths.map((strength) => ({ strength, usersInTopN: 0, entered: 0, left: 0, gain: 0 }));
  for (const seg of segments) {
    users += seg.rows.rows;
    for (let s = 0; s < seg.rows.rows; s += batchSize) {
      const e = Math.min(seg.rows.rows, s + batchSize);
      // Training users are scored with their model ids (MF: learned embeddings), the others folded in.
      const batch = seg.ids
        ? { rows: seg.rows.rowRange(s, e), userIds: seg.ids.subarray(s, e) }
        : { rows: seg.rows.rowRange(s, e) };
      const r = promoteItem(ctx.model, loaded.sae, batch, { item, neuron, strengths: opts.strengths, n });
      first ??= r;
      eligible += r.eligibleUsers;
      baseline += r.baselineInTopN;
      r.points.forEach((p, q) => {
        sums[q].usersInTopN += p.usersInTopN;
        sums[q].entered += p.entered.length;
        sums[q].left += p.left.length;
        sums[q].gain += p.meanRankGain * r.eligibleUsers;
      });
    }
  }
  if (!first) throw new Error("promote: no users to measure the promotion on");
  const label = doc.labels[String(neuron)]?.label;
  return {
    item: listedItem(ctx, item),
    neuron,
    ...(label ? { label } : {}),
    n,
    users,
    eligibleUsers: eligible,
    baselineInTopN: baseline,
    itemNeurons: labelActivations(doc, first.itemNeurons),
    points: sums.map(({ gain, ...rest }) => ({ ...rest, meanRankGain: eligible > 0 ? gain / eligible : 0 })),
  };
}
