import { PromotionAccumulator, type PromotedUserRow } from "../pipeline/promotion.js";
import { steeringOps } from "../pipeline/steering.js";
import { recommend } from "../steer/index.js";
import { describeItem, type ItemView } from "./item-view.js";
import { PreviewQueue } from "./preview-queue.js";
import { labelOf, type NeuronLabelView } from "./steering.js";
import { requestSteering } from "./strength.js";
import { evenSample, userBatches } from "./user-batches.js";
import type { Workspace } from "./workspace.js";

/** Users a reach preview steers at most (evenly spaced sample). */
export const MAX_REACH_USERS = 500;
/** Users a promotion preview re-ranks at most (evenly spaced sample). */
export const MAX_PROMOTE_USERS = 5000;
/**
 * Users re-ranked per slice of a promotion preview; the event loop turns between slices. At 100k
 * items the preview used to hold the server for 4.5 s of CPU (2000 users in 1024-user batches).
 */
export const PROMOTE_SLICE_USERS = 16;

/** How boosting one neuron for every user changes their lists. */
export interface ReachView extends NeuronLabelView {
  readonly neuron: number;
  /** The boost's strength on the people's scale (0 = unchanged, 1 = the concept dominates). */
  readonly strength: number;
  /** The serving operator's calibrated shift amount for that strength (strength-scale.ts). */
  readonly amount: number;
  readonly n: number;
  readonly usersConsidered: number;
  /** Users whose code already activates the neuron. */
  readonly usersActive: number;
  /** Users whose top-n changes. */
  readonly usersChanged: number;
  /** Mean number of items entering a list, over all considered users. */
  readonly meanEntered: number;
  /** Items entering the most lists. */
  readonly topEntered: { item: ItemView; users: number }[];
  /** The users most affected (most items entered; ties: higher activation, then row). */
  readonly users: { id: string; activation: number; enteredCount: number; entered: ItemView[] }[];
}

/**
 * Time budget of one slice of a reach computation, in ms: users are steered one at a time until the
 * slice has run this long, then the event loop turns. A budget rather than a user count, because a
 * user's cost grows with the catalogue (two sgemv over the items: ~0.1 ms at 10k items, 3-8 ms at
 * 100k on the loaded 2-core machine, where a fixed 16 users made slices of 60-500 ms).
 */
export const REACH_SLICE_MS = 4;

/** Options of {@link neuronReach}. */
export interface ReachOptions {
  /** Fixed users per slice instead of the time budget (tests count the slices with it). */
  readonly sliceUsers?: number;
  /** Time budget per slice in ms when `sliceUsers` is not given (default REACH_SLICE_MS). */
  readonly sliceMs?: number;
  /** Called after each slice, before yielding (tests count the yields). */
  readonly onSlice?: (done: number, total: number) => void;
}

/** Resolves on a later turn of the event loop (after pending I/O callbacks: setImmediate). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Previews queued or running at most; a preview past that answers 503 at once (see PreviewQueue). */
export const MAX_QUEUED_PREVIEWS = 4;

/** Reach and promotion previews share one queue: one runs at a time, at most 4 are held. */
const previews = new PreviewQueue(MAX_QUEUED_PREVIEWS);

/**
 * Boosts neuron j at `strength` (0..1, the scale of a boost in the recommendation route, bound to
 * the same operator and calibration through requestSteering, so a user's list here is the one
 * GET /api/users/:id/recommendations?boost=#j:strength gives) for (a sample of) every user and
 * reports who it reaches. The work is cut into slices of about `sliceMs` (or of `sliceUsers` users)
 * with a turn of the event loop between slices, and previews are queued one at a time (Unavailable,
 * 503, when MAX_QUEUED_PREVIEWS are already held), so other requests (GET /api/health, a user's
 * list) are answered between slices instead of waiting for the whole preview (it used to block the
 * server for 1.6-2.0 s on ml-latest-small; 7 s at 100k items).
 * The numbers do not depend on the slicing.
 */
export function neuronReach(
  ws: Workspace,
  j: number,
  strength: number,
  n: number,
  limit: number,
  opts: ReachOptions = {},
): Promise<ReachView> {
  return previews.run(`neuron ${j} reach`, () => computeReach(ws, j, strength, n, limit, opts));
}

