import { LatentActivity } from "../eval/sae.js";
import type { Recommender } from "../models/types.js";
import { codeAsCsr } from "../sae/code.js";
import { evaluateNested, type HeldOutRows, type NestedEvalReport } from "../nested/nested-eval.js";
import type { Sae } from "../sae/types.js";
import type { Matrix } from "../tensor/matrix.js";

/**
 * Firings per latent below which a dead fraction says nothing: with users * L0 firings spread
 * uniformly over dSae latents, a share exp(-users * L0 / dSae) would still never fire (e^-5 < 0.7%).
 */
export const MIN_FIRINGS_PER_LATENT = 5;

/**
 * Flat metrics of a nested evaluation under `prefix` ("test", "val"): original and nested
 * Recall_trunc@k/nDCG@k (with standard errors), the share kept, RBO, Kendall tau, reconstruction
 * (cosine, FVE, MSE) and sparsity (L0; the dead fraction only when the users' codes hold at least
 * {@link MIN_FIRINGS_PER_LATENT} firings per latent of the `dSae`, so that "never fired" can mean
 * dead rather than "too few users"). Ratios that are undefined (original 0) are left out rather
 * than written as NaN.
 */
export function nestedMetrics(prefix: string, r: NestedEvalReport, dSae: number): Record<string, number> {
  const k = r.k;
  const out: Record<string, number> = {
    [`${prefix}/users`]: r.users,
    [`${prefix}/recall_trunc@${k}`]: r.original.recall.mean,
    [`${prefix}/ndcg@${k}`]: r.original.ndcg.mean,
    [`${prefix}/nested/recall_trunc@${k}`]: r.nested.recall.mean,
    [`${prefix}/nested/recall_trunc@${k}/se`]: r.nested.recall.stderr,
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
  if (r.kept.recall !== null) out[`${prefix}/kept/recall_trunc@${k}`] = r.kept.recall;
  if (r.kept.ndcg !== null) out[`${prefix}/kept/ndcg@${k}`] = r.kept.ndcg;
  return out;
}

/** Nested evaluation of the SAE inside the model on held-out users, as flat metrics (see {@link nestedMetrics}). */
export function evaluateNestedMetrics(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows,
  prefix: string,
  k = 20,
): { report: NestedEvalReport; metrics: Record<string, number> } {
  const report = evaluateNested(model, sae, part, { k });
  return { report, metrics: nestedMetrics(prefix, report, sae.dSae) };
}

/** Share of rows of `x` in which each latent of the SAE fires (codes computed in batches). */
export function firingRates(sae: Sae, x: Matrix, batchSize = 1024): Float64Array {
  const activity = new LatentActivity(sae.dSae);
  for (let s = 0; s < x.rows; s += batchSize)
    activity.add(codeAsCsr(sae.encode(x.rowRange(s, Math.min(x.rows, s + batchSize)))));
  return activity.firingRates();
}

/** Rows of the metrics table: display name and metric key, "{k}" standing for the cut-off. */
const TABLE: readonly (readonly [string, string])[] = [
  ["users", "users"],
  ["Recall_trunc@{k} original", "recall_trunc@{k}"],
  ["Recall_trunc@{k} nested", "nested/recall_trunc@{k}"],
  ["Recall_trunc@{k} kept", "kept/recall_trunc@{k}"],
  ["nDCG@{k} original", "ndcg@{k}"],
  ["nDCG@{k} nested", "nested/ndcg@{k}"],
  ["nDCG@{k} kept", "kept/ndcg@{k}"],
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

/**
 * A plain-text table of the SAE metrics of each prefix (columns), e.g. `["val", "test"]`; a value
 * with a standard error prints as "mean ± se".
 */
export function saeMetricsTable(
  metrics: Readonly<Record<string, number>>,
  prefixes: readonly string[],
  k = 20,
): string {
  const rows = TABLE.filter(([, key]) =>
    prefixes.some((p) => metrics[`${p}/${key.replace("{k}", String(k))}`] !== undefined),
  );
  const label = (s: string): string => s.replace("{k}", String(k));
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
