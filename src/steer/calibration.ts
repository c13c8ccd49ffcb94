import { partBatch, type Recommender } from "../models/types.js";
import type { HeldOutRows } from "../nested/nested-eval.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae } from "../sae/types.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import { steerCode, type SteerOp } from "./ops.js";
import { directionKnobs, type CodeDirection } from "./personal.js";

/**
 * The strength scale people turn (0 = unchanged, 1 = the concept dominates) mapped to the shift
 * operator's internal amount ({@link shiftRow}), calibrated per SAE on sample users without any
 * metadata: for a (user, neuron) pair, the "change" at amount a is the share of the user's top-k at
 * a that was not in their unsteered top-k (0 at amount 0, growing as the concept pushes items in).
 * Strength s is mapped to the amount where the mean change over the pairs reaches s * dominance, so
 * the list changes evenly with s (the complaint was "alpha 0.2 changes 1 of 10 items, 0.5 all 10"),
 * and strength 1 means that `dominance` (default 0.9) of the list has been replaced. A far reference
 * (the list at a huge amount) is not used: through MultVAE's saturating decoder it drifts away from
 * the concept, while the change against the user's own list means the same for every model.
 */

/** Mean and quartiles of the change over the calibration pairs at one amount. */
export interface CalibrationPoint {
  readonly amount: number;
  readonly mean: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
}

/** A strength on the people's scale and the shift amount it maps to. */
export interface StrengthStep {
  readonly strength: number;
  readonly amount: number;
}

/** A stored calibration (written next to the SAE as steer-calibration.json by the pipeline). */
export interface StrengthCalibration {
  readonly version: 2;
  readonly operator: "shift";
  /** What was measured: the share of the top-k not in the unsteered top-k. */
  readonly measure: "changed";
  /** List length the change was measured on. */
  readonly k: number;
  /** Mean change that strength 1 stands for. */
  readonly dominance: number;
  readonly users: number;
  readonly pairs: number;
  readonly curve: CalibrationPoint[];
  /** Strengths 0, 1/steps, ..., 1 (ascending) and their amounts (non-decreasing, amount 0 at 0). */
  readonly table: StrengthStep[];
}

/** Options of {@link calibrateStrength}. */
export interface CalibrationOptions {
  /** List length (default 20). */
  readonly k?: number;
  /** Mean change at strength 1 (default 0.9), in (0, 1). */
  readonly dominance?: number;
  /** Amounts measured (ascending, starting at 0; default 0 and 2^(e/2) for e = -16..6). */
  readonly amounts?: readonly number[];
  /** Neurons tried per user (default 2). */
  readonly pairsPerUser?: number;
  /** Most users used (default 256, the first ones of the part). */
  readonly maxUsers?: number;
  /** Rows of the strength table minus one (default 20: steps of 0.05). */
  readonly steps?: number;
  readonly batchSize?: number;
  /**
   * The code direction a (user, knob) pair is shifted along (default: the knob's own latent,
   * [{ neuron, weight: 1 }]); given the pair's row in the batch, the batch's unsteered scores and
   * seen items. Null leaves the pair unsteered. Lets the calibration follow a direction or personal
   * variant of the shift (personal.ts).
   */
  readonly target?: (pair: CalibrationPair) => CodeDirection | null;
}

/** One (user, knob) pair of the calibration, as {@link CalibrationOptions.target} sees it. */
export interface CalibrationPair {
  readonly neuron: number;
  /** Row of the user in `scores` and `seen`. */
  readonly row: number;
  /** Unsteered scores of the batch (users x items; error added back). */
  readonly scores: Matrix;
  readonly seen: Csr;
}

