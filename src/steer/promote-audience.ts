import { rankBiasedOverlap } from "../eval/fidelity.js";
import { ranksAhead } from "../eval/fullRank.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { CodeBuilder } from "../sae/code.js";
import type { Sae } from "../sae/types.js";
import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import { checkLatent } from "./code-row.js";

/**
 * Item promotion for a target audience (Arviv et al., Figure 5). The item's vector v is SAE-encoded
 * (c = E_s(v)); raising latent j by s gives v'(s) = v + D_s(c + s e_j) - D_s(c) = v + s Δ_j (the
 * decoder is affine in the code, so Δ_j = D_s(c + e_j) - D_s(c) is exact and only the item's own
 * per-sample statistics scale it). For a model whose score is linear in the item vector (MF, ELSA:
 * see promote.ts) user u's score of the item becomes x_u + s <z_u, Δ_j> while every other item keeps
 * its score, so the item's rank for u improves monotonically with s exactly when <z_u, Δ_j> > 0, and
 * the rest of u's list keeps its relative order (only the promoted item moves).
 */

/** Δ_j for every latent j (dSae x dim): the change of the item's decoded vector per unit of latent j. */
export function itemLatentDirections(sae: Sae, itemVector: Float32Array): Matrix {
  if (itemVector.length !== sae.dIn)
    throw new RangeError(
      `itemLatentDirections: item vector has ${itemVector.length} dims, the SAE ${sae.dIn}`,
    );
  const code = sae.encode(new Matrix(1, sae.dIn, itemVector.slice()));
  const base = sae.decode(code);
  const d = sae.dSae;
  const own = new Map<number, number>();
  for (let p = code.indptr[0]; p < code.indptr[1]; p++) own.set(code.indices[p], code.values[p]);
  const b = new CodeBuilder(d, d, d * (own.size + 1));
  for (let j = 0; j < d; j++) {
    for (const [k, v] of own) if (k !== j) b.push(k, v);
    b.push(j, (own.get(j) ?? 0) + 1);
    b.endRow();
  }
  const fill = (a: Float32Array | undefined): Float32Array | undefined =>
    a ? new Float32Array(d).fill(a[0]) : undefined;
  const rm = fill(code.rowMean);
  const rs = fill(code.rowScale);
  const raised = sae.decode(b.build({ ...(rm ? { rowMean: rm } : {}), ...(rs ? { rowScale: rs } : {}) }));
  for (let j = 0; j < d; j++) for (let c = 0; c < sae.dIn; c++) raised.data[j * sae.dIn + c] -= base.data[c];
  return raised;
}

/**
 * Per-latent alignment with a group of users: a_j = mean over the batch of <z_u, Δ_j> / σ_u, σ_u the
 * standard deviation of user u's scores over all items (so a_j is "score standard deviations gained
 * per unit of strength"), and the share of users with <z_u, Δ_j> > 0 (those whose rank can only
 * improve). Sums are returned so that batches can be added up; divide by `users`.
 */
export interface LatentAlignmentSums {
  readonly users: number;
  readonly gain: Float64Array;
  readonly positive: Float64Array;
}

/** Adds one batch's {@link LatentAlignmentSums} to `acc` (created when undefined). */
export function addLatentAlignment(
  model: Recommender,
  directions: Matrix,
  batch: UserBatch,
  acc?: LatentAlignmentSums,
): LatentAlignmentSums {
  const d = directions.rows;
  const out = acc ?? { users: 0, gain: new Float64Array(d), positive: new Float64Array(d) };
  const z = model.encodeUsers(batch);
  if (z.cols !== directions.cols)
    throw new RangeError(`addLatentAlignment: users have ${z.cols} dims, directions ${directions.cols}`);
  const scores = model.decode(z, batch);
  const g = kernels().gemm(false, true, 1, z, directions, 0, new Matrix(z.rows, d));
  for (let u = 0; u < z.rows; u++) {
    const sd = rowStd(scores.row(u));
    const inv = sd > 0 && Number.isFinite(sd) ? 1 / sd : 0;
    for (let j = 0; j < d; j++) {
      const v = g.data[u * d + j];
      out.gain[j] += v * inv;
      if (v > 0) out.positive[j]++;
    }
  }
  return { users: out.users + z.rows, gain: out.gain, positive: out.positive };
}

function rowStd(row: Float32Array): number {
  let s = 0;
  let n = 0;
  for (const v of row)
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  if (n < 2) return 0;
  const m = s / n;
  let q = 0;
  for (const v of row) if (Number.isFinite(v)) q += (v - m) ** 2;
  return Math.sqrt(q / (n - 1));
}

/** Options of {@link promoteForBatch}. */
export interface AudiencePromotionOptions {
  readonly item: number;
  readonly neuron: number;
  /** Finite, >= 0, in the SAE's code units (added to the latent's activation in the item's code). */
  readonly strengths: readonly number[];
  /** List length for shareInTopN and rboRest. */
  readonly n: number;
  /** RBO persistence (default 0.9). */
  readonly rboP?: number;
}

