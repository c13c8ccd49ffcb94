import type { LabelsDoc } from "../concepts/labels.js";
import { resolveAudience, resolveConcept } from "./audience.js";
import { resolveNeuron } from "./knobs.js";
import { runInterventionEnv, type InterventionEnv } from "./intervention-env.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import { suppressConcept, type SuppressionResult, type SuppressionSide } from "./suppression.js";

/** Options of {@link suppressForRun}. */
export interface SuppressRunOptions {
  /** Concept reference (pipeline/audience.ts). */
  readonly concept: string;
  /** Users: an audience spec (a concept, `<attribute>=<value>`, `ids:a,b`). */
  readonly users: string;
  /** Neuron ids or labels; the concept's aligned latents when absent. */
  readonly neurons?: readonly string[];
  readonly enrichment?: number;
  readonly factors?: readonly number[];
  readonly n?: number;
  readonly minShare?: number;
  readonly side?: SuppressionSide;
}

/** Result of {@link suppressForRun}. */
export interface SuppressRunResult extends SuppressionResult {
  readonly concept: string;
  readonly conceptItems: number;
  readonly usersSpec: string;
  readonly definition: string;
  readonly n: number;
  readonly labels: Record<string, string>;
}

/** `reclens suppress`: the suppression service (pipeline/suppression.ts) on a run's users. */
export function suppressForRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  doc: LabelsDoc,
  opts: SuppressRunOptions,
): SuppressRunResult {
  return suppressFor(runInterventionEnv(ctx, loaded.sae, doc), opts);
}

/** Suppression on an intervention environment (a run or a served workspace; POST /api/suppress). */
export function suppressFor(env: InterventionEnv, opts: SuppressRunOptions): SuppressRunResult {
  const doc = env.labels;
  const concept = resolveConcept(env.dataset, opts.concept);
  const pop = env.population;
  const aud = resolveAudience(
    env.dataset,
    pop,
    opts.users,
    opts.minShare !== undefined ? { minShare: opts.minShare } : {},
    "users",
  );
  const n = opts.n ?? 30;
  const r = suppressConcept(env.model, env.sae, pop, {
    concept,
    users: aud.users,
    n,
    ...(opts.neurons ? { neurons: opts.neurons.map((ref) => resolveNeuron(doc, ref, "neurons")) } : {}),
    ...(opts.enrichment !== undefined ? { enrichment: opts.enrichment } : {}),
    ...(opts.factors ? { factors: opts.factors } : {}),
    ...(opts.side ? { side: opts.side } : {}),
  });
  const labels: Record<string, string> = {};
  for (const j of r.neurons) {
    const l = doc.labels[String(j)]?.label;
    if (l) labels[String(j)] = l;
  }
  return {
    concept: `${concept.family} ${concept.names.join("|")}`,
    conceptItems: concept.itemCount,
    usersSpec: opts.users,
    definition: aud.definition,
    n,
    ...r,
    labels,
  };
}
