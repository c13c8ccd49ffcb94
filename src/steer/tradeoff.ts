import { meanStderr, type MeanStderr } from "../eval/stats.js";
import { partBatch, type Recommender } from "../models/types.js";
import type { HeldOutRows } from "../nested/nested-eval.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae } from "../sae/types.js";
import type { Csr } from "../tensor/csr.js";
import { steerCode, type SteerOp } from "./ops.js";
import { itemsWithTag, targetSegments } from "./tags.js";

/** A tag -> neuron mapping under test: tagToNeuron[t] is the latent boosted for tag t, -1 for none. */
export interface NeuronMapping {
  /** Display name ("unique", "representative", ...). */
  readonly name: string;
  readonly tagToNeuron: Int32Array;
}

/** Options of {@link evaluateTradeoff}. */
export interface TradeoffOptions {
  /** Boost strengths (default [0, 0.05, 0.1, 0.2, 0.3, 0.5]); each in [0, 1]. */
  readonly alphas?: readonly number[];
  /** List length for Recall and segment share (default 20). */
  readonly k?: number;
  /** Users per batch (default 256). */
  readonly batchSize?: number;
  /** Add the SAE reconstruction error back (default true: alpha 0 is the original model exactly). */
  readonly addError?: boolean;
}

/** Means over the curve's users at one alpha. */
export interface TradeoffPoint {
  readonly alpha: number;
  /** Recall_trunc@k = hits / min(k, |target|), fold-in items excluded. */
  readonly recall: MeanStderr;
  /** Share of the top-k list carrying the user's target-segment tag. */
  readonly segmentShare: MeanStderr;
}

/** One mapping's trade-off curve. */
export interface TradeoffCurve {
  readonly mapping: string;
  /** Users evaluated: a target segment and a neuron mapped to it. */
  readonly users: number;
  /** Users with a target segment whose tag the mapping leaves unmapped (-1). */
  readonly skippedUnmapped: number;
  readonly points: TradeoffPoint[];
}

/** Result of {@link evaluateTradeoff}. */
export interface TradeoffReport {
  readonly k: number;
  readonly alphas: readonly number[];
  /** Held-out users given. */
  readonly heldOutUsers: number;
  /** Users without a tagged target item (no target segment), skipped by every curve. */
  readonly skippedNoSegment: number;
  readonly curves: TradeoffCurve[];
}

/** One row of {@link tradeoffTable}. */
export interface TradeoffRow {
  readonly mapping: string;
  readonly alpha: number;
  readonly users: number;
  readonly recall: number;
  readonly recallStderr: number;
  readonly segmentShare: number;
  readonly segmentShareStderr: number;
}

/**
 * Accuracy vs steering trade-off (Knots to Knobs, Figure 5). For every held-out user the target
 * segment is the tag most over-represented in their target items relative to fold-in
 * ({@link targetSegments}); for each mapping and alpha, the neuron mapped to that tag is boosted
 * ({@link boostRow}, single knob) in the user's code, and Recall_trunc@k and the segment's share of the
 * top-k list are averaged over users. `itemTags` is items x tags; the mappings must have one entry
 * per tag.
 */
