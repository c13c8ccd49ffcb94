import { z } from "zod";
import { coldStart, MAX_COLD_START_KNOBS, measureCodeScale, type CodeScale } from "../pipeline/cold-start.js";
import { resolveColdStartKnobs } from "../pipeline/cold-start-run.js";
import { workspaceScales } from "./strength.js";
import type { KnobResolution } from "../pipeline/knobs.js";
import { describeItem, type ItemView } from "./item-view.js";
import { labelOf, type NeuronLabelView } from "./steering.js";
import { evenSample, userBatches } from "./user-batches.js";
import { MAX_LIST } from "./schemas.js";
import type { Workspace } from "./workspace.js";

/** POST /api/cold-start body: knobs by neuron id or reference (id, concept or label) and strength. */
export const ColdStartBody = z
  .object({
    knobs: z
      .array(
        z
          .object({
            neuron: z.union([z.number().int().min(0), z.string().min(1).max(200)]),
            /** In [0, 1], the boost scale, summing to at most 1; checked by the cold-start service. */
            strength: z.number().default(1),
          })
          .strict(),
      )
      .max(MAX_COLD_START_KNOBS),
    n: z.number().int().min(1).max(MAX_LIST).default(20),
    mapping: z.enum(["representative", "unique", "direction"]).default("representative"),
  })
  .strict();

/** The parsed body of POST /api/cold-start. */
export type ColdStartBodyValue = z.infer<typeof ColdStartBody>;

/** POST /api/cold-start response. */
export interface ColdStartView {
  readonly n: number;
  /**
   * The code the list was decoded from: each neuron, its strength (boost scale), shift amount,
   * level (a typical user's activation mass) and activation (amount x level).
   */
  readonly knobs: (NeuronLabelView & {
    neuron: number;
    strength: number;
    amount: number;
    level: number;
    activation: number;
  })[];
  /** The calibrated shift amount of the strengths' total (strength-scale.ts). */
  readonly amount: number;
  /** What each string reference resolved to (concept knobs). */
  readonly resolved: KnobResolution[];
  readonly items: { rank: number; item: ItemView; score: number }[];
}

const scales = new WeakMap<Workspace, CodeScale>();

/** Users whose codes set the scale of hand-built codes (evenly spaced sample). */
export const CODE_SCALE_USERS = 1024;

/** The code scale of the workspace: up to CODE_SCALE_USERS evenly spaced users, encoded once, cached. */
export function codeScale(ws: Workspace): CodeScale {
  let s = scales.get(ws);
  if (s === undefined) {
    const sample = evenSample(ws.users.rows.rows, CODE_SCALE_USERS);
    s = measureCodeScale(
      ws.model,
      ws.sae,
      userBatches(ws.users, sample, 256).map((b) => b.batch),
    );
    scales.set(ws, s);
  }
  return s;
}

/**
 * Typical level of neuron j in the workspace: the median total activation of a user's code (so a
 * strength is a share of a typical user's activation mass, as boost's alpha is); 0 for a neuron that
 * never fires (no item activates it and no sampled user's code holds it).
 */
export function typicalLevel(ws: Workspace, j: number): number {
  const dead = ws.neurons.activity.support[j] === 0 && ws.neurons.firingCount[j] === 0;
  return dead ? 0 : codeScale(ws).mass;
}

/**
 * A new user's recommendations from concept knobs alone, through the cold-start service
 * (src/pipeline/cold-start.ts), on the boost's strength scale (the workspace's calibration, as the
 * recommendation route uses): references resolve as steering knobs do (a "direction" concept
 * splits its strength over its neurons by weight).
 */
export function coldStartForWorkspace(ws: Workspace, body: ColdStartBodyValue): ColdStartView {
  const { knobs, resolved, specs } = resolveColdStartKnobs(ws.labels, body.knobs, body.mapping);
  const level = (j: number): number => typicalLevel(ws, j);
  const r = coldStart(
    ws.model,
    ws.sae,
    { knobs, n: body.n, scales: () => workspaceScales(ws), resolved: specs },
    level,
    codeScale(ws).reference,
  );
  return {
    n: body.n,
    knobs: knobs.map((k, p) => ({
      neuron: k.neuron,
      strength: k.strength,
      amount: r.code[p].amount,
      level: level(k.neuron),
      activation: r.code[p].activation,
      ...labelOf(ws, k.neuron),
    })),
    amount: r.amount,
    resolved,
    items: Array.from(r.items, (i, p) => ({
      rank: p + 1,
      item: describeItem(ws.dataset, i),
      score: r.scores[p],
    })),
  };
}
