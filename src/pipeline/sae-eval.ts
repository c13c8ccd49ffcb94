import type { NestedEvalReport } from "../nested/nested-eval.js";
import { trainingRepresentations } from "./representations.js";
import type { ModelRunContext } from "./run-context.js";
import { loadRunSae } from "./sae-ref.js";
import { evaluateNestedMetrics, firingRates } from "./sae-metrics.js";

/** Result of {@link evaluateSaeOnRun}. */
export interface SaeEvalResult {
  readonly saeDir: string;
  /** Flat metrics: "val/..." and "test/..." nested metrics plus "train/deadFraction". */
  readonly metrics: Record<string, number>;
  readonly reports: { readonly val?: NestedEvalReport; readonly test?: NestedEvalReport };
  /** Firing rate of each latent over the training users. */
  readonly firing: Float64Array;
}

/**
 * `reclens sae eval`: loads the SAE (default `<run>/sae`) and evaluates the nested model on the
 * run's validation and test users, plus latent firing rates over the training users.
 */
export function evaluateSaeOnRun(ctx: ModelRunContext, saeDir?: string, k = 20): SaeEvalResult {
  const { sae, dir } = loadRunSae(ctx, saeDir);
  const metrics: Record<string, number> = {};
  const reports: { val?: NestedEvalReport; test?: NestedEvalReport } = {};
  for (const [prefix, part] of [
    ["val", ctx.split.validation],
    ["test", ctx.split.test],
  ] as const) {
    if (part.foldIn.rows === 0) continue;
    const r = evaluateNestedMetrics(ctx.model, sae, part, prefix, k);
    reports[prefix] = r.report;
    Object.assign(metrics, r.metrics);
  }
  const firing = firingRates(sae, trainingRepresentations(ctx.model, ctx.split.train));
  let dead = 0;
  for (const r of firing) if (r === 0) dead++;
  metrics["train/deadFraction"] = dead / firing.length;
  return { saeDir: dir, metrics, reports, firing };
}
