import type { LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import type { Sae } from "../sae/types.js";
import type { Knob } from "../steer/boost.js";
import type { SteerOp } from "../steer/ops.js";
import { recommend, type UserRecommendation } from "../steer/recommend.js";
import {
  type KnobMapping,
  type KnobOptions,
  type KnobResolution,
  resolveKnob,
  splitRefValue,
} from "./knobs.js";

/**
 * The steering service: the ONE place where a user's steering request is checked, resolved and
 * applied, for `reclens recommend` and GET /api/users/:id/recommendations alike.
 *
 * Semantics (the same at every edge):
 * - a knob names a neuron by id ("17", "#17"), by concept ("Horror", mapped to neurons by
 *   representative (default), unique or direction mapping) or by display label (case-insensitive;
 *   see knobs.ts resolveKnob); an ambiguous name resolves and the report lists the alternatives;
 * - boost "<label or id>:<strength>": strength in [0, 1] on ONE scale for people, 0 = unchanged,
 *   1 = the concept dominates; the strengths of one request sum to at most 1. How it acts is the
 *   request's operator (`Steering.operator`): "shift" (the CLI's and the API's default; see
 *   strength-scale.ts) adds to the code amount * S along the boosted neurons (S = the code's sum,
 *   weights = strength shares), the amount being the SAE's calibrated amount for the total strength;
 *   "blend" (Knots to Knobs' published operator, and what a Steering built in code without an
 *   operator gets) gives each neuron share alpha = strength of the user's activation mass;
 * - suppress "<label or id>[:<factor>]": factor in [0, 1] scales the neuron's activation down
 *   (0, the default, switches it off; 0.5 halves it; 1 leaves it unchanged). Factors above 1 would
 *   amplify, which is what boost is for, so they are rejected;
 * - no neuron appears twice, nor is boosted and suppressed at once;
 * - suppression is applied first, then the boost, so a boost's scale S is the already suppressed
 *   code's;
 * - clamp "<label or id>:<value>": value >= 0 (finite) is the neuron's activation after steering,
 *   whatever it was (RecSAE's latent editing; 0 switches it off, a value on an inactive neuron
 *   activates it). Clamps are applied last, so the clamped activation is exactly the value.
 * Every violation is a BadInput naming the field ("boost", "suppress", "clamp" or "n").
 */

/** A steering request as the edges receive it: one "<label or id>[:<value>]" spec per knob. */
export interface SteeringSpecs {
  readonly boost: readonly string[];
  readonly suppress: readonly string[];
  /** "<label or id>:<value>" specs (none when absent). */
  readonly clamp?: readonly string[];
}

/** A suppressed neuron and its factor in [0, 1]. */
export interface Suppression {
  readonly neuron: number;
  readonly factor: number;
}

/** A clamped neuron and the activation it is set to (finite, >= 0). */
export interface Clamp {
  readonly neuron: number;
  readonly value: number;
}

/** A checked steering request with neuron ids. */
export interface Steering {
  readonly boost: readonly Knob[];
  readonly suppress: readonly Suppression[];
  /** Clamps (none when absent), applied after suppression and boost. */
  readonly clamp?: readonly Clamp[];
  /** How boosts act: "shift" (calibrated; needs `amount`) or "blend" (absent: blend, alpha = strength). */
  readonly operator?: "shift" | "blend";
  /** "shift": the calibrated amount of the boosts' total strength (strength-scale.ts scaleSteering). */
  readonly amount?: number;
}

/** No steering. */
export const NO_STEERING: Steering = { boost: [], suppress: [] };

/** What one spec of a request resolved to (by id, concept or label; see knobs.ts resolveKnob). */
export interface ResolvedSpec extends KnobResolution {
  readonly field: "boost" | "suppress" | "clamp";
  readonly spec: string;
}

/**
 * Parses the specs and resolves their neurons against the labels (whose `neurons` is the SAE width):
 * the format and each value's range are checked here, where the spec text can be quoted; the
 * checks across knobs (repeats, the alphas' sum) run in {@link steerUser}. A reference is a neuron
 * id, a concept name or a display label (resolveKnob); a concept with the "direction" mapping
 * becomes several neurons, the spec's alpha (clamp value) split by their weights, every one
 * suppressed by the same factor.
 */
export function resolveSteering(doc: LabelsDoc, specs: SteeringSpecs, opts: KnobOptions = {}): Steering {
  return resolveSteeringReport(doc, specs, opts).steering;
}

/**
 * {@link resolveSteering} with what each spec resolved to (reported by the CLI and the HTTP API);
 * `boostMapping` overrides `mapping` for the boosts only (the edges resolve boosted concepts by
 * direction under the shift operator, see strength-scale.ts).
 */
export function resolveSteeringReport(
  doc: LabelsDoc,
  specs: SteeringSpecs,
  opts: KnobOptions & { readonly boostMapping?: KnobMapping } = {},
): { steering: Steering; resolved: ResolvedSpec[] } {
  const resolved: ResolvedSpec[] = [];
  const { boostMapping, ...rest } = opts;
  const refs = (ref: string, spec: string, field: ResolvedSpec["field"]) => {
    const o = field === "boost" && boostMapping !== undefined ? { ...rest, mapping: boostMapping } : rest;
    const r = resolveRef(doc, ref, spec, field, o);
    resolved.push({ field, spec, ...r });
    return r.neurons;
  };
  const boost = specs.boost.flatMap((spec): Knob[] => {
    const { ref, value } = splitRefValue(spec);
    if (value === undefined)
      throw new BadInput(`boost "${spec}": expected <label or neuron id>:<alpha>, e.g. "noir:0.3"`, "boost");
    if (!(value >= 0 && value <= 1))
      throw new BadInput(`boost "${spec}": alpha must be in [0, 1], got ${value}`, "boost");
    return refs(ref, spec, "boost").map((k) => ({ neuron: k.neuron, alpha: value * k.weight }));
  });
  const suppress = specs.suppress.flatMap((spec): Suppression[] => {
    const { ref, value } = splitRefValue(spec);
    const factor = value ?? 0;
    if (!(factor >= 0 && factor <= 1))
      throw new BadInput(`suppress "${spec}": factor must be in [0, 1], got ${factor}`, "suppress");
    return refs(ref, spec, "suppress").map((k) => ({ neuron: k.neuron, factor }));
  });
  if (specs.clamp === undefined || specs.clamp.length === 0)
    return { steering: { boost, suppress }, resolved };
  const clamp = specs.clamp.flatMap((spec): Clamp[] => {
    const { ref, value } = splitRefValue(spec);
    if (value === undefined)
      throw new BadInput(`clamp "${spec}": expected <label or neuron id>:<value>, e.g. "noir:2.5"`, "clamp");
    if (!(value >= 0 && Number.isFinite(value)))
      throw new BadInput(`clamp "${spec}": value must be finite and >= 0, got ${value}`, "clamp");
    return refs(ref, spec, "clamp").map((k) => ({ neuron: k.neuron, value: value * k.weight }));
  });
  return { steering: { boost, suppress, clamp }, resolved };
}

function resolveRef(
  doc: LabelsDoc,
  ref: string,
  spec: string,
  field: string,
  opts: KnobOptions,
): KnobResolution {
  try {
    return resolveKnob(doc, ref, opts, field);
  } catch (err) {
    if (err instanceof BadInput) throw new BadInput(`${field} "${spec}": ${err.message}`, field);
    throw err;
  }
}

/**
 * Checks steering already in neuron ids for an SAE with dSae neurons: ids in range, alphas and
 * factors in [0, 1], alphas summing to at most 1, clamp values finite and >= 0, no neuron twice
 * (nor under two operators). BadInput naming the field.
 */
export function checkSteering(s: Steering, dSae: number): void {
  const seen = new Map<number, "boost" | "suppress" | "clamp">();
  let total = 0;
  for (const [field, list] of [
    ["boost", s.boost],
    ["suppress", s.suppress],
    ["clamp", s.clamp ?? []],
  ] as const) {
    for (const { neuron } of list) {
      if (!Number.isInteger(neuron) || neuron < 0 || neuron >= dSae)
        throw new BadInput(`${field}: neuron ${neuron} out of range [0, ${dSae})`, field);
      const before = seen.get(neuron);
      if (before === field) throw new BadInput(`${field}: neuron ${neuron} appears twice`, field);
      if (before !== undefined)
        throw new BadInput(`${field}: neuron ${neuron} is both ${VERB[before]} and ${VERB[field]}`, field);
      seen.set(neuron, field);
    }
  }
  for (const k of s.boost) {
    if (!(k.alpha >= 0 && k.alpha <= 1))
      throw new BadInput(`boost: alpha of neuron ${k.neuron} must be in [0, 1], got ${k.alpha}`, "boost");
    total += k.alpha;
  }
  if (total > 1 + 1e-9)
    throw new BadInput(`boost: the alphas sum to ${+total.toFixed(6)}, more than 1`, "boost");
  for (const q of s.suppress)
    if (!(q.factor >= 0 && q.factor <= 1))
      throw new BadInput(
        `suppress: factor of neuron ${q.neuron} must be in [0, 1], got ${q.factor}`,
        "suppress",
      );
  for (const c of s.clamp ?? [])
    if (!(c.value >= 0 && Number.isFinite(c.value)))
      throw new BadInput(
        `clamp: value of neuron ${c.neuron} must be finite and >= 0, got ${c.value}`,
        "clamp",
      );
}

const VERB = { boost: "boosted", suppress: "suppressed", clamp: "clamped" } as const;

/**
 * The steering ops: one suppression per factor (in order of first use), then the boost (one blend
 * with every knob, or, for the shift operator, one shift along the knobs' strength shares by
 * `amount`: neuron j gets amount * alpha_j / sum of the alphas), then one clamp per clamped neuron
 * (last, so each ends at exactly its value). A shift without `amount` is an error (scale it first).
 */
export function steeringOps(s: Steering): SteerOp[] {
  const ops: SteerOp[] = [];
  const byFactor = new Map<number, number[]>();
  for (const q of s.suppress) byFactor.set(q.factor, [...(byFactor.get(q.factor) ?? []), q.neuron]);
  for (const [factor, neurons] of byFactor) ops.push({ kind: "suppress", neurons, factor });
  if (s.boost.length > 0 && s.operator === "shift") {
    const total = s.boost.reduce((a, k) => a + k.alpha, 0);
    if (s.amount === undefined && total > 0)
      throw new Error(
        "steering: a shift boost needs its calibrated amount (strength-scale.ts scaleSteering)",
      );
    const amount = s.amount ?? 0;
    if (!(amount >= 0 && Number.isFinite(amount)))
      throw new BadInput(`boost: the shift amount must be finite and >= 0, got ${amount}`, "boost");
    if (total > 0 && amount > 0)
      ops.push({
        kind: "shift",
        knobs: s.boost
          .filter((k) => k.alpha > 0)
          .map((k) => ({ neuron: k.neuron, amount: (amount * k.alpha) / total })),
      });
  } else if (s.boost.length > 0) ops.push({ kind: "boost", knobs: s.boost.map((k) => ({ ...k })) });
  for (const c of s.clamp ?? []) ops.push({ kind: "clamp", neuron: c.neuron, value: c.value });
  return ops;
}

/** Checks a list length: a positive integer (BadInput naming "n"). */
export function checkListLength(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new BadInput(`n must be a positive integer, got ${n}`, "n");
}

/** One user's steered list: the checked steering, its ops and the recommendation (steer.recommend). */
export interface SteeredUser {
  readonly steering: Steering;
  readonly ops: SteerOp[];
  readonly result: UserRecommendation;
}

/**
 * Top-n of one user (their batch) from the nested model with the code steered: one encode, code
 * edit, decode and top-k. Without steering (or with alpha 0) the list is exactly the model's own.
 */
export function steerUser(
  model: Recommender,
  sae: Sae,
  batch: UserBatch,
  n: number,
  steering: Steering,
): SteeredUser {
  checkListLength(n);
  checkSteering(steering, sae.dSae);
  const ops = steeringOps(steering);
  const result = recommend(model, sae, batch, { n, ...(ops.length > 0 ? { steer: ops } : {}) }).users[0];
  return { steering, ops, result };
}
