import { arvivTable, ARVIV_MIN_ITEMS } from "../concepts/arviv-table.js";
import { BadInput } from "../errors.js";
import { meanStderr, type MeanStderr } from "../eval/stats.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { NestedRecommender } from "../nested/nested.js";
import { topNItems, topNUnseen, type TopNLists } from "../nested/nested-rank.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { mapCodeRows } from "../steer/code-row.js";
import { kernels } from "../tensor/backend.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import type { ResolvedConcept } from "./audience.js";
import { itemVectors } from "./item-activations.js";

/**
 * The segment-nudging service (`reclens nudge`, POST /api/nudge): push a group of users (e.g. ML-1M
 * under-18s) toward a concept (Children's) by raising the concept's latent by `strength` (SAE code
 * units) and measure, per strength, the concept's share of their top-n gained against the Recall@k
 * on their held-out items kept.
 *
 * Where the latent is raised (`side`):
 * - "users" (default; Arviv et al.'s "adjusting the corresponding neurons" of the segment): in each
 *   user's code, c_u' = c_u + s e_j, decoded with the SAE reconstruction error added back (strength
 *   0 is the model itself, bit for bit); every item's score moves, so the rest of the list can move;
 * - "items": in the code of every concept item, v_i' = v_i + D(c_i + s e_j) - D(c_i), ranked for
 *   the segment only (needs item vectors and a score linear in them: MF, ELSA). Only concept items
 *   change score, so the other items keep their order.
 *
 * The latent (unless given): the concept's Table-1 neuron (src/concepts/arviv-table.ts): highest mean
 * item-side purity@10/20/50 among latents firing on >= `minItems` items (default 50; 5 when no latent
 * fires on that many), ties to the higher purity@50, then the lower index.
 */

/** Where the latent is raised; see the module comment. */
export type NudgeSide = "users" | "items";

/** Fallback activating-item floor for the automatic neuron when none reaches `minItems`. */
export const NUDGE_FALLBACK_MIN_ITEMS = 5;

/** The users nudged: what they are encoded from and their lists exclude, and their held-out items. */
export interface NudgeGroup {
  /** users x items: the interactions the model sees (fold-in). */
  readonly seen: Csr;
  /** users x items: held-out items (what Recall@k counts). */
  readonly targets: Csr;
  /** Model user ids, when the model knows every user (MF training users); else folded in. */
  readonly userIds?: Int32Array;
}

/** What to nudge toward, how hard and how it is measured. */
export interface NudgeRequest {
  readonly concept: ResolvedConcept;
  /** Latents raised (each by the strength); the concept's Table-1 neuron when undefined. */
  readonly neurons?: readonly number[];
  /** Finite, >= 0, code units added to each latent. */
  readonly strengths: readonly number[];
  /** List length for the concept's share (default 30). */
  readonly n?: number;
  /** Recall cut-off (default 20). */
  readonly k?: number;
  readonly side?: NudgeSide;
  readonly minItems?: number;
  /** Users per batch (memory: users x items scores; default 256). */
  readonly batchSize?: number;
}

/** A latent the nudge raises and what it stands for on the item side. */
export interface NudgeNeuron {
  readonly neuron: number;
  readonly auto: boolean;
  /** Item-side purity@10/20/50 for the concept (share of its top-K activating items in the concept). */
  readonly purity: [number, number, number];
  /** Items activating it, and its mean non-zero item activation (the scale for strengths). */
  readonly activatingItems: number;
  readonly meanItemActivation: number;
}

/** Effect of one strength on the group (means over users; stderr over users). */
export interface NudgePoint {
  readonly strength: number;
  /** Share of concept items in the users' top-n, before / after, and after - before. */
  readonly shareBefore: number;
  readonly shareAfter: number;
  readonly shareAfterStderr: number;
  readonly shareGain: number;
  /** Truncated Recall@k (hits / min(k, |held-out|)) on the held-out items, before / after. */
  readonly recallBefore: number;
  readonly recallAfter: number;
  readonly recallAfterStderr: number;
  /** recallAfter / recallBefore (1 when recallBefore is 0). */
  readonly recallKept: number;
  /**
   * Share of the non-concept items of a user's original top-n still in the new top-n, averaged over
   * users whose original top-n held any (1 when none did): what the nudge leaves of the old list.
   */
  readonly restKept: number;
}

/** Result of {@link nudgeGroup}. */
export interface NudgeResult {
  readonly side: NudgeSide;
  readonly users: number;
  readonly n: number;
  readonly k: number;
  readonly neurons: NudgeNeuron[];
  readonly points: NudgePoint[];
}

/** Dense item activations (items x dSae) of the SAE on the model's item vectors. */
function itemCode(model: Recommender, sae: Sae): { code: SparseCode; dense: Matrix } {
  const code = sae.encode(itemVectors(model));
  const dense = new Matrix(code.rows, sae.dSae);
  for (let i = 0; i < code.rows; i++)
    for (let p = code.indptr[i]; p < code.indptr[i + 1]; p++)
      dense.data[i * sae.dSae + code.indices[p]] = code.values[p];
  return { code, dense };
}