/** One user's outcome: ranks are 1-based among the user's unseen items, 0 when the user has seen it. */
export interface AudiencePromotionRows {
  /** Rank before promotion per user of the batch. */
  readonly rankBefore: Int32Array;
  /** rankAfter[q][u]: rank at strengths[q]. */
  readonly rankAfter: Int32Array[];
  /** rboRest[q][u]: RBO of the user's top-n without the item, after vs before (NaN when seen). */
  readonly rboRest: Float64Array[];
}

/**
 * Promotes the item through latent `neuron` for one batch of users and returns every user's rank
 * of the item before and at each strength, and the RBO of the rest of their top-n (the list with
 * the promoted item taken out) against the original rest. Exact under the linearity stated in the
 * module comment: the new list is the old top-(n+1) with the item re-inserted at its new rank.
 */
export function promoteForBatch(
  model: Recommender,
  sae: Sae,
  batch: UserBatch,
  opts: AudiencePromotionOptions,
): AudiencePromotionRows {
  if (!model.encodeItems) throw new Error(`promoteForBatch: model "${model.name}" has no item vectors`);
  const items = model.encodeItems();
  const { item, neuron, n } = opts;
  if (!(Number.isInteger(item) && item >= 0 && item < items.rows))
    throw new RangeError(`promoteForBatch: item ${item} is not in [0, ${items.rows})`);
  checkLatent("promoteForBatch: neuron", neuron, sae.dSae);
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`promoteForBatch: n must be >= 1, got ${n}`);
  opts.strengths.forEach((s, q) => {
    if (!(s >= 0 && Number.isFinite(s)))
      throw new RangeError(`promoteForBatch: strengths[${q}] must be a finite number >= 0, got ${s}`);
  });
  const dir = itemLatentDirections(sae, items.row(item).slice()).row(neuron);
  const z = model.encodeUsers(batch);
  const scores = model.decode(z, batch);
  const lists = topNUnseen(scores.clone(), batch.rows, n + 1);
  const rows = z.rows;
  const rankBefore = new Int32Array(rows);
  const rankAfter = opts.strengths.map(() => new Int32Array(rows));
  const rboRest = opts.strengths.map(() => new Float64Array(rows).fill(NaN));
  const p = opts.rboP ?? 0.9;
  for (let u = 0; u < rows; u++) {
    const seen = batch.rows.rowIndices(u);
    if (seen.includes(item)) continue;
    const row = scores.row(u);
    const zu = z.row(u);
    let slope = 0;
    for (let c = 0; c < zu.length; c++) slope += zu[c] * dir[c];
    const rankAt = rankFinder(row, seen, item);
    const x0 = row[item];
    rankBefore[u] = rankAt(x0);
    const others = Array.from(topNItems(lists, u)).filter((i) => i !== item);
    const restBefore = listWith(others, item, rankBefore[u], n).filter((i) => i !== item);
    opts.strengths.forEach((s, q) => {
      const r = rankAt(Math.fround(x0 + s * slope));
      rankAfter[q][u] = r;
      const restAfter = listWith(others, item, r, n).filter((i) => i !== item);
      rboRest[q][u] = rankBiasedOverlap(restBefore, restAfter, p);
    });
  }
  return { rankBefore, rankAfter, rboRest };
}

/**
 * rankAt(s): 1-based rank the item would have with score s among the row's items not in `seen`
 * (ties by {@link ranksAhead}); the other scores are sorted once, each query is a binary search.
 */
function rankFinder(row: Float32Array, seen: Int32Array, item: number): (s: number) => number {
  const skip = new Uint8Array(row.length);
  for (const j of seen) skip[j] = 1;
  skip[item] = 1;
  const vals = new Float32Array(row.length);
  let m = 0;
  for (let j = 0; j < row.length; j++) if (!skip[j] && !Number.isNaN(row[j])) vals[m++] = row[j];
  const sorted = vals.subarray(0, m).sort();
  const upper = (s: number): number => {
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (s: number): number => {
    const sf = Math.fround(s);
    const above = m - upper(sf);
    let tiedAhead = 0;
    if (upper(sf) > 0 && sorted[upper(sf) - 1] === sf)
      for (let j = 0; j < item; j++) if (!skip[j] && ranksAhead(row[j], j, sf, item)) tiedAhead++;
    return above + tiedAhead + 1;
  };
}

/** The top-n list made of `others` (best first, item excluded) with `item` at 1-based rank r (if <= n). */
function listWith(others: readonly number[], item: number, r: number, n: number): number[] {
  const out = others.slice(0, n);
  if (r >= 1 && r <= n) out.splice(r - 1, 0, item);
  return out.slice(0, n);
}