/** The default amount grid: 0 and 2^(e/2) for e = -16..6 (1/256 .. 8). */
export function defaultCalibrationAmounts(): number[] {
  const out = [0];
  for (let e = -16; e <= 6; e++) out.push(2 ** (e / 2));
  return out;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Mean and quartiles (linear interpolation between order statistics) of `values`; throws on none. */
export function summarise(values: ArrayLike<number>): {
  mean: number;
  q1: number;
  median: number;
  q3: number;
} {
  if (values.length === 0) throw new RangeError("summarise: no values");
  const s = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return { mean: sum / s.length, q1: quantile(s, 0.25), median: quantile(s, 0.5), q3: quantile(s, 0.75) };
}

/**
 * The strength table from a measured mean-change curve (pure; see the module comment). The curve
 * is first made non-decreasing (running maximum); the top is min(dominance, highest value reached).
 * Between two measured amounts the amount is interpolated linearly in log(amount) (linearly in the
 * amount on the first interval, which starts at 0). A flat curve (nothing to gain) maps strength s to
 * s times the largest amount.
 */
export function strengthTable(
  amounts: readonly number[],
  meanChange: readonly number[],
  dominance: number,
  steps = 20,
): StrengthStep[] {
  if (amounts.length < 2 || amounts.length !== meanChange.length)
    throw new RangeError(
      `strengthTable: need >= 2 amounts with one change each, got ${amounts.length} and ${meanChange.length}`,
    );
  if (amounts[0] !== 0) throw new RangeError(`strengthTable: the first amount must be 0, got ${amounts[0]}`);
  for (let i = 1; i < amounts.length; i++)
    if (!(amounts[i] > amounts[i - 1]))
      throw new RangeError(`strengthTable: amounts must ascend, got ${amounts[i - 1]} then ${amounts[i]}`);
  if (!(dominance > 0 && dominance < 1))
    throw new RangeError(`strengthTable: dominance must be in (0, 1), got ${dominance}`);
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new RangeError(`strengthTable: steps must be a positive integer, got ${steps}`);
  const env: number[] = [];
  meanChange.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`strengthTable: change ${i} is ${v}`);
    env.push(i === 0 ? v : Math.max(v, env[i - 1]));
  });
  const t0 = env[0];
  const top = Math.min(dominance, env[env.length - 1]);
  const last = amounts[amounts.length - 1];
  const table: StrengthStep[] = [];
  for (let q = 0; q <= steps; q++) {
    const s = q / steps;
    if (q === 0) {
      table.push({ strength: 0, amount: 0 });
      continue;
    }
    if (!(top > t0)) {
      table.push({ strength: s, amount: s * last });
      continue;
    }
    const target = t0 + s * (top - t0);
    let i = 1;
    while (i < env.length - 1 && env[i] < target) i++;
    const a0 = amounts[i - 1];
    const a1 = amounts[i];
    const f =
      env[i] > env[i - 1] ? Math.min(1, Math.max(0, (target - env[i - 1]) / (env[i] - env[i - 1]))) : 1;
    const amount = a0 === 0 ? f * a1 : Math.exp(Math.log(a0) + f * (Math.log(a1) - Math.log(a0)));
    table.push({ strength: s, amount: Math.max(amount, table[q - 1].amount) });
  }
  return table;
}

