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

/**
 * Adds up the promotion's effect group by group: {@link promoteOverUsers} feeds it every group at
 * once, the server's preview one group per turn of the event loop; the numbers are the same.
 */
export class PromotionAccumulator {
  private users = 0;
  private eligible = 0;
  private baseline = 0;
  private itemNeurons: NeuronActivation[] | undefined;
  private readonly sums: {
    strength: number;
    usersInTopN: number;
    gain: number;
    entered: PromotedUserRow[];
    left: PromotedUserRow[];
  }[];

  /** Checks the request (see {@link checkPromotion}). */
  constructor(
    private readonly model: Recommender,
    private readonly sae: Sae,
    private readonly req: PromotionRequest,
  ) {
    checkPromotion(model, sae, req);
    this.sums = req.strengths.map((strength) => ({
      strength,
      usersInTopN: 0,
      gain: 0,
      entered: [],
      left: [],
    }));
  }

  /** Promotes the item for one group of users and adds its effect. */
  add({ users: ids, batch }: UserGroup): void {
    const r = promoteItem(this.model, this.sae, batch, { ...this.req, strengths: this.req.strengths });
    this.itemNeurons ??= r.itemNeurons;
    this.users += batch.rows.rows;
    this.eligible += r.eligibleUsers;
    this.baseline += r.baselineInTopN;
    r.points.forEach((p, q) => {
      const row = (b: number): PromotedUserRow => ({
        user: ids[b],
        rankBefore: r.baselineRanks[b],
        rankAfter: p.ranks[b],
      });
      const sum = this.sums[q];
      sum.usersInTopN += p.usersInTopN;
      sum.gain += p.meanRankGain * r.eligibleUsers;
      for (const b of p.entered) sum.entered.push(row(b));
      for (const b of p.left) sum.left.push(row(b));
    });
  }

  /** The totals over the groups added so far (BadInput when there were none). */
  totals(): PromotionTotals {
    if (this.itemNeurons === undefined)
      throw new BadInput("promote: no users to measure the promotion on", "users");
    const eligible = this.eligible;
    return {
      users: this.users,
      eligibleUsers: eligible,
      baselineInTopN: this.baseline,
      itemNeurons: this.itemNeurons,
      points: this.sums.map(({ gain, ...rest }) => ({
        ...rest,
        meanRankGain: eligible > 0 ? gain / eligible : 0,
      })),
    };
  }
}

/** Promotes the item for every group of users and adds up the effect of each strength. */
export function promoteOverUsers(
  model: Recommender,
  sae: Sae,
  groups: Iterable<UserGroup>,
  req: PromotionRequest,
): PromotionTotals {
  const acc = new PromotionAccumulator(model, sae, req);
  for (const g of groups) acc.add(g);
  return acc.totals();
}
