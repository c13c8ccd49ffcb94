import type { LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import { timeOrderedItems } from "../data/splits/index.js";
import type { UserBatch } from "../models/types.js";
import { coldStart, measureCodeScale, type CodeScale, type ColdStartKnob } from "./cold-start.js";
import { resolveKnob, splitRefValue, type KnobMapping, type KnobResolution } from "./knobs.js";
import { listedItem, type ListedItem } from "./recommend-run.js";
import { runItemActivations } from "./run-labels.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import type { ResolvedSpec } from "./steering.js";
import { ensureStrengthScales } from "./strength-scale.js";

/** A cold-start knob as the edges receive it: a neuron id, or a reference (id, concept or label). */
export interface ColdStartKnobRef {
  readonly neuron: number | string;
  /** [0, 1] on the boost scale. */
  readonly strength: number;
}

/** Knob references resolved to neurons, with what each name resolved to. */
export interface ResolvedColdStartKnobs {
  /** One knob per neuron (a "direction" concept splits its strength over its neurons by weight). */
  readonly knobs: ColdStartKnob[];
  /** What each string reference resolved to (for reports). */
  readonly resolved: KnobResolution[];
  /** Every reference as a boost spec (the strength scaling merges overlapping directions with it). */
  readonly specs: ResolvedSpec[];
}

/**
 * Resolves cold-start knob references as steering resolves boosts (knobs.ts resolveKnob, BadInput
 * naming "knobs"): used by POST /api/cold-start and `reclens cold-start`.
 */
export function resolveColdStartKnobs(
  doc: LabelsDoc,
  refs: readonly ColdStartKnobRef[],
  mapping: KnobMapping = "representative",
): ResolvedColdStartKnobs {
  const resolved: KnobResolution[] = [];
  const specs: ResolvedSpec[] = [];
  const knobs = refs.flatMap((k) => {
    const r: KnobResolution =
      typeof k.neuron === "number"
        ? {
            ref: `#${k.neuron}`,
            by: "id",
            neurons: [{ neuron: k.neuron, weight: 1, label: null }],
            alternatives: [],
          }
        : resolveKnob(doc, k.neuron, { mapping }, "knobs");
    if (typeof k.neuron !== "number") resolved.push(r);
    specs.push({ ...r, field: "boost", spec: `${String(k.neuron)}:${k.strength}` });
    return r.neurons.map((x) => ({ neuron: x.neuron, strength: k.strength * x.weight }));
  });
  return { knobs, resolved, specs };
}

/** Parses a CLI knob "<concept, label or #id>:<strength>" (BadInput naming "knob"). */
export function parseColdStartKnob(spec: string): ColdStartKnobRef {
  const { ref, value } = splitRefValue(spec);
  if (value === undefined || ref.trim() === "")
    throw new BadInput(
      `knob "${spec}": expected <concept, label or #id>:<strength>, e.g. "Horror:0.5"`,
      "knob",
    );
  if (!(value >= 0 && value <= 1))
    throw new BadInput(`knob "${spec}": strength must be in [0, 1], got ${value}`, "knob");
  return { neuron: ref.trim(), strength: value };
}

/** Users whose codes set the scale of hand-built codes (evenly spaced sample; as the server). */
export const COLD_START_SCALE_USERS = 1024;

/**
 * The code scale of a run: up to COLD_START_SCALE_USERS evenly spaced dataset users with their full
 * histories (model user ids for training users, folded in otherwise; time-ordered sequences for
 * sequential models), in batches of 256, exactly as the server samples its users.
 */
export function runCodeScale(ctx: ModelRunContext, sae: LoadedSae["sae"]): CodeScale {
  const total = ctx.dataset.matrix.rows;
  const count = Math.min(total, COLD_START_SCALE_USERS);
  const sample = Array.from({ length: count }, (_, t) =>
    total <= COLD_START_SCALE_USERS ? t : Math.floor((t * total) / COLD_START_SCALE_USERS),
  );
  const known = sample.filter((u) => ctx.modelUserIds[u] >= 0);
  const unknown = sample.filter((u) => ctx.modelUserIds[u] < 0);
  const batches: UserBatch[] = [];
  for (const [group, withIds] of [
    [known, true],
    [unknown, false],
  ] as const)
    for (let s = 0; s < group.length; s += 256) {
      const part = group.slice(s, s + 256);
      batches.push({
        rows: ctx.dataset.matrix.gatherRows(part),
        ...(withIds ? { userIds: Int32Array.from(part, (u) => ctx.modelUserIds[u]) } : {}),
        ...(ctx.model.sequential ? { sequences: part.map((u) => timeOrderedItems(ctx.dataset, u)) } : {}),
      });
    }
  return measureCodeScale(ctx.model, sae, batches);
}

/** `reclens cold-start` request. */
export interface ColdStartRunRequest {
  readonly knobs: readonly ColdStartKnobRef[];
  readonly n: number;
  readonly mapping?: KnobMapping;
}

/** `reclens cold-start` result (the same fields as POST /api/cold-start's answer). */
export interface ColdStartRunResult {
  readonly n: number;
  /** The calibrated shift amount of the strengths' total. */
  readonly amount: number;
  readonly knobs: {
    neuron: number;
    label: string | null;
    strength: number;
    amount: number;
    level: number;
    activation: number;
  }[];
  readonly resolved: KnobResolution[];
  readonly items: (ListedItem & { rank: number; score: number })[];
}

/**
 * A new user's list from knobs alone on a run (pipeline/cold-start.ts): strengths scaled by the
 * SAE's calibration beside it (ensureStrengthScales, as `reclens recommend` and the server), the
 * level of every firing neuron a typical user's activation mass (runCodeScale).
 */
export function coldStartForRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  req: ColdStartRunRequest,
): ColdStartRunResult {
  const { knobs, resolved, specs } = resolveColdStartKnobs(doc, req.knobs, req.mapping);
  let z: ReturnType<typeof runItemActivations> | undefined;
  const itemActs = (): ReturnType<typeof runItemActivations> => (z ??= runItemActivations(ctx, loaded));
  const scale = runCodeScale(ctx, loaded.sae);
  // a neuron that no item activates has no typical level (as the server: dead neurons are refused)
  const fires = (j: number): boolean => {
    const a = itemActs();
    for (let i = 0; i < a.rows; i++) if (a.data[i * a.cols + j] > 0) return true;
    return false;
  };
  const level = (j: number): number => (fires(j) ? scale.mass : 0);
  const r = coldStart(
    ctx.model,
    loaded.sae,
    { knobs, n: req.n, scales: () => ensureStrengthScales(ctx, loaded, doc, itemActs), resolved: specs },
    level,
    scale.reference,
  );
  return {
    n: req.n,
    amount: r.amount,
    knobs: knobs.map((k, p) => ({
      neuron: k.neuron,
      label: doc.labels[String(k.neuron)]?.label ?? null,
      strength: k.strength,
      amount: r.code[p].amount,
      level: level(k.neuron),
      activation: r.code[p].activation,
    })),
    resolved,
    items: Array.from(r.items, (i, p) => ({ rank: p + 1, ...listedItem(ctx, i), score: r.scores[p] })),
  };
}
