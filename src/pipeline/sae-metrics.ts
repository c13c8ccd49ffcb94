import { LatentActivity } from "../eval/sae.js";
import type { Recommender } from "../models/types.js";
import { codeAsCsr } from "../sae/code.js";
import {
  evaluateNested,
  type HeldOutRows,
  type HitMetric,
  type NestedEvalReport,
} from "../nested/nested-eval.js";
import type { Sae } from "../sae/types.js";
import type { Matrix } from "../tensor/matrix.js";
import type { NestedProtocol } from "./sae-protocol.js";

/**
 * Firings per latent below which a dead fraction says nothing: with users * L0 firings spread
 * uniformly over dSae latents, a share exp(-users * L0 / dSae) would still never fire (e^-5 < 0.7%).
 */
export const MIN_FIRINGS_PER_LATENT = 5;

/**
 * Flat metrics of a nested evaluation under `prefix` ("test", "val"): original and nested
 * hit metric@k (recall_trunc@k, or hr@k on leave-one-out runs) and nDCG@k (with standard errors;
 * MRR too when the report has it), the share kept, RBO, Kendall tau, reconstruction
 * (cosine, FVE, MSE) and sparsity (L0; the dead fraction only when the users' codes hold at least
 * {@link MIN_FIRINGS_PER_LATENT} firings per latent of the `dSae`, so that "never fired" can mean
 * dead rather than "too few users"). Ratios that are undefined (original 0) are left out rather
 * than written as NaN.
 */
export function nestedMetrics(prefix: string, r: NestedEvalReport, dSae: number): Record<string, number> {
  const k = r.k;
  const hit = `${r.hitMetric}@${k}`;
  const out: Record<string, number> = {
    [`${prefix}/users`]: r.users,
    [`${prefix}/${hit}`]: r.original.hit.mean,
    [`${prefix}/ndcg@${k}`]: r.original.ndcg.mean,
    [`${prefix}/nested/${hit}`]: r.nested.hit.mean,
    [`${prefix}/nested/${hit}/se`]: r.nested.hit.stderr,
    [`${prefix}/nested/ndcg@${k}`]: r.nested.ndcg.mean,
    [`${prefix}/nested/ndcg@${k}/se`]: r.nested.ndcg.stderr,
    [`${prefix}/rbo`]: r.fidelity.rbo.mean,
    [`${prefix}/rbo/se`]: r.fidelity.rbo.stderr,
    [`${prefix}/kendallTau`]: r.fidelity.kendallTau.mean,
    [`${prefix}/kendallTau/se`]: r.fidelity.kendallTau.stderr,
    [`${prefix}/cosine`]: r.reconstruction.cosine,
    [`${prefix}/fve`]: r.reconstruction.fve,
    [`${prefix}/mse`]: r.reconstruction.mse,
    [`${prefix}/l0`]: r.sparsity.meanL0,
  };
  if (r.users * r.sparsity.meanL0 >= MIN_FIRINGS_PER_LATENT * dSae)
    out[`${prefix}/deadFraction`] = r.sparsity.deadFraction;
  if (r.original.mrr && r.nested.mrr) {
    out[`${prefix}/mrr`] = r.original.mrr.mean;
    out[`${prefix}/nested/mrr`] = r.nested.mrr.mean;
    out[`${prefix}/nested/mrr/se`] = r.nested.mrr.stderr;
  }
  if (r.kept.hit !== null) out[`${prefix}/kept/${hit}`] = r.kept.hit;
  if (r.kept.ndcg !== null) out[`${prefix}/kept/ndcg@${k}`] = r.kept.ndcg;
  if (r.kept.mrr !== undefined && r.kept.mrr !== null) out[`${prefix}/kept/mrr`] = r.kept.mrr;
  return out;
}

/**
 * Nested evaluation of the SAE inside the model on held-out users, as flat metrics (see
 * {@link nestedMetrics}); `protocol` defaults to Recall_trunc@20 without MRR.
 */
export function evaluateNestedMetrics(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows,
  prefix: string,
  protocol: Partial<NestedProtocol> = {},
): { report: NestedEvalReport; metrics: Record<string, number> } {
  const report = evaluateNested(model, sae, part, protocol);
  return { report, metrics: nestedMetrics(prefix, report, sae.dSae) };
}

/** Share of rows of `x` in which each latent of the SAE fires (codes computed in batches). */
export function firingRates(sae: Sae, x: Matrix, batchSize = 1024): Float64Array {
  const activity = new LatentActivity(sae.dSae);
  for (let s = 0; s < x.rows; s += batchSize)
    activity.add(codeAsCsr(sae.encode(x.rowRange(s, Math.min(x.rows, s + batchSize)))));
  return activity.firingRates();
}

/**
 * Rows of the metrics table: display name and metric key, "{k}" standing for the cut-off, "{hit}"
 * for the hit metric's key and "{Hit}" for its display name.
 */
const TABLE: readonly (readonly [string, string])[] = [
  ["users", "users"],
  ["{Hit}@{k} original", "{hit}@{k}"],
  ["{Hit}@{k} nested", "nested/{hit}@{k}"],
  ["{Hit}@{k} kept", "kept/{hit}@{k}"],
  ["nDCG@{k} original", "ndcg@{k}"],
  ["nDCG@{k} nested", "nested/ndcg@{k}"],
  ["nDCG@{k} kept", "kept/ndcg@{k}"],
  ["MRR original", "mrr"],
  ["MRR nested", "nested/mrr"],
  ["MRR kept", "kept/mrr"],
  ["RBO", "rbo"],
  ["Kendall tau", "kendallTau"],
  ["cosine", "cosine"],
  ["FVE", "fve"],
  ["MSE", "mse"],
  ["L0", "l0"],
  ["dead fraction", "deadFraction"],
];

function cell(v: number | undefined): string {
  if (v === undefined) return "-";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

/** Display name of a hit metric: "Recall_trunc" or "HR". */
export function hitMetricName(hit: HitMetric): string {
  return hit === "hr" ? "HR" : "Recall_trunc";
}

/**
 * A plain-text table of the SAE metrics of each prefix (columns), e.g. `["val", "test"]`; a value
 * with a standard error prints as "mean ± se". `hit` names the hit metric of the keys
 * (recall_trunc, or hr on leave-one-out runs).
 */
export function saeMetricsTable(
  metrics: Readonly<Record<string, number>>,
  prefixes: readonly string[],
  k = 20,
  hit: HitMetric = "recall_trunc",
): string {
  const label = (s: string): string =>
    s.replace("{k}", String(k)).replace("{hit}", hit).replace("{Hit}", hitMetricName(hit));
  const rows = TABLE.filter(([, key]) => prefixes.some((p) => metrics[`${p}/${label(key)}`] !== undefined));
  const body = rows.map(([name, key]) => [
    label(name),
    ...prefixes.map((p) => {
      const m = `${p}/${label(key)}`;
      const se = metrics[`${m}/se`];
      return se !== undefined ? `${cell(metrics[m])} ± ${cell(se)}` : cell(metrics[m]);
    }),
  ]);
  const all = [["metric", ...prefixes], ...body];
  const widths = all[0].map((_, c) => Math.max(...all.map((r) => r[c].length)));
  return all
    .map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join("  "))
    .join("\n");
}