/** Flag matrix (items x 1) of a resolved concept. */
function conceptMatrix(concept: ResolvedConcept): Csr {
  const rows: number[] = [];
  concept.items.forEach((f, i) => {
    if (f) rows.push(i);
  });
  return Csr.fromTriplets(concept.items.length, 1, rows, new Array<number>(rows.length).fill(0));
}

/** Describes latents for a concept (purity, activating items, mean activation); `auto` picks the best. */
export function conceptNeurons(
  model: Recommender,
  sae: Sae,
  concept: ResolvedConcept,
  neurons: readonly number[] | undefined,
  minItems = ARVIV_MIN_ITEMS,
): NudgeNeuron[] {
  const { dense } = itemCode(model, sae);
  if (dense.rows !== concept.items.length)
    throw new BadInput(`concept: ${concept.items.length} item flags for ${dense.rows} items`, "concept");
  const flags = { kind: "concept", names: [concept.names.join("|")], matrix: conceptMatrix(concept) };
  const zeros = new Float64Array(dense.rows);
  let chosen: number[];
  if (neurons) chosen = [...neurons];
  else {
    let row = arvivTable(dense, flags, zeros, minItems).rows[0];
    if (row.neuron === null) row = arvivTable(dense, flags, zeros, NUDGE_FALLBACK_MIN_ITEMS).rows[0];
    if (row.neuron === null)
      throw new BadInput(
        `neurons: no latent fires on >= ${NUDGE_FALLBACK_MIN_ITEMS} items; name the neurons to raise`,
        "neurons",
      );
    chosen = [row.neuron];
  }
  // Purity of each chosen latent, the same way (restricted to that latent).
  return chosen.map((j) => {
    if (!(Number.isInteger(j) && j >= 0 && j < sae.dSae))
      throw new BadInput(`neurons: neuron ${j} out of range [0, ${sae.dSae})`, "neurons");
    const col = new Matrix(dense.rows, 1);
    let mass = 0;
    let count = 0;
    for (let i = 0; i < dense.rows; i++) {
      const v = dense.data[i * dense.cols + j];
      col.data[i] = v;
      if (v > 0) {
        mass += v;
        count++;
      }
    }
    const r = arvivTable(col, flags, zeros, 0).rows[0];
    const purity = (r.purity ?? [0, 0, 0]) as [number, number, number];
    return {
      neuron: j,
      auto: neurons === undefined,
      purity: [purity[0], purity[1], purity[2]],
      activatingItems: count,
      meanItemActivation: count > 0 ? mass / count : 0,
    };
  });
}

/** Nudges the group toward the concept at every strength and measures it; see the module comment. */
export function nudgeGroup(model: Recommender, sae: Sae, group: NudgeGroup, req: NudgeRequest): NudgeResult {
  const n = req.n ?? 30;
  const k = req.k ?? 20;
  for (const [name, v] of [
    ["n", n],
    ["k", k],
  ] as const)
    if (!(Number.isInteger(v) && v >= 1))
      throw new BadInput(`${name} must be a positive integer, got ${v}`, name);
  if (req.strengths.length === 0) throw new BadInput("strength: give at least one strength", "strength");
  req.strengths.forEach((s) => {
    if (!(s >= 0 && Number.isFinite(s)))
      throw new BadInput(`strength must be a finite number >= 0, got ${s}`, "strength");
  });
  const users = group.seen.rows;
  if (users === 0) throw new BadInput("segment: no held-out user belongs to the segment", "segment");
  if (group.targets.rows !== users || group.seen.cols !== model.nItems || group.targets.cols !== model.nItems)
    throw new RangeError(
      `nudgeGroup: seen ${group.seen.rows}x${group.seen.cols}, targets ${group.targets.rows}x${group.targets.cols}, model ${model.nItems} items`,
    );
  const side = req.side ?? "users";
  if (side === "items" && !model.encodeItems)
    throw new BadInput(`side: model "${model.name}" has no item vectors; use side "users"`, "side");
  const chosen = conceptNeurons(model, sae, req.concept, req.neurons, req.minItems);
  const neurons = chosen.map((c) => c.neuron);
  const inC = req.concept.items;
  const m = Math.max(n, k);
  const q = req.strengths.length;
  const share = { before: new Float64Array(users), after: req.strengths.map(() => new Float64Array(users)) };
  const recall = { before: new Float64Array(users), after: req.strengths.map(() => new Float64Array(users)) };
  const kept = req.strengths.map((): number[] => []);
  const itemsSide = side === "items" ? itemSideDeltas(model, sae, inC, neurons) : undefined;
  const nested = new NestedRecommender(model, sae);
  const bs = req.batchSize ?? 256;
  for (let s0 = 0; s0 < users; s0 += bs) {
    const e = Math.min(users, s0 + bs);
    const seen = group.seen.rowRange(s0, e);
    const batch: UserBatch = group.userIds
      ? { rows: seen, userIds: group.userIds.subarray(s0, e) }
      : { rows: seen };
    const targets = group.targets.rowRange(s0, e);
    const scoreAt = batchScorer(model, sae, nested, batch, neurons, itemsSide);
    const before = topNUnseen(scoreAt(0), seen, m);
    for (let r = 0; r < e - s0; r++) {
      share.before[s0 + r] = listShare(before, r, n, inC);
      recall.before[s0 + r] = truncatedRecall(before, r, k, targets);
    }
    req.strengths.forEach((s, t) => {
      const after = topNUnseen(scoreAt(s), seen, m);
      for (let r = 0; r < e - s0; r++) {
        share.after[t][s0 + r] = listShare(after, r, n, inC);
        recall.after[t][s0 + r] = truncatedRecall(after, r, k, targets);
        const was = Array.from(topNItems(before, r).subarray(0, n)).filter((i) => !inC[i]);
        const now = new Set(topNItems(after, r).subarray(0, n));
        if (was.length > 0) kept[t].push(was.filter((i) => now.has(i)).length / was.length);
      }
    });
  }
  const mean = (a: ArrayLike<number>): MeanStderr => meanStderr(a);
  const sb = mean(share.before).mean;
  const rb = mean(recall.before).mean;
  const points = Array.from({ length: q }, (_, t): NudgePoint => {
    const sa = mean(share.after[t]);
    const ra = mean(recall.after[t]);
    return {
      strength: req.strengths[t],
      shareBefore: sb,
      shareAfter: sa.mean,
      shareAfterStderr: sa.stderr,
      shareGain: sa.mean - sb,
      recallBefore: rb,
      recallAfter: ra.mean,
      recallAfterStderr: ra.stderr,
      recallKept: rb > 0 ? ra.mean / rb : 1,
      restKept: kept[t].length > 0 ? kept[t].reduce((x, y) => x + y, 0) / kept[t].length : 1,
    };
  });
  return { side, users, n, k, neurons: chosen, points };
}

