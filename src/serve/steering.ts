import { topNItems, topNScores, topNUnseen } from "../nested/nested-rank.js";
import { steerUser, type Steering } from "../pipeline/steering.js";
import { describeItem, type ItemView } from "./item-view.js";
import { singleUserBatch } from "./user-batches.js";
import type { ModelWorkspace, Workspace } from "./workspace.js";

/** Steering of a request, in neuron ids (checked by the steering service, src/pipeline/steering.ts). */
export type SteerRequest = Steering;

/** A neuron's label as the API shows it. */
export interface NeuronLabelView {
  readonly label: string | null;
  readonly source: string | null;
}

/** The label of neuron j in the workspace (nulls when it has none). */
export function labelOf(ws: Workspace, j: number): NeuronLabelView {
  const e = ws.labels.labels[String(j)];
  return { label: e?.label ?? null, source: e?.source ?? null };
}

/** One entry of a ranked list. */
export interface RankedItemView {
  readonly rank: number;
  readonly item: ItemView;
  readonly score: number;
  /** Steered list: the item was not in the unsteered list. Unsteered list: the item left. */
  readonly changed: boolean;
  /** Rank of the same item in the other list (1-based), null when absent. */
  readonly otherRank: number | null;
}

/** A neuron of the user's code before and after steering. */
export interface ActiveNeuronView extends NeuronLabelView {
  readonly neuron: number;
  readonly activation: number;
  readonly steeredActivation: number;
}

/** GET /api/users/:id/recommendations response. */
export interface RecommendationView {
  readonly user: { readonly id: string; readonly index: number; readonly interactions: number };
  readonly n: number;
  readonly steering: {
    /** How the boosts acted: "shift" (calibrated; `amount` x the code's sum) or "blend". */
    readonly operator: "shift" | "blend";
    readonly amount?: number;
    readonly boost: readonly (NeuronLabelView & { neuron: number; alpha: number })[];
    readonly suppress: readonly (NeuronLabelView & { neuron: number; factor: number })[];
    readonly clamp: readonly (NeuronLabelView & { neuron: number; value: number })[];
  };
  readonly items: RankedItemView[];
  readonly unsteered: RankedItemView[];
  /** Display ids of the items that entered / left the list. */
  readonly entered: string[];
  readonly left: string[];
  /** Active neurons before steering plus those steering activated, by activation descending. */
  readonly neurons: ActiveNeuronView[];
  /** Server time spent ranking, in milliseconds. */
  readonly elapsedMs: number;
}

/**
 * Steered top-n of workspace user `u` through the steering service (src/pipeline/steering.ts, shared
 * with `reclens recommend`: one encode, code edit, decode and top-k) as the API shows it.
 */
export function recommendForUser(ws: Workspace, u: number, n: number, req: SteerRequest): RecommendationView {
  const t0 = performance.now();
  const r = steerUser(ws.model, ws.sae, singleUserBatch(ws.users, u), n, req).result;
  const rankIn = (list: Int32Array): Map<number, number> => new Map(Array.from(list, (i, p) => [i, p + 1]));
  const steeredRank = rankIn(r.items);
  const baseRank = rankIn(r.unsteered.items);
  const view = (items: Int32Array, scores: Float32Array, other: Map<number, number>): RankedItemView[] =>
    Array.from(items, (i, p) => ({
      rank: p + 1,
      item: describeItem(ws.dataset, i),
      score: scores[p],
      changed: !other.has(i),
      otherRank: other.get(i) ?? null,
    }));
  const after = new Map(r.steeredNeurons.map((a) => [a.neuron, a.activation]));
  const before = new Map(r.neurons.map((a) => [a.neuron, a.activation]));
  const ids = [
    ...new Set([
      ...before.keys(),
      ...after.keys(),
      ...req.boost.map((k) => k.neuron),
      ...req.suppress.map((s) => s.neuron),
      ...(req.clamp ?? []).map((c) => c.neuron),
    ]),
  ];
  const neurons = ids
    .map((j) => ({
      neuron: j,
      activation: before.get(j) ?? 0,
      steeredActivation: after.get(j) ?? 0,
      ...labelOf(ws, j),
    }))
    .sort(
      (a, b) =>
        b.activation - a.activation || b.steeredActivation - a.steeredActivation || a.neuron - b.neuron,
    );
  return {
    user: { id: ws.users.ids[u], index: u, interactions: ws.users.rows.rowNnz(u) },
    n,
    steering: {
      operator: req.operator ?? "blend",
      ...(req.amount !== undefined ? { amount: req.amount } : {}),
      boost: req.boost.map((k) => ({ neuron: k.neuron, alpha: k.alpha, ...labelOf(ws, k.neuron) })),
      suppress: req.suppress.map((s) => ({ neuron: s.neuron, factor: s.factor, ...labelOf(ws, s.neuron) })),
      clamp: (req.clamp ?? []).map((c) => ({ neuron: c.neuron, value: c.value, ...labelOf(ws, c.neuron) })),
    },
    items: view(r.items, r.scores, baseRank),
    unsteered: view(r.unsteered.items, r.unsteered.scores, steeredRank),
    entered: Array.from(r.entered, (i) => ws.dataset.items[i]),
    left: Array.from(r.left, (i) => ws.dataset.items[i]),
    neurons,
    elapsedMs: performance.now() - t0,
  };
}

/**
 * The model's own top-n of workspace user `u` (history excluded; no SAE, so no steering) in the shape
 * of {@link recommendForUser}'s view: the unsteered list is the list, nothing entered or left, no
 * neurons. Served for runs without an SAE.
 */
export function modelListForUser(ws: ModelWorkspace, u: number, n: number): RecommendationView {
  const t0 = performance.now();
  const batch = singleUserBatch(ws.users, u);
  const top = topNUnseen(ws.model.scoreUsers(batch), batch.rows, n);
  const items = topNItems(top, 0);
  const scores = topNScores(top, 0);
  const list: RankedItemView[] = Array.from(items, (i, p) => ({
    rank: p + 1,
    item: describeItem(ws.dataset, i),
    score: scores[p],
    changed: false,
    otherRank: p + 1,
  }));
  return {
    user: { id: ws.users.ids[u], index: u, interactions: ws.users.rows.rowNnz(u) },
    n,
    steering: { operator: "blend", boost: [], suppress: [], clamp: [] },
    items: list,
    unsteered: list,
    entered: [],
    left: [],
    neurons: [],
    elapsedMs: performance.now() - t0,
  };
}