/** The shift amount of strength s in [0, 1] (linear between the table's rows); throws naming the value. */
export function strengthToAmount(cal: Pick<StrengthCalibration, "table">, strength: number): number {
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be in [0, 1], got ${strength}`);
  const t = cal.table;
  if (t.length < 2 || t[0].strength !== 0 || t[t.length - 1].strength !== 1)
    throw new RangeError("strengthToAmount: the calibration table must run from strength 0 to 1");
  let i = 1;
  while (i < t.length - 1 && t[i].strength < strength) i++;
  const f = (strength - t[i - 1].strength) / (t[i].strength - t[i - 1].strength);
  return t[i - 1].amount + Math.min(1, Math.max(0, f)) * (t[i].amount - t[i - 1].amount);
}

/**
 * Measures the mean change curve of the shift operator on the first `maxUsers` users of `part`
 * (their fold-in rows as input, seen items excluded from the lists), each paired with
 * `pairsPerUser` of `neurons` in turn (user r gets neurons[(r * pairsPerUser + t) mod n]), and turns it
 * into a {@link StrengthCalibration}. The reconstruction error is added back, so amount 0 is the
 * model's own list. Users with an empty code are skipped.
 */
export function calibrateStrength(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows & { readonly sequences?: readonly Int32Array[] },
  neurons: ArrayLike<number>,
  opts: CalibrationOptions = {},
): StrengthCalibration {
  const k = opts.k ?? 20;
  const dominance = opts.dominance ?? 0.9;
  const amounts = opts.amounts ?? defaultCalibrationAmounts();
  const perUser = opts.pairsPerUser ?? 2;
  const maxUsers = opts.maxUsers ?? 256;
  const batchSize = opts.batchSize ?? 128;
  if (neurons.length === 0) throw new RangeError("calibrateStrength: no neurons to calibrate on");
  for (let q = 0; q < neurons.length; q++)
    if (!(Number.isInteger(neurons[q]) && neurons[q] >= 0 && neurons[q] < sae.dSae))
      throw new RangeError(
        `calibrateStrength: neurons[${q}] = ${neurons[q]} is not a latent in [0, ${sae.dSae})`,
      );
  if (amounts[0] !== 0)
    throw new RangeError(`calibrateStrength: the first amount must be 0, got ${amounts[0]}`);
  const nested = new NestedRecommender(model, sae);
  const users = Math.min(maxUsers, part.foldIn.rows);
  if (users === 0) throw new RangeError("calibrateStrength: the part has no users");
  const changed = amounts.map(() => [] as number[]);
  const target = opts.target ?? ((p: CalibrationPair): CodeDirection => [{ neuron: p.neuron, weight: 1 }]);
  let usedUsers = 0;
  for (let s = 0; s < users; s += batchSize) {
    const e = Math.min(users, s + batchSize);
    const batch = partBatch(part, s, e);
    const enc = nested.encodeWithError(batch);
    const live: number[] = [];
    for (let r = 0; r < e - s; r++) if (enc.code.indptr[r + 1] > enc.code.indptr[r]) live.push(r);
    usedUsers += live.length;
    const scores = opts.target ? nested.scoresFromCode(enc.code, batch, { addError: enc }) : null;
    for (let t = 0; t < perUser; t++) {
      const neuronOf = (r: number): number => neurons[((s + r) * perUser + t) % neurons.length];
      const dirs = Array.from({ length: e - s }, (_, r) =>
        target({ neuron: neuronOf(r), row: r, scores: scores as Matrix, seen: batch.rows }),
      );
      const listsAt = (amount: number): Set<number>[] => {
        const plan = (r: number): readonly SteerOp[] => {
          const d = dirs[r];
          return d && amount > 0 ? [{ kind: "shift", knobs: directionKnobs(d, amount) }] : [];
        };
        const code = steerCode(enc.code, plan);
        const top = topNUnseen(nested.scoresFromCode(code, batch, { addError: enc }), batch.rows, k);
        return live.map((r) => new Set(topNItems(top, r)));
      };
      const own = listsAt(0);
      amounts.forEach((a, ai) => {
        const lists = ai === 0 ? own : listsAt(a);
        lists.forEach((l, q) => {
          let fresh = 0;
          for (const i of l) if (!own[q].has(i)) fresh++;
          changed[ai].push(l.size > 0 ? fresh / l.size : 0);
        });
      });
    }
  }
  if (changed[0].length === 0) throw new RangeError("calibrateStrength: no user has an active code");
  const curve = amounts.map((amount, ai): CalibrationPoint => ({ amount, ...summarise(changed[ai]) }));
  return {
    version: 2,
    operator: "shift",
    measure: "changed",
    k,
    dominance,
    users: usedUsers,
    pairs: changed[0].length,
    curve,
    table: strengthTable(
      amounts,
      curve.map((p) => p.mean),
      dominance,
      opts.steps ?? 20,
    ),
  };
}

/** Throws unless `v` looks like a stored {@link StrengthCalibration} (`where` names the file). */
export function checkCalibration(v: unknown, where: string): StrengthCalibration {
  const c = v as Partial<StrengthCalibration> | null;
  if (!c || c.version !== 2 || c.operator !== "shift" || !Array.isArray(c.table) || !Array.isArray(c.curve))
    throw new RangeError(`${where}: not a steering calibration (version 2, operator "shift")`);
  strengthToAmount(c as StrengthCalibration, 0);
  return c as StrengthCalibration;
}
