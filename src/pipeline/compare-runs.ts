import { BadInput, Conflict, Unavailable } from "../errors.js";
import type { LoadOptions } from "../data/load.js";
import { pairedComparison, type PairedComparison } from "../eval/paired.js";
import { metricCutoff } from "../eval/ranking.js";
import { evaluateHeldOut } from "../models/evaluate.js";
import { readManifest, runLayout, type Manifest } from "../store/manifest.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { splitSettingsOf, type SplitSettings } from "./run-split.js";
import { protocolOf } from "./train-run.js";

/** Which users a comparison ranks: the test users (default) or the validation users. */
export type ComparePart = "test" | "val";

/** Options of {@link compareRuns}. */
export interface CompareRunsOptions {
  /** Per-user metric, e.g. "ndcg@10", "hr@10", "recall_trunc@20", "mrr" (default: the split's early-stopping metric, ndcg@10 for leave-one-out). */
  readonly metric?: string;
  /** Default "test". */
  readonly part?: ComparePart;
  /** Confidence level of the interval (default 0.95). */
  readonly level?: number;
  /** How both runs' data are reloaded (e.g. another dataDir). */
  readonly load?: LoadOptions;
}

/** One side of a comparison. */
export interface ComparedRun {
  readonly run: string;
  readonly model: string;
  readonly seed: number;
  /** Mean of the metric over the compared users and its standard error. */
  readonly mean: number;
  readonly stderr: number;
}

/** What `reclens compare` reports: B against A on the same users (positive differences favour B). */
export interface CompareRunsResult {
  readonly metric: string;
  readonly part: ComparePart;
  readonly split: SplitSettings["kind"];
  readonly dataset: { readonly name: string; readonly hash: string };
  /** Users compared (those with a non-empty target). */
  readonly users: number;
  readonly a: ComparedRun;
  readonly b: ComparedRun;
  /** Paired statistics of b - a per user (t-test, sign test, confidence interval). */
  readonly paired: PairedComparison;
}

/** The cut-off and ranking mode that evaluate `metric` (checked: a name `reclens eval` reports). */
function metricPlan(metric: string, split: SplitSettings): { ks: number[]; fullRanking: boolean } {
  const k = metricCutoff(metric);
  if (k === null && metric !== "mrr" && metric !== "mpr")
    throw new BadInput(
      `metric must be recall@K, recall_trunc@K, ndcg@K, hr@K, precision@K, mrr or mpr, got "${metric}"`,
      "metric",
    );
  const p = protocolOf(split);
  return k !== null ? { ks: [k], fullRanking: p.fullRanking } : { ks: [10], fullRanking: true };
}

/** The settings that decide which users and targets a split holds (a leave-one-out split has no seed). */
function splitKey(s: SplitSettings): string {
  return s.kind === "leaveOneOut" ? JSON.stringify({ kind: s.kind }) : JSON.stringify(s);
}

function describeSplit(s: SplitSettings): string {
  const { kind, ...rest } = s;
  return kind === "leaveOneOut"
    ? "leave-one-out"
    : `${kind} ${Object.entries(rest)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(", ")}`;
}

/**
 * Checks, from the manifests alone (before any data are loaded), that two runs were trained on the
 * same data (dataset fingerprint) and the same split (kind and, where the split depends on them, seed
 * and fractions); a Conflict naming both runs otherwise.
 */
export function checkComparable(dirA: string, a: Manifest, dirB: string, b: Manifest): SplitSettings {
  if (a.data.hash !== b.data.hash)
    throw new Conflict(
      `${dirA} and ${dirB} were trained on different data (${a.data.name} fingerprint ${a.data.hash.slice(0, 12)} vs ${b.data.name} fingerprint ${b.data.hash.slice(0, 12)}): a paired comparison needs the same users and targets`,
    );
  const sa = splitSettingsOf(a, runLayout(dirA).manifest);
  const sb = splitSettingsOf(b, runLayout(dirB).manifest);
  if (splitKey(sa) !== splitKey(sb))
    throw new Conflict(
      `${dirA} and ${dirB} use different splits (${describeSplit(sa)} vs ${describeSplit(sb)}): a paired comparison needs the same users and targets`,
    );
  return sa;
}

function sameUsers(x: Int32Array, y: Int32Array): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Each user's metric of one run on the part, through `reclens eval`'s evaluation (evaluateHeldOut). */
function perUserMetric(
  ctx: ModelRunContext,
  part: ComparePart,
  metric: string,
): { rows: Int32Array; values: Float64Array; mean: number; stderr: number } {
  const evalPart = part === "val" ? ctx.split.validation : ctx.split.test;
  if (evalPart.users.length === 0)
    throw new Unavailable(
      `${ctx.dir}: the split has no ${part === "val" ? "validation" : "test"} users`,
      "part",
    );
  const plan = metricPlan(metric, ctx.splitSettings);
  const report = evaluateHeldOut(ctx.model, evalPart, { ...plan, keepPerUser: true });
  const values = report.perUser?.values[metric];
  const summary = report.metrics[metric];
  if (!report.perUser || !values || !summary)
    throw new Error(`compare: the evaluation of ${ctx.dir} reported no "${metric}"`);
  return { rows: report.perUser.rows, values, mean: summary.mean, stderr: summary.stderr };
}

/**
 * `reclens compare <runA> <runB>`: a paired comparison of two runs on the same split. Both runs are
 * opened (data fingerprint checked), their test (or validation) users ranked over all items with
 * their history excluded exactly as `reclens eval` does, and the per-user metric compared user by
 * user: mean of each run, mean difference B - A with its standard error and confidence interval, a
 * two-sided paired t-test and a sign test (src/eval/paired.ts).
 */
export async function compareRuns(
  dirA: string,
  dirB: string,
  opts: CompareRunsOptions = {},
): Promise<CompareRunsResult> {
  const part = opts.part ?? "test";
  if (opts.level !== undefined && !(opts.level > 0 && opts.level < 1))
    throw new BadInput(`level must be a number in (0, 1), e.g. 0.95, got ${opts.level}`, "level");
  const split = checkComparable(dirA, readManifest(dirA), dirB, readManifest(dirB));
  const metric = opts.metric ?? protocolOf(split).earlyStopping;
  metricPlan(metric, split);
  const open = (dir: string): Promise<ModelRunContext> =>
    openModelRun(dir, opts.load ? { load: opts.load } : {});
  const ctxA = await open(dirA);
  const ra = perUserMetric(ctxA, part, metric);
  const ctxB = await open(dirB);
  const rb = perUserMetric(ctxB, part, metric);
  const usersA = part === "val" ? ctxA.split.validation.users : ctxA.split.test.users;
  const usersB = part === "val" ? ctxB.split.validation.users : ctxB.split.test.users;
  if (!sameUsers(usersA, usersB) || !sameUsers(ra.rows, rb.rows))
    throw new Conflict(`${dirA} and ${dirB}: the ${part} users differ although the splits match`);
  const side = (dir: string, ctx: ModelRunContext, r: { mean: number; stderr: number }): ComparedRun => ({
    run: dir,
    model: ctx.model.name,
    seed: ctx.manifest.seed,
    mean: r.mean,
    stderr: r.stderr,
  });
  return {
    metric,
    part,
    split: split.kind,
    dataset: { name: ctxA.manifest.data.name, hash: ctxA.manifest.data.hash },
    users: ra.values.length,
    a: side(dirA, ctxA, ra),
    b: side(dirB, ctxB, rb),
    paired: pairedComparison(ra.values, rb.values, opts.level !== undefined ? { level: opts.level } : {}),
  };
}