/** Item side: the concept items and their decoded change per unit of the latents (items x dim). */
interface ItemSideDeltas {
  readonly items: Int32Array;
  readonly delta: Matrix;
}

function itemSideDeltas(
  model: Recommender,
  sae: Sae,
  inC: Uint8Array,
  neurons: readonly number[],
): ItemSideDeltas {
  const all = (model.encodeItems as () => Matrix).call(model);
  const items = Int32Array.from(inC.keys()).filter((i) => inC[i] === 1);
  const sub = new Matrix(items.length, all.cols);
  items.forEach((i, t) => sub.data.set(all.row(i), t * all.cols));
  const code = sae.encode(sub);
  const raised = mapCodeRows(code, (row) => {
    for (const j of neurons) row.set(j, row.get(j) + 1);
  });
  const delta = sae.decode(raised);
  const base = sae.decode(code);
  for (let t = 0; t < delta.data.length; t++) delta.data[t] -= base.data[t];
  return { items, delta };
}

/** scoreAt(s): the batch's scores with the latents raised by s (a new matrix each call). */
function batchScorer(
  model: Recommender,
  sae: Sae,
  nested: NestedRecommender,
  batch: UserBatch,
  neurons: readonly number[],
  itemsSide: ItemSideDeltas | undefined,
): (s: number) => Matrix {
  if (itemsSide) {
    const z = model.encodeUsers(batch);
    const base = model.decode(z, batch);
    const { items, delta } = itemsSide;
    const g = kernels().gemm(false, true, 1, z, delta, 0, new Matrix(z.rows, items.length));
    return (s) => {
      const out = base.clone();
      if (s === 0) return out;
      for (let u = 0; u < z.rows; u++)
        items.forEach((i, t) => {
          out.data[u * out.cols + i] += s * g.data[u * items.length + t];
        });
      return out;
    };
  }
  const enc = nested.encodeWithError(batch);
  return (s) => {
    const code =
      s === 0
        ? enc.code
        : mapCodeRows(enc.code, (row) => {
            for (const j of neurons) row.set(j, row.get(j) + s);
          });
    return nested.scoresFromCode(code, batch, { addError: enc });
  };
}

/** Share of concept items among the first n of row r's list (0 for an empty list). */
function listShare(lists: TopNLists, r: number, n: number, inC: Uint8Array): number {
  const items = topNItems(lists, r).subarray(0, n);
  let hits = 0;
  for (const i of items) hits += inC[i];
  return items.length > 0 ? hits / items.length : 0;
}

/** Hits of row r's top-k among its held-out items over min(k, |held-out|) (0 without held-out items). */
function truncatedRecall(lists: TopNLists, r: number, k: number, targets: Csr): number {
  const want = targets.rowIndices(r);
  if (want.length === 0) return 0;
  const set = new Set(want);
  let hits = 0;
  for (const i of topNItems(lists, r).subarray(0, k)) if (set.has(i)) hits++;
  return hits / Math.min(k, want.length);
}