export function evaluateTradeoff(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows,
  itemTags: Csr,
  mappings: readonly NeuronMapping[],
  opts: TradeoffOptions = {},
): TradeoffReport {
  const alphas = opts.alphas ?? [0, 0.05, 0.1, 0.2, 0.3, 0.5];
  const k = opts.k ?? 20;
  const batchSize = opts.batchSize ?? 256;
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`evaluateTradeoff: k must be a positive integer, got ${k}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`evaluateTradeoff: batchSize must be a positive integer, got ${batchSize}`);
  if (alphas.length === 0) throw new RangeError("evaluateTradeoff: alphas is empty");
  alphas.forEach((a, q) => {
    if (!(a >= 0 && a <= 1))
      throw new RangeError(`evaluateTradeoff: alphas[${q}] must be in [0, 1], got ${a}`);
  });
  mappings.forEach((m, q) => {
    if (m.tagToNeuron.length !== itemTags.cols) {
      throw new RangeError(
        `evaluateTradeoff: mappings[${q}] ("${m.name}") has ${m.tagToNeuron.length} entries for ${itemTags.cols} tags`,
      );
    }
    m.tagToNeuron.forEach((j, t) => {
      if (!(j === -1 || (j >= 0 && j < sae.dSae)))
        throw new RangeError(
          `evaluateTradeoff: mappings[${q}] ("${m.name}") maps tag ${t} to ${j}, not -1 or a latent in [0, ${sae.dSae})`,
        );
    });
  });
  const segments = targetSegments(part.foldIn, part.target, itemTags);
  const tagMasks = new Map<number, Uint8Array>();
  const maskOf = (t: number): Uint8Array => {
    let m = tagMasks.get(t);
    if (!m) {
      m = new Uint8Array(itemTags.rows);
      for (const i of itemsWithTag(itemTags, t)) m[i] = 1;
      tagMasks.set(t, m);
    }
    return m;
  };
  const nested = new NestedRecommender(model, sae);
  const addError = opts.addError ?? true;
  // values[m][a] = per-user values, pushed in user order
  const recall = mappings.map(() => alphas.map(() => [] as number[]));
  const share = mappings.map(() => alphas.map(() => [] as number[]));
  const { foldIn, target } = part;

  for (let s = 0; s < foldIn.rows; s += batchSize) {
    const e = Math.min(foldIn.rows, s + batchSize);
    const batch = partBatch(part, s, e);
    const enc = nested.encodeWithError(batch);
    mappings.forEach((m, mi) => {
      const neuronOf = (r: number): number => (segments[s + r] >= 0 ? m.tagToNeuron[segments[s + r]] : -1);
      alphas.forEach((alpha, ai) => {
        const plan = (r: number): readonly SteerOp[] => {
          const j = neuronOf(r);
          return j >= 0 ? [{ kind: "boost", knobs: [{ neuron: j, alpha }] }] : [];
        };
        const code = steerCode(enc.code, plan);
        const top = topNUnseen(
          nested.scoresFromCode(code, batch, addError ? { addError: enc } : {}),
          batch.rows,
          k,
        );
        for (let r = 0; r < e - s; r++) {
          if (neuronOf(r) < 0) continue;
          const u = s + r;
          const list = topNItems(top, r);
          const targets = new Set(target.rowIndices(u));
          const tagged = maskOf(segments[u]);
          let hits = 0;
          let inSeg = 0;
          for (const i of list) {
            if (targets.has(i)) hits++;
            inSeg += tagged[i];
          }
          recall[mi][ai].push(hits / Math.min(k, targets.size));
          share[mi][ai].push(list.length > 0 ? inSeg / list.length : 0);
        }
      });
    });
  }

  let skippedNoSegment = 0;
  for (const t of segments) if (t < 0) skippedNoSegment++;
  const curves = mappings.map((m, mi): TradeoffCurve => {
    const users = recall[mi][0].length;
    if (users === 0)
      throw new RangeError(`evaluateTradeoff: mapping "${m.name}" maps no user's target segment to a neuron`);
    return {
      mapping: m.name,
      users,
      skippedUnmapped: foldIn.rows - skippedNoSegment - users,
      points: alphas.map((alpha, ai) => ({
        alpha,
        recall: meanStderr(recall[mi][ai]),
        segmentShare: meanStderr(share[mi][ai]),
      })),
    };
  });
  return { k, alphas: alphas.slice(), heldOutUsers: foldIn.rows, skippedNoSegment, curves };
}

/** The report as plain rows (mapping x alpha), e.g. for a CSV or a console table. */
export function tradeoffTable(report: TradeoffReport): TradeoffRow[] {
  return report.curves.flatMap((c) =>
    c.points.map((p) => ({
      mapping: c.mapping,
      alpha: p.alpha,
      users: c.users,
      recall: p.recall.mean,
      recallStderr: p.recall.stderr,
      segmentShare: p.segmentShare.mean,
      segmentShareStderr: p.segmentShare.stderr,
    })),
  );
}
