import { BadInput, Unavailable } from "../errors.js";
import { Csr } from "../tensor/csr.js";
import { resolveAudience, resolveConcept } from "./audience.js";
import type { InterventionEnv } from "./intervention-env.js";
import { resolveNeuron } from "./knobs.js";
import { nudgeGroup, type NudgeResult, type NudgeSide } from "./nudge.js";
import type { EvalPart } from "./run-split.js";

/** Which held-out users a nudge is measured on: the test users, or test + validation users. */
export type NudgeUsers = "test" | "heldout";

/** Options of {@link nudgeFor}. */
export interface NudgeRunOptions {
  /** The segment: an audience spec (pipeline/audience.ts), e.g. `age=1` (ML-1M under-18s). */
  readonly segment: string;
  /** Concept reference to nudge toward, e.g. `Children's`. */
  readonly concept: string;
  readonly strengths: readonly number[];
  /** Neuron ids or labels; the concept's Table-1 neuron when absent. */
  readonly neurons?: readonly string[];
  readonly n?: number;
  readonly k?: number;
  readonly side?: NudgeSide;
  readonly users?: NudgeUsers;
  /** Concept segments: share of the history in the concept / minimum history (audience.ts). */
  readonly minShare?: number;
  readonly minHistory?: number;
}

/** Result of {@link nudgeFor}. */
export interface NudgeRunResult extends NudgeResult {
  readonly segment: string;
  readonly definition: string;
  /** Dataset users in the segment, and how many of them are held-out users (the ones measured). */
  readonly segmentUsers: number;
  readonly measuredOn: NudgeUsers;
  readonly concept: string;
  readonly conceptItems: number;
  /** Labels of the raised neurons (those that have one). */
  readonly labels: Record<string, string>;
}

/**
 * `reclens nudge` and POST /api/nudge: the segment's held-out users (fold-in encoded and excluded,
 * target items for Recall@k) nudged toward the concept through the nudge service (pipeline/nudge.ts).
 */
export function nudgeFor(env: InterventionEnv, opts: NudgeRunOptions): NudgeRunResult {
  if (!env.heldOut)
    throw new Unavailable("nudge: the run has no held-out users (Recall@k needs their held-out items)");
  const concept = resolveConcept(env.dataset, opts.concept);
  const aud = resolveAudience(
    env.dataset,
    env.population,
    opts.segment,
    {
      ...(opts.minShare !== undefined ? { minShare: opts.minShare } : {}),
      ...(opts.minHistory !== undefined ? { minHistory: opts.minHistory } : {}),
    },
    "segment",
  );
  const measuredOn = opts.users ?? "test";
  const parts = measuredOn === "test" ? [env.heldOut.test] : [env.heldOut.test, env.heldOut.validation];
  const group = segmentRows(parts, aud.users, env.dataset.items.length);
  if (group.seen.rows === 0)
    throw new BadInput(
      `segment: none of the ${aud.users.length} users of "${opts.segment}" is a held-out ${measuredOn === "test" ? "test" : "test or validation"} user`,
      "segment",
    );
  const r = nudgeGroup(env.model, env.sae, group, {
    concept,
    strengths: opts.strengths,
    ...(opts.neurons
      ? { neurons: opts.neurons.map((ref) => resolveNeuron(env.labels, ref, "neurons")) }
      : {}),
    ...(opts.n !== undefined ? { n: opts.n } : {}),
    ...(opts.k !== undefined ? { k: opts.k } : {}),
    ...(opts.side ? { side: opts.side } : {}),
  });
  const labels: Record<string, string> = {};
  for (const { neuron } of r.neurons) {
    const l = env.labels.labels[String(neuron)]?.label;
    if (l) labels[String(neuron)] = l;
  }
  return {
    segment: opts.segment,
    definition: aud.definition,
    segmentUsers: aud.users.length,
    measuredOn,
    concept: `${concept.family} ${concept.names.join("|")}`,
    conceptItems: concept.itemCount,
    ...r,
    labels,
  };
}

/** The held-out rows (fold-in, target, model ids) of the parts' users that are in `users`. */
function segmentRows(
  parts: readonly EvalPart[],
  users: Int32Array,
  nItems: number,
): { seen: Csr; targets: Csr; userIds?: Int32Array } {
  const inSeg = new Set(users);
  const seen: Csr[] = [];
  const targets: Csr[] = [];
  const ids: number[] = [];
  let withIds = true;
  for (const p of parts) {
    const rows: number[] = [];
    p.users.forEach((u, r) => {
      if (inSeg.has(u)) rows.push(r);
    });
    seen.push(p.foldIn.gatherRows(rows));
    targets.push(p.target.gatherRows(rows));
    if (p.userIds) for (const r of rows) ids.push(p.userIds[r]);
    else if (rows.length > 0) withIds = false;
  }
  return {
    seen: stack(seen, nItems),
    targets: stack(targets, nItems),
    ...(withIds && ids.length > 0 ? { userIds: Int32Array.from(ids) } : {}),
  };
}

/** Rows of the matrices one under the other. */
function stack(parts: readonly Csr[], cols: number): Csr {
  if (parts.length === 1) return parts[0];
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  let off = 0;
  for (const m of parts) {
    for (let i = 0; i < m.rows; i++)
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) {
        r.push(off + i);
        c.push(m.indices[p]);
        v.push(m.values[p]);
      }
    off += m.rows;
  }
  return Csr.fromTriplets(off, cols, r, c, v);
}