async function computeReach(
  ws: Workspace,
  j: number,
  strength: number,
  n: number,
  limit: number,
  opts: ReachOptions,
): Promise<ReachView> {
  const { steering } = requestSteering(ws, { boost: [`#${j}:${strength}`], suppress: [] });
  const steer = steeringOps(steering);
  const sample = evenSample(ws.users.rows.rows, MAX_REACH_USERS);
  const rows: { u: number; activation: number; entered: Int32Array }[] = [];
  const enteredCount = new Map<number, number>();
  const fixed = opts.sliceUsers !== undefined ? Math.max(1, opts.sliceUsers) : undefined;
  const budget = opts.sliceMs ?? REACH_SLICE_MS;
  const batches = userBatches(ws.users, sample, fixed ?? 1);
  let done = 0;
  let sliceStart = performance.now();
  for (let t = 0; t < batches.length; t++) {
    const { users, batch } = batches[t];
    const res = recommend(ws.model, ws.sae, batch, { n, ...(steer.length > 0 ? { steer } : {}) });
    res.users.forEach((r, b) => {
      const activation = r.neurons.find((a) => a.neuron === j)?.activation ?? 0;
      rows.push({ u: users[b], activation, entered: r.entered });
      for (const i of r.entered) enteredCount.set(i, (enteredCount.get(i) ?? 0) + 1);
    });
    done += users.length;
    const last = t === batches.length - 1;
    if (last || fixed !== undefined || performance.now() - sliceStart >= budget) {
      opts.onSlice?.(done, sample.length);
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  let changed = 0;
  let entered = 0;
  let active = 0;
  for (const r of rows) {
    if (r.entered.length > 0) changed++;
    if (r.activation > 0) active++;
    entered += r.entered.length;
  }
  rows.sort((a, b) => b.entered.length - a.entered.length || b.activation - a.activation || a.u - b.u);
  return {
    neuron: j,
    ...labelOf(ws, j),
    strength,
    amount: steering.amount ?? 0,
    n,
    usersConsidered: rows.length,
    usersActive: active,
    usersChanged: changed,
    meanEntered: rows.length ? entered / rows.length : 0,
    topEntered: [...enteredCount]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 10)
      .map(([i, users]) => ({ item: describeItem(ws.dataset, i), users })),
    users: rows.slice(0, limit).map((r) => ({
      id: ws.users.ids[r.u],
      activation: r.activation,
      enteredCount: r.entered.length,
      entered: Array.from(r.entered.subarray(0, 5), (i) => describeItem(ws.dataset, i)),
    })),
  };
}

/** A user whose top-n the promotion changes. */
export interface PromotedUser {
  readonly id: string;
  /** 1-based rank of the item among the user's unseen items before / after. */
  readonly rankBefore: number;
  readonly rankAfter: number;
}

/** POST /api/items/:id/promote response. */
export interface PromotionView extends NeuronLabelView {
  readonly item: ItemView;
  readonly neuron: number;
  readonly strength: number;
  readonly n: number;
  readonly usersConsidered: number;
  /** Users who have not interacted with the item. */
  readonly eligibleUsers: number;
  readonly baselineInTopN: number;
  readonly usersInTopN: number;
  /** Mean rank improvement over eligible users. */
  readonly meanRankGain: number;
  /** The item's own active neurons (scale for `strength`). */
  readonly itemNeurons: (NeuronLabelView & { neuron: number; activation: number })[];
  /** Users who newly get the item into their top-n (the first `limit`, by rank after). */
  readonly entered: { count: number; users: PromotedUser[] };
  /** Users who lose it. */
  readonly left: { count: number; users: PromotedUser[] };
}

/**
 * Item promotion preview through the promotion service (src/pipeline/promotion.ts, shared with
 * `reclens promote`): raise neuron `neuron` by `strength` in the item's SAE code and report the users
 * who would newly receive it in their top-n. Unavailable (503) when the model has no item vectors.
 * Computed in slices of PROMOTE_SLICE_USERS users with a turn of the event loop between them, in
 * the same queue as reach previews (Unavailable, 503, when it is full).
 */
export function promotionPreview(
  ws: Workspace,
  item: number,
  neuron: number,
  strength: number,
  n: number,
  limit: number,
): Promise<PromotionView> {
  const req = { item, neuron, strengths: [strength], n };
  // Checked here, synchronously, so a bad request throws to the caller (the route names body fields).
  const acc = new PromotionAccumulator(ws.model, ws.sae, req);
  return previews.run(`item ${item} promotion`, () => promote(ws, acc, item, neuron, strength, n, limit));
}

async function promote(
  ws: Workspace,
  acc: PromotionAccumulator,
  item: number,
  neuron: number,
  strength: number,
  n: number,
  limit: number,
): Promise<PromotionView> {
  const sample = evenSample(ws.users.rows.rows, MAX_PROMOTE_USERS);
  for (const group of userBatches(ws.users, sample, PROMOTE_SLICE_USERS)) {
    acc.add(group);
    await nextTurn();
  }
  const totals = acc.totals();
  const pt = totals.points[0];
  const view = (r: PromotedUserRow): PromotedUser => ({
    id: ws.users.ids[r.user],
    rankBefore: r.rankBefore,
    rankAfter: r.rankAfter,
  });
  const byRank = (a: PromotedUser, b: PromotedUser): number =>
    a.rankAfter - b.rankAfter || a.rankBefore - b.rankBefore || (a.id < b.id ? -1 : 1);
  const entered = pt.entered.map(view).sort(byRank);
  const left = pt.left.map(view).sort(byRank);
  return {
    item: describeItem(ws.dataset, item),
    neuron,
    ...labelOf(ws, neuron),
    strength,
    n,
    usersConsidered: sample.length,
    eligibleUsers: totals.eligibleUsers,
    baselineInTopN: totals.baselineInTopN,
    usersInTopN: pt.usersInTopN,
    meanRankGain: pt.meanRankGain,
    itemNeurons: totals.itemNeurons.map((a) => ({ ...a, ...labelOf(ws, a.neuron) })),
    entered: { count: entered.length, users: entered.slice(0, limit) },
    left: { count: left.length, users: left.slice(0, limit) },
  };
}
