import type { NestedEvalReport } from "../nested/nested-eval.js";
import { saeTrainingRows } from "./representations.js";
import type { ModelRunContext } from "./run-context.js";
import { loadRunSae } from "./sae-ref.js";
import { evaluateNestedMetrics, firingRates } from "./sae-metrics.js";
import { nestedProtocolOf, type NestedProtocol } from "./sae-protocol.js";

/** Result of {@link evaluateSaeOnRun}. */
export interface SaeEvalResult {
  readonly saeDir: string;
  /** Flat metrics: "val/..." and "test/..." nested metrics plus "train/deadFraction". */
  readonly metrics: Record<string, number>;
  readonly reports: { readonly val?: NestedEvalReport; readonly test?: NestedEvalReport };
  /** Firing rate of each latent over the SAE's training rows (representations.ts saeTrainingRows). */
  readonly firing: Float64Array;
  /** Cut-off, hit metric and ranking of the nested metrics. */
  readonly protocol: NestedProtocol;
}

/**
 * `reclens sae eval`: loads the SAE (default `<run>/sae`) and evaluates the nested model on the
 * run's validation and test users under the run's protocol (nestedProtocolOf; `k` overrides the
 * cut-off), plus latent firing rates over the SAE's training rows ("train/deadFraction").
 */
export function evaluateSaeOnRun(ctx: ModelRunContext, saeDir?: string, k?: number): SaeEvalResult {
  const protocol = nestedProtocolOf(ctx.splitSettings, k);
  const { sae, dir } = loadRunSae(ctx, saeDir);
  const metrics: Record<string, number> = {};
  const reports: { val?: NestedEvalReport; test?: NestedEvalReport } = {};
  for (const [prefix, part] of [
    ["val", ctx.split.validation],
    ["test", ctx.split.test],
  ] as const) {
    if (part.foldIn.rows === 0) continue;
    const r = evaluateNestedMetrics(ctx.model, sae, part, prefix, protocol);
    reports[prefix] = r.report;
    Object.assign(metrics, r.metrics);
  }
  const firing = firingRates(sae, saeTrainingRows(ctx.model, ctx.split).rows);
  let dead = 0;
  for (const r of firing) if (r === 0) dead++;
  metrics["train/deadFraction"] = dead / firing.length;
  return { saeDir: dir, metrics, reports, firing, protocol };
}
