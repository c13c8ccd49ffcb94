import { BadInput, Unavailable } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import { promoteItem } from "../steer/promote.js";
import type { NeuronActivation } from "../steer/recommend.js";

/**
 * The promotion service: item-side promotion (steer/promote.ts) measured over groups of users, for
 * `reclens promote` and POST /api/items/:id/promote alike. The request is checked here, once:
 * the model must have item vectors (Unavailable), the neuron must be in range, the strengths finite
 * and >= 0 (a strength is the amount added to the neuron in the item's SAE code), n a positive integer.
 */

/** What to promote, in dense ids. */
export interface PromotionRequest {
  readonly item: number;
  readonly neuron: number;
  readonly strengths: readonly number[];
  readonly n: number;
}

/** A batch of users and the caller's ids of its rows (returned in {@link PromotedUserRow}). */
export interface UserGroup {
  readonly users: Int32Array;
  readonly batch: UserBatch;
}

/** A user whose top-n the promotion changes: the caller's id and the item's 1-based ranks. */
export interface PromotedUserRow {
  readonly user: number;
  readonly rankBefore: number;
  readonly rankAfter: number;
}

/** Effect of one strength over every group. */
export interface PromotionTotal {
  readonly strength: number;
  readonly usersInTopN: number;
  /** Mean rank gain over eligible users (> 0: the item moved up). */
  readonly meanRankGain: number;
  /** Users who newly get the item into their top-n / lose it, in group order. */
  readonly entered: PromotedUserRow[];
  readonly left: PromotedUserRow[];
}

/** Result of {@link promoteOverUsers}. */
export interface PromotionTotals {
  readonly users: number;
  /** Users who have not interacted with the item. */
  readonly eligibleUsers: number;
  readonly baselineInTopN: number;
  /** The item's own active neurons (the scale for strengths). */
  readonly itemNeurons: NeuronActivation[];
  readonly points: PromotionTotal[];
}

/** Checks a promotion request for the model and SAE (see the module comment). */
export function checkPromotion(model: Recommender, sae: Sae, req: PromotionRequest): void {
  if (!model.encodeItems)
    throw new Unavailable(
      `model "${model.name}" has no item vectors; item promotion needs a model with encodeItems (elsa, mf)`,
    );
  if (!Number.isInteger(req.neuron) || req.neuron < 0 || req.neuron >= sae.dSae)
    throw new BadInput(`neuron: neuron ${req.neuron} out of range [0, ${sae.dSae})`, "neuron");
  if (req.strengths.length === 0) throw new BadInput("strength: give at least one strength", "strength");
  for (const s of req.strengths)
    if (!(s >= 0 && Number.isFinite(s)))
      throw new BadInput(`strength: must be a finite number >= 0, got ${s}`, "strength");
  if (!Number.isInteger(req.n) || req.n < 1)
    throw new BadInput(`n must be a positive integer, got ${req.n}`, "n");
}

/** Promotes the item for every group of users and adds up the effect of each strength. */
export function promoteOverUsers(
  model: Recommender,
  sae: Sae,
  groups: Iterable<UserGroup>,
  req: PromotionRequest,
): PromotionTotals {
  checkPromotion(model, sae, req);
  let users = 0;
  let eligible = 0;
  let baseline = 0;
  let itemNeurons: NeuronActivation[] | undefined;
  const sums = req.strengths.map((strength) => ({
    strength,
    usersInTopN: 0,
    gain: 0,
    entered: [] as PromotedUserRow[],
    left: [] as PromotedUserRow[],
  }));
  for (const { users: ids, batch } of groups) {
    const r = promoteItem(model, sae, batch, { ...req, strengths: req.strengths });
    itemNeurons ??= r.itemNeurons;
    users += batch.rows.rows;
    eligible += r.eligibleUsers;
    baseline += r.baselineInTopN;
    r.points.forEach((p, q) => {
      const row = (b: number): PromotedUserRow => ({
        user: ids[b],
        rankBefore: r.baselineRanks[b],
        rankAfter: p.ranks[b],
      });
      sums[q].usersInTopN += p.usersInTopN;
      sums[q].gain += p.meanRankGain * r.eligibleUsers;
      for (const b of p.entered) sums[q].entered.push(row(b));
      for (const b of p.left) sums[q].left.push(row(b));
    });
  }
  if (itemNeurons === undefined) throw new BadInput("promote: no users to measure the promotion on", "users");
  return {
    users,
    eligibleUsers: eligible,
    baselineInTopN: baseline,
    itemNeurons,
    points: sums.map(({ gain, ...rest }) => ({ ...rest, meanRankGain: eligible > 0 ? gain / eligible : 0 })),
  };
}
