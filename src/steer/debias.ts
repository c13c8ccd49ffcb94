import { giniIndex } from "../eval/stats.js";
import { partBatch, type Recommender } from "../models/types.js";
import type { HeldOutRows } from "../nested/nested-eval.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae } from "../sae/types.js";
import type { Matrix } from "../tensor/matrix.js";
import { steerCode } from "./ops.js";

/**
 * Debiasing by suppressing popularity latents (RecSAE's example): find the latents whose item
 * activations follow item popularity, scale them down in every user's code, and measure what the
 * lists gain in diversity (coverage, Gini, long-tail share) against the accuracy kept.
 */

/** A latent and the Pearson correlation of its item activations with log(1 + popularity). */
export interface PopularityLatent {
  readonly neuron: number;
  readonly correlation: number;
}

/**
 * The `count` latents whose item activations (Z, items x latents) correlate most positively with
 * log(1 + popularity), among latents firing on at least `minSupport` items; best first.
 */
export function popularityLatents(
  z: Matrix,
  popularity: ArrayLike<number>,
  count: number,
  minSupport = 1,
): PopularityLatent[] {
  if (popularity.length !== z.rows)
    throw new RangeError(`popularityLatents: ${popularity.length} popularities for ${z.rows} items`);
  const n = z.rows;
  const p = Float64Array.from(popularity, (v) => Math.log1p(v));
  const pm = p.reduce((s, v) => s + v, 0) / n;
  let pv = 0;
  for (const v of p) pv += (v - pm) * (v - pm);
  const out: PopularityLatent[] = [];
  for (let j = 0; j < z.cols; j++) {
    let mean = 0;
    let support = 0;
    for (let i = 0; i < n; i++) {
      const v = z.data[i * z.cols + j];
      mean += v;
      if (v > 0) support++;
    }
    if (support < minSupport) continue;
    mean /= n;
    let cov = 0;
    let zv = 0;
    for (let i = 0; i < n; i++) {
      const d = z.data[i * z.cols + j] - mean;
      cov += d * (p[i] - pm);
      zv += d * d;
    }
    if (zv > 0 && pv > 0) out.push({ neuron: j, correlation: cov / Math.sqrt(zv * pv) });
  }
  out.sort((a, b) => b.correlation - a.correlation || a.neuron - b.neuron);
  return out.slice(0, count);
}

/**
 * The long tail: items outside the head, the most popular items that together hold `headShare`
 * (default 0.2) of the interactions (ties: lower id in the head first). 1 = long-tail item.
 */
export function longTailMask(popularity: ArrayLike<number>, headShare = 0.2): Uint8Array {
  const order = Array.from({ length: popularity.length }, (_, i) => i).sort(
    (a, b) => popularity[b] - popularity[a] || a - b,
  );
  let total = 0;
  for (let i = 0; i < popularity.length; i++) total += popularity[i];
  const tail = new Uint8Array(popularity.length).fill(1);
  let mass = 0;
  for (const i of order) {
    if (mass >= headShare * total) break;
    tail[i] = 0;
    mass += popularity[i];
  }
  return tail;
}

/** One suppression factor's outcome over the users' top-k lists. */
export interface DebiasPoint {
  /** Factor the popularity latents are scaled by (1 = unsteered, 0 = switched off). */
  readonly factor: number;
  /** Mean hits / min(k, |target|) (HR@k in leave-one-out). */
  readonly hit: number;
  /** hit / hit at factor 1. */
  readonly kept: number;
  /** Distinct items in all lists / catalogue size. */
  readonly coverage: number;
  /** Gini index of how often each catalogue item appears in the lists. */
  readonly gini: number;
  /** Share of list slots holding long-tail items. */
  readonly longTailShare: number;
}

/**
 * Suppresses `latents` by each factor in every held-out user's code and ranks the top-k (seen items
 * excluded, SAE error added back so factor 1 is the model's own list); one point per factor.
 */
export function evaluateDebias(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows,
  latents: readonly number[],
  popularity: ArrayLike<number>,
  opts: { readonly k?: number; readonly factors?: readonly number[]; readonly batchSize?: number } = {},
): DebiasPoint[] {
  const k = opts.k ?? 10;
  const factors = opts.factors ?? [1, 0.75, 0.5, 0.25, 0];
  const batchSize = opts.batchSize ?? 256;
  factors.forEach((f, q) => {
    if (!(f >= 0 && f <= 1))
      throw new RangeError(`evaluateDebias: factors[${q}] must be in [0, 1], got ${f}`);
  });
  if (popularity.length !== model.nItems)
    throw new RangeError(`evaluateDebias: ${popularity.length} popularities for ${model.nItems} items`);
  const tail = longTailMask(popularity);
  const nested = new NestedRecommender(model, sae);
  const hits = factors.map(() => 0);
  const users = factors.map(() => 0);
  const exposure = factors.map(() => new Float64Array(model.nItems));
  const tailSlots = factors.map(() => 0);
  const slots = factors.map(() => 0);
  const { foldIn, target } = part;
  for (let s = 0; s < foldIn.rows; s += batchSize) {
    const e = Math.min(foldIn.rows, s + batchSize);
    const batch = partBatch(part, s, e);
    const enc = nested.encodeWithError(batch);
    factors.forEach((factor, fi) => {
      const code =
        factor === 1 || latents.length === 0
          ? enc.code
          : steerCode(enc.code, [{ kind: "suppress", neurons: latents.slice(), factor }]);
      const top = topNUnseen(nested.scoresFromCode(code, batch, { addError: enc }), batch.rows, k);
      for (let r = 0; r < e - s; r++) {
        const targets = new Set(target.rowIndices(s + r));
        if (targets.size === 0) continue;
        const list = topNItems(top, r);
        let h = 0;
        for (const i of list) {
          if (targets.has(i)) h++;
          exposure[fi][i]++;
          tailSlots[fi] += tail[i];
        }
        slots[fi] += list.length;
        hits[fi] += h / Math.min(k, targets.size);
        users[fi]++;
      }
    });
  }
  const hit = hits.map((h, fi) => (users[fi] > 0 ? h / users[fi] : 0));
  const base = factors.indexOf(1) >= 0 ? hit[factors.indexOf(1)] : Number.NaN;
  return factors.map((factor, fi) => ({
    factor,
    hit: hit[fi],
    kept: base > 0 ? hit[fi] / base : Number.NaN,
    coverage: exposure[fi].reduce((c, v) => c + (v > 0 ? 1 : 0), 0) / model.nItems,
    gini: giniIndex(exposure[fi]),
    longTailShare: slots[fi] > 0 ? tailSlots[fi] / slots[fi] : 0,
  }));
}
