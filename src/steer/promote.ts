import { ranksAhead } from "../eval/fullRank.js";
import type { Recommender, UserBatch } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import { Matrix } from "../tensor/matrix.js";
import { checkLatent, mapCodeRows } from "./code-row.js";
import { activeNeurons, type NeuronActivation } from "./recommend.js";

/** Options of {@link promoteItem}. */
export interface PromotionOptions {
  /** Item to promote. */
  readonly item: number;
  /** SAE latent whose activation is raised in the item's code. */
  readonly neuron: number;
  /**
   * Amounts added to that activation (finite, >= 0), one result per strength. They are in the
   * SAE's code units: compare with the item's own activations (`itemNeurons` in the result).
   */
  readonly strengths: readonly number[];
  /** Top-N cut-off. */
  readonly n: number;
  /**
   * Add the item vector's SAE reconstruction error back (default true): the promoted vector is
   * v + D_s(c') - D_s(c), so strength 0 leaves every score exactly as it was. false: D_s(c').
   */
  readonly addError?: boolean;
}

/** Effect of one promotion strength. */
export interface PromotionPoint {
  readonly strength: number;
  /** The item's promoted vector (dim). */
  readonly itemVector: Float32Array;
  /** Each user's 1-based rank of the item among their unseen items; 0 when they have seen it. */
  readonly ranks: Int32Array;
  /** Users with the item in their top-N. */
  readonly usersInTopN: number;
  /** Rows of users who get the item into their top-N (not there before promotion). */
  readonly entered: Int32Array;
  /** Rows of users who lose it from their top-N. */
  readonly left: Int32Array;
  /** Mean over users who have not seen the item of (rank before - rank after); > 0 = promoted. */
  readonly meanRankGain: number;
}

/** Result of {@link promoteItem}. */
export interface PromotionResult {
  readonly item: number;
  readonly neuron: number;
  readonly n: number;
  /** Active latents of the item vector's code, by activation descending. */
  readonly itemNeurons: NeuronActivation[];
  /** Ranks before promotion (same convention as `PromotionPoint.ranks`). */
  readonly baselineRanks: Int32Array;
  readonly baselineInTopN: number;
  /** Users who have not seen the item (the only ones it can be recommended to). */
  readonly eligibleUsers: number;
  readonly points: PromotionPoint[];
}

/**
 * Item-side promotion (Arviv et al. 2026, two-tower models): SAE-encode the item's vector v_i,
 * raise latent `neuron` by each strength s, decode back to an item vector v_i', and re-score the
 * item for every user of the batch while all other items keep their scores; then report who gets
 * the item into their top-N and how ranks move.
 *
 * Item vectors are `model.encodeItems()` (items x dim, the probing space). Re-scoring assumes the
 * model's score is linear in the item vector, score(u, i) = <z_u, v_i> + terms independent of v_i,
 * so the new score is the old one plus <z_u, v_i' - v_i>. That holds for MF (Q, plus the item
 * bias) and for ELSA, whose item representation is row i of A (the decoder column of item i in
 * x A A^T - x; A also encodes users, but only users who have seen i would feel that side, and they
 * are excluded from the ranking). Models without `encodeItems` are rejected.
 */
export function promoteItem(
  model: Recommender,
  sae: Sae,
  users: UserBatch,
  opts: PromotionOptions,
): PromotionResult {
  if (!model.encodeItems)
    throw new Error(
      `promoteItem: model "${model.name}" has no item vectors (encodeItems); item-side promotion needs a two-tower or item-embedding model`,
    );
  const items = model.encodeItems();
  const { item, neuron, n } = opts;
  if (!(Number.isInteger(item) && item >= 0 && item < items.rows))
    throw new RangeError(`promoteItem: item ${item} is not in [0, ${items.rows})`);
  checkLatent("promoteItem: neuron", neuron, sae.dSae);
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`promoteItem: n must be a positive integer, got ${n}`);
  opts.strengths.forEach((s, q) => {
    if (!(s >= 0 && Number.isFinite(s)))
      throw new RangeError(`promoteItem: strengths[${q}] must be a finite number >= 0, got ${s}`);
  });
  if (items.cols !== sae.dIn)
    throw new RangeError(`promoteItem: item vectors have ${items.cols} dims but the SAE expects ${sae.dIn}`);
  const addError = opts.addError ?? true;

  const v = new Matrix(1, items.cols, items.row(item).slice());
  const code = sae.encode(v);
  const rec = sae.decode(code);
  const z = model.encodeUsers(users);
  const base = model.decode(z, users);
  const seen = seenMask(users, item);
  const rankAt = (u: number, s: number): number => {
    if (seen[u]) return 0;
    const row = base.row(u);
    const excluded = users.rows.rowIndices(u);
    let ahead = 0;
    for (let j = 0; j < row.length; j++) if (j !== item && ranksAhead(row[j], j, s, item)) ahead++;
    for (const j of excluded) if (j !== item && ranksAhead(row[j], j, s, item)) ahead--;
    return ahead + 1;
  };
  const baselineRanks = new Int32Array(z.rows);
  for (let u = 0; u < z.rows; u++) baselineRanks[u] = rankAt(u, base.get(u, item));
  const inTop = (r: number): boolean => r >= 1 && r <= n;

  const points = opts.strengths.map((strength): PromotionPoint => {
    const steered = mapCodeRows(code, (row) => row.set(neuron, row.get(neuron) + strength));
    const dec = sae.decode(steered);
    const vec = new Float32Array(items.cols);
    const delta = new Float64Array(items.cols);
    for (let c = 0; c < vec.length; c++) {
      vec[c] = addError ? v.data[c] + (dec.data[c] - rec.data[c]) : dec.data[c];
      delta[c] = vec[c] - v.data[c];
    }
    const ranks = new Int32Array(z.rows);
    const entered: number[] = [];
    const left: number[] = [];
    let gain = 0;
    let inTopN = 0;
    for (let u = 0; u < z.rows; u++) {
      const zu = z.row(u);
      let dot = 0;
      for (let c = 0; c < zu.length; c++) dot += zu[c] * delta[c];
      const r = rankAt(u, Math.fround(base.get(u, item) + dot));
      ranks[u] = r;
      if (seen[u]) continue;
      gain += baselineRanks[u] - r;
      if (inTop(r)) inTopN++;
      if (inTop(r) && !inTop(baselineRanks[u])) entered.push(u);
      if (!inTop(r) && inTop(baselineRanks[u])) left.push(u);
    }
    const eligible = z.rows - countSeen(seen);
    return {
      strength,
      itemVector: vec,
      ranks,
      usersInTopN: inTopN,
      entered: Int32Array.from(entered),
      left: Int32Array.from(left),
      meanRankGain: eligible > 0 ? gain / eligible : 0,
    };
  });
  let baselineInTopN = 0;
  for (const r of baselineRanks) if (inTop(r)) baselineInTopN++;
  return {
    item,
    neuron,
    n,
    itemNeurons: activeNeurons(code, 0),
    baselineRanks,
    baselineInTopN,
    eligibleUsers: z.rows - countSeen(seen),
    points,
  };
}

/** seen[u] = 1 when row u of the batch holds `item`. */
function seenMask(users: UserBatch, item: number): Uint8Array {
  const out = new Uint8Array(users.rows.rows);
  for (let u = 0; u < out.length; u++) if (users.rows.rowIndices(u).includes(item)) out[u] = 1;
  return out;
}

function countSeen(seen: Uint8Array): number {
  let c = 0;
  for (const s of seen) c += s;
  return c;
}
