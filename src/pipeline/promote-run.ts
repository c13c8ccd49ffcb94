import type { LabelsDoc } from "../concepts/labels.js";
import type { Csr } from "../tensor/csr.js";
import { itemIndex } from "./ids.js";
import { resolveNeuron } from "./knobs.js";
import { labelActivations, listedItem, type LabelledActivation, type ListedItem } from "./recommend-run.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import { checkPromotion, promoteOverUsers, type UserGroup } from "./promotion.js";
import { resolveAudience } from "./audience.js";
import { runInterventionEnv, type InterventionEnv } from "./intervention-env.js";
export { runPopulation } from "./intervention-env.js";
import { promoteToAudience, type AudiencePromotionResult, type NeuronChoice } from "./promote-audience.js";
import { activeNeurons } from "../steer/recommend.js";
import { Matrix } from "../tensor/matrix.js";

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

/** Options of {@link promoteAudienceForRun}. */
export interface PromoteAudienceRunOptions {
  /** Original item id. */
  readonly item: string;
  /** Audience spec (pipeline/audience.ts): a concept, `<attribute>=<value>` or `ids:a,b`. */
  readonly audience: string;
  /** Neuron id or label; chosen automatically when absent. */
  readonly neuron?: string;
  readonly strengths: readonly number[];
  readonly n?: number;
  readonly minShare?: number;
  readonly minHistory?: number;
}

/** Result of {@link promoteAudienceForRun}. */
export interface PromoteAudienceRunResult extends Omit<AudiencePromotionResult, "choice"> {
  readonly item: ListedItem;
  readonly audience: string;
  readonly definition: string;
  readonly n: number;
  readonly neuron: number;
  readonly label?: string;
  readonly choice: NeuronChoice;
  /** The item's own active neurons (the scale for strengths). */
  readonly itemNeurons: LabelledActivation[];
}

/**
 * `reclens promote --audience`: item-side promotion measured on a target audience (all dataset users
 * with their full histories; training users keep their learned MF vectors), through the audience
 * promotion service (src/pipeline/promote-audience.ts, shared with the HTTP API via {@link promoteAudience}).
 */
export function promoteAudienceForRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  opts: PromoteAudienceRunOptions,
): PromoteAudienceRunResult {
  return promoteAudience(runInterventionEnv(ctx, loaded.sae, doc), opts);
}

/** Audience promotion on an intervention environment (a run or a served workspace). */
export function promoteAudience(
  env: InterventionEnv,
  opts: PromoteAudienceRunOptions,
): PromoteAudienceRunResult {
  const item = itemIndex(env.dataset, opts.item);
  const neuron = opts.neuron === undefined ? undefined : resolveNeuron(env.labels, opts.neuron);
  const pop = env.population;
  const aud = resolveAudience(env.dataset, pop, opts.audience, {
    ...(opts.minShare !== undefined ? { minShare: opts.minShare } : {}),
    ...(opts.minHistory !== undefined ? { minHistory: opts.minHistory } : {}),
  });
  const n = opts.n ?? 30;
  const r = promoteToAudience(
    env.model,
    env.sae,
    pop,
    aud.users,
    { item, strengths: opts.strengths, n, ...(neuron !== undefined ? { neuron } : {}) },
    aud.concept,
  );
  const label = env.labels.labels[String(r.choice.neuron)]?.label;
  const code = env.sae.encode(
    new Matrix(1, env.sae.dIn, (env.model.encodeItems as () => Matrix).call(env.model).row(item).slice()),
  );
  const title = env.dataset.itemTitles?.[item];
  return {
    item: { item, id: env.dataset.items[item], ...(title ? { title } : {}) },
    audience: opts.audience,
    definition: aud.definition,
    n,
    neuron: r.choice.neuron,
    ...(label ? { label } : {}),
    ...r,
    itemNeurons: labelActivations(env.labels, activeNeurons(code, 0)),
  };
}
