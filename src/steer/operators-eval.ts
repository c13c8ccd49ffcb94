import { meanStderr, type MeanStderr } from "../eval/stats.js";
import { partBatch, type Recommender, type UserBatch } from "../models/types.js";
import type { HeldOutRows } from "../nested/nested-eval.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae } from "../sae/types.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import { strengthToAmount, summarise, type StrengthCalibration } from "./calibration.js";
import { steerCode, type SteerOp } from "./ops.js";
import {
  injectHistory,
  knobWeights,
  OPERATOR_NAMES,
  OPERATOR_TITLES,
  popularItemsByTag,
  rerankScores,
  type OperatorName,
} from "./operators.js";
import {
  directionKnobs,
  knobPool,
  mixDirections,
  personalDirection,
  type CodeDirection,
} from "./personal.js";
import { itemsWithTag, targetSegments } from "./tags.js";

/**
 * One list's Recall_trunc@k (hits / min(k, |targets|), 0 without targets) and the share of its items
 * inside the segment (`inSegment[i]` 1 or 0; 0 for an empty list).
 */
export function listRecallShare(
  list: ArrayLike<number>,
  targets: ArrayLike<number>,
  inSegment: ArrayLike<number>,
  k: number,
): { readonly recall: number; readonly share: number } {
  const wanted = new Set(Array.from(targets));
  let hits = 0;
  let inSeg = 0;
  for (let q = 0; q < list.length; q++) {
    const i = list[q];
    if (wanted.has(i)) hits++;
    inSeg += inSegment[i];
  }
  return {
    recall: wanted.size > 0 ? hits / Math.min(k, wanted.size) : 0,
    share: list.length > 0 ? inSeg / list.length : 0,
  };
}

/** Options of {@link evaluateOperators}. */
export interface OperatorEvalOptions {
  /**
   * Operators compared (default all; "inject" is dropped for sequential models, "direction" and
   * "personal" run by default only with `tagToDirection` and `itemActivations`).
   */
  readonly operators?: readonly OperatorName[];
  /** Strengths in [0, 1] (default 0, 0.1, ..., 1); the first should be 0 (the "kept" base). */
  readonly strengths?: readonly number[];
  /** List length (default 20). */
  readonly k?: number;
  readonly batchSize?: number;
  /** Needed by "shift": maps a strength to the shift amount. */
  readonly calibration?: StrengthCalibration;
  /** Needed by "knob": item activations (items x neurons) of the SAE. */
  readonly itemActivations?: Matrix;
  /** Needed by "inject": training interactions per item. */
  readonly popularity?: ArrayLike<number>;
  /** Needed by "direction": the concept direction of a tag (null: its single mapped neuron). */
  readonly tagToDirection?: (tag: number) => CodeDirection | null;
  /** Calibrations of "direction" and "personal" (default: `calibration`, the shift's). */
  readonly calibrations?: Partial<Record<OperatorName, StrengthCalibration>>;
  /** "personal": pool size of the knob's items and how many of the user's best are averaged. */
  readonly personal?: PersonalOptions;
}

/** Options of the personal shift (personal.ts). */
export interface PersonalOptions {
  /** The knob's items: the `pool` items it fires on most (default 100). */
  readonly pool: number;
  /** The user's best-scored pool items averaged (default 10). */
  readonly m: number;
  /** The knob the pool comes from: the mapped neuron (default) or the concept direction. */
  readonly knob: "neuron" | "direction";
  /** Only the knob's own latents, weighted by the user's mean activation on them (default false). */
  readonly within?: boolean;
  /** Share of the personal direction mixed with the knob's own (default 1: personal only). */
  readonly mix?: number;
}

/** Default personal options (chosen on ML-1M ELSA validation, docs/quality-knobs.md). */
export const DEFAULT_PERSONAL: PersonalOptions = { pool: 100, m: 10, knob: "direction", mix: 0.5 };

/** Means over the users at one strength of one operator. */
export interface OperatorPoint {
  readonly strength: number;
  /** The operator's own parameter: alpha (k2k, knob, rerank, inject) or the shift amount (shift). */
  readonly param: number;
  /** Recall_trunc@k = hits / min(k, |target|), fold-in items excluded. */
  readonly recall: MeanStderr;
  /** recall.mean / the operator's recall at its first strength (NaN when that is 0). */
  readonly recallKept: number;
  /** Share of the top-k carrying the user's target segment. */
  readonly share: MeanStderr;
  readonly shareQuartiles: { readonly q1: number; readonly median: number; readonly q3: number };
}

/** One operator's curve. */
export interface OperatorCurve {
  readonly operator: OperatorName;
  readonly title: string;
  readonly points: OperatorPoint[];
}

/** Result of {@link evaluateOperators}: every curve is over the same users. */
export interface OperatorReport {
  readonly k: number;
  readonly strengths: readonly number[];
  readonly heldOutUsers: number;
  /** Users evaluated: a target segment whose tag maps to a neuron. */
  readonly users: number;
  readonly skippedNoSegment: number;
  readonly skippedUnmapped: number;
  readonly curves: OperatorCurve[];
}

