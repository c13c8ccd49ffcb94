import { z } from "zod";
import {
  coldStart,
  codeReference,
  MAX_COLD_START_KNOBS,
  type CodeReference,
} from "../pipeline/cold-start.js";
import { resolveKnob, type KnobResolution } from "../pipeline/knobs.js";
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
            /** In (0, 1]; checked by the cold-start service (src/pipeline/cold-start.ts). */
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
  /** The code the list was decoded from: each neuron, its strength, level and activation (strength x level). */
  readonly knobs: (NeuronLabelView & {
    neuron: number;
    strength: number;
    level: number;
    activation: number;
  })[];
  /** What each string reference resolved to (concept knobs). */
  readonly resolved: KnobResolution[];
  readonly items: { rank: number; item: ItemView; score: number }[];
}

/** What hand-built codes are scaled by, from a sample of real users' codes. */
interface CodeScale {
  /** Median over the sampled users of the sum of their code's activations. */
  readonly mass: number;
  /** Per-sample statistics (SAEs that normalise per sample). */
  readonly reference?: CodeReference;
}

const scales = new WeakMap<Workspace, CodeScale>();

/** Users whose codes set the scale of hand-built codes (evenly spaced sample). */
export const CODE_SCALE_USERS = 1024;

/** The code scale of the workspace: up to CODE_SCALE_USERS evenly spaced users, encoded once, cached. */
export function codeScale(ws: Workspace): CodeScale {
  let s = scales.get(ws);
  if (s === undefined) {
    const masses: number[] = [];
    let reference: CodeReference | undefined;
    for (const { batch } of userBatches(ws.users, evenSample(ws.users.rows.rows, CODE_SCALE_USERS), 256)) {
      const code = ws.sae.encode(ws.model.encodeUsers(batch));
      for (let r = 0; r < code.rows; r++) {
        let m = 0;
        for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) m += code.values[p];
        masses.push(m);
      }
      reference ??= codeReference(code);
    }
    masses.sort((a, b) => a - b);
    const m = masses.length >> 1;
    const mass = masses.length === 0 ? 0 : masses.length % 2 ? masses[m] : (masses[m - 1] + masses[m]) / 2;
    s = { mass, ...(reference ? { reference } : {}) };
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
 * (src/pipeline/cold-start.ts): references resolve as steering knobs do (a "direction" concept
 * splits its strength over its neurons by weight).
 */
export function coldStartForWorkspace(ws: Workspace, body: ColdStartBodyValue): ColdStartView {
  const resolved: KnobResolution[] = [];
  const knobs = body.knobs.flatMap((k) => {
    if (typeof k.neuron === "number") return [{ neuron: k.neuron, strength: k.strength }];
    const r = resolveKnob(ws.labels, k.neuron, { mapping: body.mapping }, "knobs");
    resolved.push(r);
    return r.neurons.map((x) => ({ neuron: x.neuron, strength: k.strength * x.weight }));
  });
  const level = (j: number): number => typicalLevel(ws, j);
  const r = coldStart(ws.model, ws.sae, { knobs, n: body.n }, level, codeScale(ws).reference);
  return {
    n: body.n,
    knobs: knobs.map((k, p) => ({
      neuron: k.neuron,
      strength: k.strength,
      level: level(k.neuron),
      activation: r.code[p].activation,
      ...labelOf(ws, k.neuron),
    })),
    resolved,
    items: Array.from(r.items, (i, p) => ({
      rank: p + 1,
      item: describeItem(ws.dataset, i),
      score: r.scores[p],
    })),
  };
}
