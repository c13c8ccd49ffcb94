import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_MIN_SUPPORT, eligibleNeurons, neuronActivity } from "../concepts/activations.js";
import type { LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import {
  calibrateStrength,
  checkCalibration,
  strengthToAmount,
  type CalibrationOptions,
  type StrengthCalibration,
} from "../steer/calibration.js";
import type { CodeDirection } from "../steer/personal.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import type { ModelRunContext } from "./run-context.js";
import type { KnobMapping } from "./knobs.js";
import type { LoadedSae } from "./sae-ref.js";

/** What the calibrations need of a loaded SAE (its directory, weights' fingerprint and the SAE). */
export type CalibratedSae = Pick<LoadedSae, "dir" | "fingerprint"> & { readonly sae: Sae };
import type { Knob } from "../steer/boost.js";
import type { ResolvedSpec, Steering } from "./steering.js";

/**
 * One strength scale for people (0 = unchanged, 1 = the concept dominates) in serving: a request's
 * boosts, whose strengths sum to at most 1, become ONE shift of the user's code along the unit-sum
 * direction of the boosted neurons (weights = strength shares), by the amount the SAE's calibration
 * (steer/calibration.ts) gives for the total strength. Two calibrations are kept beside the SAE,
 * both measured without metadata on the run's validation users and written atomically on first use:
 * - `steer-calibration.json`: single neurons (a neuron id, or a concept by representative/unique);
 * - `steer-calibration-direction.json`: the concepts' direction mappings from labels.json (several
 *   neurons at once move a list less per unit of amount, so they get their own table).
 * A direction spanning several neurons uses the second table when there is one.
 */

/** File next to the SAE weights holding its strength calibration (see steer/calibration.ts). */
export const CALIBRATION_FILE = "steer-calibration.json";

/** A calibration as stored: tied to the SAE weights it was measured on. */
export interface StoredCalibration extends StrengthCalibration {
  readonly saeFingerprint: string;
  /** Which users it was measured on ("validation" or "train"). */
  readonly usersFrom: string;
}

/**
 * The SAE's strength calibration: read from `<sae>/steer-calibration.json` when it was measured on
 * these weights (same fingerprint, same k, current format), else measured now and written there
 * atomically. Measured on the
 * run's validation users (the training users when there are none) and on up to 64 knobs spread over
 * the neurons that fire on at least `minSupport` items (z: items x neurons); no metadata is used.
 */
export function ensureCalibration(
  ctx: ModelRunContext,
  loaded: CalibratedSae,
  z: Matrix,
  minSupport: number,
  k: number,
): { calibration: StoredCalibration; path: string; measured: boolean } {
  const path = join(loaded.dir, CALIBRATION_FILE);
  if (existsSync(path)) {
    const raw = JSON.parse(readFileSync(path, "utf8")) as { version?: unknown };
    // an older format is measured again (and replaced) rather than refused
    if (raw.version === 2) {
      const cal = checkCalibration(raw, path) as StoredCalibration;
      if (cal.saeFingerprint === loaded.fingerprint && cal.k === k)
        return { calibration: cal, path, measured: false };
    }
  }
  const eligible = eligibleNeurons(neuronActivity(z).support, minSupport);
  const live: number[] = [];
  eligible.forEach((ok, j) => {
    if (ok) live.push(j);
  });
  if (live.length === 0)
    throw new Error(`${loaded.dir}: no neuron fires on ${minSupport} or more items; nothing to calibrate`);
  const stride = Math.max(1, Math.floor(live.length / 64));
  const knobs = live.filter((_, q) => q % stride === 0).slice(0, 64);
  const val = ctx.split.validation;
  const part =
    val.foldIn.rows > 0
      ? val
      : { foldIn: ctx.split.train, target: ctx.split.train, sequences: ctx.split.trainSequences };
  const cal = calibrateStrength(ctx.model, loaded.sae, part, Int32Array.from(knobs), { k });
  const stored: StoredCalibration = {
    ...cal,
    saeFingerprint: loaded.fingerprint,
    usersFrom: val.foldIn.rows > 0 ? "validation" : "train",
  };
  writeFileAtomic(path, `${JSON.stringify(stored, null, 2)}\n`);
  return { calibration: stored, path, measured: true };
}

/** File beside the SAE holding the calibration over the labels' concept directions. */
export const DIRECTION_CALIBRATION_FILE = "steer-calibration-direction.json";

/** The calibrations a steering request is scaled with. */
export interface StrengthScales {
  /** Single-neuron knobs. */
  readonly neuron: StrengthCalibration;
  /** Multi-neuron directions (concepts' direction mapping); absent without concept directions. */
  readonly direction?: StrengthCalibration;
}

/** How boosts act: the calibrated shift (default) or Knots to Knobs' convex blend (alpha = strength). */
export type SteeringOperator = "shift" | "blend";

/** The operators, default first. */
export const STEERING_OPERATORS: readonly SteeringOperator[] = ["shift", "blend"];

/** The serving default (measured in docs/quality-knobs.md, issue 18). */
export const DEFAULT_STEERING_OPERATOR: SteeringOperator = "shift";

/**
 * The knob options of a serving request: `mapping` when given (every field), else boosts under the
 * shift operator resolve concepts by their direction (several selective neurons) and everything
 * else by knobs.ts's default (representative).
 */
export function servingMapping(
  operator: SteeringOperator,
  mapping?: KnobMapping,
): { mapping?: KnobMapping; boostMapping?: KnobMapping } {
  if (mapping !== undefined) return { mapping };
  return operator === "shift" ? { boostMapping: "direction" } : {};
}

/**
 * The steering with its boosts bound to `operator`: for "shift", `amount` is the calibrated amount of
 * the boosts' total strength (direction table when the boosts span several neurons and one exists);
 * `scales` is only called when a shift has something to scale. "blend" keeps the alphas as they are.
 * For "shift", boosts of the same neuron coming only from concept directions (`resolved`: what each
 * spec resolved to, in order) are merged first (two concepts' directions overlapping add up, the
 * shift being linear in its direction); a neuron named twice otherwise stays an error.
 */
export function scaleSteering(
  steering: Steering,
  operator: SteeringOperator,
  scales: () => StrengthScales,
  resolved: readonly ResolvedSpec[] = [],
): Steering {
  if (operator === "blend") return { ...steering, operator };
  const boost = mergeDirections(steering.boost, resolved);
  let total = 0;
  for (const k of boost) total += k.alpha;
  if (boost.length === 0 || !(total > 0)) return { ...steering, boost, operator, amount: 0 };
  if (!(total <= 1 + 1e-9))
    throw new BadInput(`boost: the strengths sum to ${+total.toFixed(6)}, more than 1`, "boost");
  const s = scales();
  const table = boost.length > 1 && s.direction ? s.direction : s.neuron;
  return { ...steering, boost, operator, amount: strengthToAmount(table, Math.min(1, total)) };
}

/** The boosts with the repeats of a neuron merged when every spec naming it is a multi-neuron direction. */
function mergeDirections(boost: readonly Knob[], resolved: readonly ResolvedSpec[]): Knob[] {
  const specs = resolved.filter((r) => r.field === "boost");
  if (specs.reduce((n, r) => n + r.neurons.length, 0) !== boost.length) return [...boost];
  const fromDirection: boolean[] = [];
  for (const r of specs) for (let q = 0; q < r.neurons.length; q++) fromDirection.push(r.neurons.length > 1);
  const onlyDirection = new Map<number, boolean>();
  boost.forEach((k, q) =>
    onlyDirection.set(k.neuron, (onlyDirection.get(k.neuron) ?? true) && fromDirection[q]),
  );
  const out: Knob[] = [];
  const at = new Map<number, number>();
  for (const k of boost) {
    const p = at.get(k.neuron);
    if (p !== undefined && onlyDirection.get(k.neuron))
      out[p] = { neuron: k.neuron, alpha: out[p].alpha + k.alpha };
    else {
      at.set(k.neuron, out.length);
      out.push({ neuron: k.neuron, alpha: k.alpha });
    }
  }
  return out;
}

/** Stored direction calibration: tied to the SAE weights and to the directions it was measured on. */
interface StoredDirectionCalibration extends StrengthCalibration {
  readonly saeFingerprint: string;
  readonly directionsHash: string;
  readonly usersFrom: string;
}

/** The concept directions of a labels document (every family), those with at least two neurons. */
export function labelDirections(doc: LabelsDoc): CodeDirection[] {
  return (doc.concepts ?? []).map((c) => c.direction).filter((d) => d.length > 1);
}

function directionsHash(dirs: readonly CodeDirection[]): string {
  return createHash("sha256").update(JSON.stringify(dirs)).digest("hex").slice(0, 16);
}

/**
 * Amounts the direction calibration measures: 0 and 2^(e/2) for e = -16..10 (1/256 .. 32). Wider than
 * the single-neuron grid (up to 8): a direction fitted to a concept's items (fitted-directions.ts)
 * spreads over up to 64 latents and, through MultVAE's saturating decoder, had not replaced 90% of the
 * list by amount 8, which cut its frontier short (docs/quality-knobs.md, issue 18 part 5).
 */
export const DIRECTION_AMOUNTS: readonly number[] = [
  0,
  ...Array.from({ length: 27 }, (_, q) => 2 ** ((q - 16) / 2)),
];

/** Calibration over directions: pair q is shifted along dirs[q] (see calibrateStrength; default amounts DIRECTION_AMOUNTS). */
export function calibrateDirections(
  model: Recommender,
  sae: Sae,
  part: { readonly foldIn: Csr; readonly target: Csr; readonly sequences?: readonly Int32Array[] },
  dirs: readonly CodeDirection[],
  opts: CalibrationOptions = {},
): StrengthCalibration {
  return calibrateStrength(
    model,
    sae,
    part,
    Int32Array.from(dirs, (_, q) => q),
    { amounts: DIRECTION_AMOUNTS, ...opts, target: (p) => dirs[p.neuron] },
  );
}

/**
 * The run's strength scales: the single-neuron calibration (steer-operators-run ensureCalibration)
 * and, when the labels have concept directions, the direction one, each read from beside the SAE
 * when it matches (SAE fingerprint, k 20, same directions) or measured now and written atomically.
 * `z` (item activations) is only needed to measure the single-neuron table.
 */
export function ensureStrengthScales(
  ctx: ModelRunContext,
  loaded: CalibratedSae,
  doc: LabelsDoc,
  z: () => Matrix,
): StrengthScales {
  const neuron =
    readNeuronCalibration(join(loaded.dir, CALIBRATION_FILE), loaded.fingerprint) ??
    ensureCalibration(ctx, loaded, z(), DEFAULT_MIN_SUPPORT, 20).calibration;
  const dirs = labelDirections(doc);
  if (dirs.length === 0) return { neuron };
  const path = join(loaded.dir, DIRECTION_CALIBRATION_FILE);
  const hash = directionsHash(dirs);
  if (existsSync(path)) {
    const raw = JSON.parse(readFileSync(path, "utf8")) as { version?: unknown };
    if (raw.version === 2) {
      const c = checkCalibration(raw, path) as StoredDirectionCalibration;
      const lastAmount = c.curve[c.curve.length - 1]?.amount;
      // a table measured on an older, narrower grid of amounts is measured again
      if (
        c.saeFingerprint === loaded.fingerprint &&
        c.directionsHash === hash &&
        c.k === 20 &&
        lastAmount === DIRECTION_AMOUNTS[DIRECTION_AMOUNTS.length - 1]
      )
        return { neuron, direction: c };
    }
  }
  const val = ctx.split.validation;
  const part =
    val.foldIn.rows > 0
      ? val
      : { foldIn: ctx.split.train, target: ctx.split.train, sequences: ctx.split.trainSequences };
  const cal = calibrateDirections(ctx.model, loaded.sae, part, dirs, { k: 20 });
  const stored: StoredDirectionCalibration = {
    ...cal,
    saeFingerprint: loaded.fingerprint,
    directionsHash: hash,
    usersFrom: val.foldIn.rows > 0 ? "validation" : "train",
  };
  writeFileAtomic(path, `${JSON.stringify(stored, null, 2)}\n`);
  return { neuron, direction: stored };
}

function readNeuronCalibration(path: string, fingerprint: string): StrengthCalibration | undefined {
  if (!existsSync(path)) return undefined;
  const raw = JSON.parse(readFileSync(path, "utf8")) as {
    version?: unknown;
    saeFingerprint?: unknown;
    k?: unknown;
  };
  if (raw.version !== 2 || raw.saeFingerprint !== fingerprint || raw.k !== 20) return undefined;
  return checkCalibration(raw, path);
}

/**
 * Strength scales measured in memory on `rows` (users x items, e.g. a workspace's histories; the
 * first 256 users), for serving without a run directory: single neurons over up to 64 neurons firing
 * on >= minSupport items of `z` (all live ones when none does), directions over the labels'.
 */
export function measureStrengthScales(
  model: Recommender,
  sae: Sae,
  rows: Csr,
  z: Matrix,
  doc: LabelsDoc,
): StrengthScales {
  const part = { foldIn: rows, target: rows };
  const act = neuronActivity(z);
  const eligible = eligibleNeurons(act.support, DEFAULT_MIN_SUPPORT);
  let live = Array.from(act.live).filter((j) => eligible[j] === 1);
  if (live.length === 0) live = Array.from(act.live);
  if (live.length === 0)
    throw new Error("strength scale: no SAE neuron fires on any item; nothing to calibrate");
  const stride = Math.max(1, Math.floor(live.length / 64));
  const knobs = Int32Array.from(live.filter((_, q) => q % stride === 0).slice(0, 64));
  const neuron = calibrateStrength(model, sae, part, knobs, { k: 20 });
  const dirs = labelDirections(doc);
  return dirs.length > 0
    ? { neuron, direction: calibrateDirections(model, sae, part, dirs, { k: 20 }) }
    : { neuron };
}