/**
 * Compares steering operators on the same held-out users (Knots to Knobs' trade-off protocol): each
 * user's target segment is the tag most over-represented in their held-out items
 * ({@link targetSegments}); the SAE operators push the neuron `tagToNeuron` maps it to, the
 * re-ranking reference and history injection use the segment's items directly. Users whose
 * segment maps to no neuron (-1) are skipped by every operator, so all curves share their users.
 * The SAE's reconstruction error is added back, so strength 0 is the model's own list everywhere.
 */
export function evaluateOperators(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows & { readonly sequences?: readonly Int32Array[] },
  itemTags: Csr,
  tagToNeuron: Int32Array,
  opts: OperatorEvalOptions = {},
): OperatorReport {
  const k = opts.k ?? 20;
  const batchSize = opts.batchSize ?? 256;
  const strengths = opts.strengths ?? [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
  const ops = (opts.operators ?? OPERATOR_NAMES).filter(
    (o) =>
      !(o === "inject" && model.sequential) &&
      // by default the direction operators only run when concept directions are given
      (opts.operators !== undefined ||
        (o !== "direction" && o !== "personal") ||
        (opts.tagToDirection !== undefined && opts.itemActivations !== undefined)),
  );
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`evaluateOperators: k must be a positive integer, got ${k}`);
  if (strengths.length === 0) throw new RangeError("evaluateOperators: strengths is empty");
  strengths.forEach((s, q) => {
    if (!(s >= 0 && s <= 1))
      throw new RangeError(`evaluateOperators: strengths[${q}] must be in [0, 1], got ${s}`);
  });
  if (ops.length === 0) throw new RangeError("evaluateOperators: no operator to evaluate");
  if (ops.includes("shift") && !opts.calibration)
    throw new RangeError('evaluateOperators: operator "shift" needs a strength calibration');
  const acts = opts.itemActivations;
  if (ops.includes("knob") && !(acts && acts.rows === itemTags.rows && acts.cols === sae.dSae))
    throw new RangeError(
      `evaluateOperators: operator "knob" needs item activations of ${itemTags.rows} items x ${sae.dSae} neurons`,
    );
  if (ops.includes("personal") && !(acts && acts.rows === itemTags.rows && acts.cols === sae.dSae))
    throw new RangeError(
      `evaluateOperators: operator "personal" needs item activations of ${itemTags.rows} items x ${sae.dSae} neurons`,
    );
  if (ops.includes("inject") && !opts.popularity)
    throw new RangeError('evaluateOperators: operator "inject" needs the items\' popularity');
  if (tagToNeuron.length !== itemTags.cols)
    throw new RangeError(
      `evaluateOperators: tagToNeuron has ${tagToNeuron.length} entries for ${itemTags.cols} tags`,
    );
  tagToNeuron.forEach((j, t) => {
    if (!(j === -1 || (Number.isInteger(j) && j >= 0 && j < sae.dSae)))
      throw new RangeError(
        `evaluateOperators: tag ${t} maps to ${j}, not -1 or a latent in [0, ${sae.dSae})`,
      );
  });
  const segments = targetSegments(part.foldIn, part.target, itemTags);
  const masks = new Map<number, Uint8Array>();
  const maskOf = (t: number): Uint8Array => {
    let m = masks.get(t);
    if (!m) {
      m = new Uint8Array(itemTags.rows);
      for (const i of itemsWithTag(itemTags, t)) m[i] = 1;
      masks.set(t, m);
    }
    return m;
  };
  const weights = new Map<number, Float32Array>();
  const weightsOf = (j: number): Float32Array => {
    let got = weights.get(j);
    if (!got) {
      got = knobWeights(acts as Matrix, j);
      weights.set(j, got);
    }
    return got;
  };
  const popular = opts.popularity ? popularItemsByTag(itemTags, opts.popularity) : null;
  const shifts: readonly OperatorName[] = ["shift", "direction", "personal"];
  const param = (op: OperatorName, s: number): number =>
    shifts.includes(op)
      ? strengthToAmount((opts.calibrations?.[op] ?? opts.calibration) as StrengthCalibration, s)
      : s;
  const personal = opts.personal ?? DEFAULT_PERSONAL;
  const directionOfTag = (t: number): CodeDirection => {
    const d = opts.tagToDirection?.(t);
    return d && d.length > 0 ? d : [{ neuron: tagToNeuron[t], weight: 1 }];
  };
  const knobOf = (t: number): CodeDirection =>
    personal.knob === "direction" ? directionOfTag(t) : [{ neuron: tagToNeuron[t], weight: 1 }];
  const pools = new Map<number, Int32Array>();
  const poolOf = (t: number): Int32Array => {
    let got = pools.get(t);
    if (!got) {
      got = knobPool(acts as Matrix, knobOf(t), personal.pool);
      pools.set(t, got);
    }
    return got;
  };
  const nested = new NestedRecommender(model, sae);
  const recall = ops.map(() => strengths.map(() => [] as number[]));
  const share = ops.map(() => strengths.map(() => [] as number[]));

  for (let s = 0; s < part.foldIn.rows; s += batchSize) {
    const e = Math.min(part.foldIn.rows, s + batchSize);
    const batch = partBatch(part, s, e);
    const enc = nested.encodeWithError(batch);
    const neuronOf = (r: number): number => (segments[s + r] >= 0 ? tagToNeuron[segments[s + r]] : -1);
    const segOf = (r: number): Uint8Array | null => (neuronOf(r) >= 0 ? maskOf(segments[s + r]) : null);
    let base: Matrix | null = null;
    let personalDirs: (CodeDirection | null)[] | null = null;
    const shiftAlong = (dirOf: (r: number) => CodeDirection | null, p: number): Matrix => {
      const plan = (r: number): readonly SteerOp[] => {
        const d = neuronOf(r) >= 0 && p > 0 ? dirOf(r) : null;
        return d ? [{ kind: "shift", knobs: directionKnobs(d, p) }] : [];
      };
      return nested.scoresFromCode(steerCode(enc.code, plan), batch, { addError: enc });
    };
    const scoresOf = (op: OperatorName, p: number): Matrix => {
      switch (op) {
        case "direction":
          return shiftAlong((r) => directionOfTag(segments[s + r]), p);
        case "personal": {
          base ??= nested.scoresFromCode(enc.code, batch, { addError: enc });
          const b = base;
          personalDirs ??= Array.from({ length: e - s }, (_, r) => {
            if (neuronOf(r) < 0) return null;
            const row = b.data.subarray(r * b.cols, (r + 1) * b.cols);
            const knob = knobOf(segments[s + r]);
            const pool = poolOf(segments[s + r]);
            const own = personalDirection(
              acts as Matrix,
              pool,
              row,
              batch.rows,
              r,
              personal.m,
              personal.within ? knob : undefined,
            );
            return own ? mixDirections(knob, own, personal.mix ?? 1) : knob;
          });
          const dirs = personalDirs;
          return shiftAlong((r) => dirs[r], p);
        }
        case "k2k":
        case "shift": {
          const plan = (r: number): readonly SteerOp[] => {
            const j = neuronOf(r);
            if (j < 0 || p === 0) return [];
            return op === "k2k"
              ? [{ kind: "boost", knobs: [{ neuron: j, alpha: p }] }]
              : [{ kind: "shift", knobs: [{ neuron: j, amount: p }] }];
          };
          return nested.scoresFromCode(steerCode(enc.code, plan), batch, { addError: enc });
        }
        case "rerank":
          base ??= nested.scoresFromCode(enc.code, batch, { addError: enc });
          return rerankScores(base, batch.rows, segOf, p);
        case "knob":
          base ??= nested.scoresFromCode(enc.code, batch, { addError: enc });
          return rerankScores(base, batch.rows, (r) => (neuronOf(r) >= 0 ? weightsOf(neuronOf(r)) : null), p);
        case "inject": {
          const rows = injectHistory(
            batch.rows,
            (r) => (neuronOf(r) >= 0 && popular ? popular(segments[s + r]) : null),
            p,
          );
          const injected: UserBatch = { ...batch, rows };
          return model.scoreUsers(injected);
        }
      }
    };
    ops.forEach((op, oi) => {
      strengths.forEach((st, si) => {
        // seen = the user's own history: injected items stay recommendable
        const top = topNUnseen(scoresOf(op, param(op, st)), batch.rows, k);
        for (let r = 0; r < e - s; r++) {
          const seg = segOf(r);
          if (!seg) continue;
          const m = listRecallShare(topNItems(top, r), part.target.rowIndices(s + r), seg, k);
          recall[oi][si].push(m.recall);
          share[oi][si].push(m.share);
        }
      });
    });
  }
  let skippedNoSegment = 0;
  for (const t of segments) if (t < 0) skippedNoSegment++;
  const users = recall[0][0].length;
  if (users === 0) throw new RangeError("evaluateOperators: no user's target segment maps to a neuron");
  const curves = ops.map((op, oi): OperatorCurve => {
    const base0 = meanStderr(recall[oi][0]).mean;
    return {
      operator: op,
      title: OPERATOR_TITLES[op],
      points: strengths.map((st, si) => {
        const rec = meanStderr(recall[oi][si]);
        const q = summarise(share[oi][si]);
        return {
          strength: st,
          param: param(op, st),
          recall: rec,
          recallKept: base0 > 0 ? rec.mean / base0 : NaN,
          share: meanStderr(share[oi][si]),
          shareQuartiles: { q1: q.q1, median: q.median, q3: q.q3 },
        };
      }),
    };
  });
  return {
    k,
    strengths: strengths.slice(),
    heldOutUsers: part.foldIn.rows,
    users,
    skippedNoSegment,
    skippedUnmapped: part.foldIn.rows - skippedNoSegment - users,
    curves,
  };
}
