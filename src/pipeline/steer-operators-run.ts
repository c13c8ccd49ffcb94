import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { eligibleNeurons, neuronActivity } from "../concepts/activations.js";
import type { ItemConcepts } from "../data/types.js";
import { frontierSvg } from "../plot/tradeoff.js";
import { calibrateStrength, checkCalibration, type StrengthCalibration } from "../steer/calibration.js";
import { evaluateOperators, type OperatorReport } from "../steer/operators-eval.js";
import { bestShareAtKept, dominates, type FrontierPoint } from "../steer/operators-frontier.js";
import { DEFAULT_OPERATOR, type OperatorName } from "../steer/operators.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { Matrix } from "../tensor/matrix.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";

/** File next to the SAE weights holding its strength calibration (see steer/calibration.ts). */
export const CALIBRATION_FILE = "steer-calibration.json";

/** A calibration as stored: tied to the SAE weights it was measured on. */
export interface StoredCalibration extends StrengthCalibration {
  readonly saeFingerprint: string;
  /** Which users it was measured on ("validation" or "train"). */
  readonly usersFrom: string;
}

/**
 * The SAE's strength calibration: read from `<sae>/steer-calibration.json` when it was measured on
 * these weights (same fingerprint, same k, current format), else measured now and written there
 * atomically. Measured on the
 * run's validation users (the training users when there are none) and on up to 64 knobs spread over
 * the neurons that fire on at least `minSupport` items (z: items x neurons); no metadata is used.
 */
export function ensureCalibration(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  z: Matrix,
  minSupport: number,
  k: number,
): { calibration: StoredCalibration; path: string; measured: boolean } {
  const path = join(loaded.dir, CALIBRATION_FILE);
  if (existsSync(path)) {
    const raw = JSON.parse(readFileSync(path, "utf8")) as { version?: unknown };
    // an older format is measured again (and replaced) rather than refused
    if (raw.version === 2) {
      const cal = checkCalibration(raw, path) as StoredCalibration;
      if (cal.saeFingerprint === loaded.fingerprint && cal.k === k)
        return { calibration: cal, path, measured: false };
    }
  }
  const eligible = eligibleNeurons(neuronActivity(z).support, minSupport);
  const live: number[] = [];
  eligible.forEach((ok, j) => {
    if (ok) live.push(j);
  });
  if (live.length === 0)
    throw new Error(`${loaded.dir}: no neuron fires on ${minSupport} or more items; nothing to calibrate`);
  const stride = Math.max(1, Math.floor(live.length / 64));
  const knobs = live.filter((_, q) => q % stride === 0).slice(0, 64);
  const val = ctx.split.validation;
  const part =
    val.foldIn.rows > 0
      ? val
      : { foldIn: ctx.split.train, target: ctx.split.train, sequences: ctx.split.trainSequences };
  const cal = calibrateStrength(ctx.model, loaded.sae, part, Int32Array.from(knobs), { k });
  const stored: StoredCalibration = {
    ...cal,
    saeFingerprint: loaded.fingerprint,
    usersFrom: val.foldIn.rows > 0 ? "validation" : "train",
  };
  writeFileAtomic(path, `${JSON.stringify(stored, null, 2)}\n`);
  return { calibration: stored, path, measured: true };
}

/**
 * The frontier of one curve: (recall kept, mean share) per strength; with `capKept`, kept values
 * above 1 (steering that happens to raise Recall, mostly within its noise) count as 1.
 */
export function frontierOf(report: OperatorReport, op: OperatorName, capKept = false): FrontierPoint[] {
  const c = report.curves.find((x) => x.operator === op);
  if (!c) return [];
  return c.points.map((p) => ({
    kept: capKept ? Math.min(1, p.recallKept) : p.recallKept,
    share: p.share.mean,
  }));
}

/** How one SAE operator fares against the targets of issue 18. */
export interface OperatorTargets {
  readonly operator: OperatorName;
  /** It dominates k2k along the whole frontier; worst share margin and the k2k strength it is at. */
  readonly dominatesK2k: boolean;
  readonly worstMargin: number;
  readonly worstStrength: number;
  /** The same with Recall kept capped at 1 on both curves (a k2k point above 1 is then no longer out of reach). */
  readonly dominatesK2kCapped: boolean;
  readonly worstMarginCapped: number;
  /** Its best share at Recall kept >= 0.9 over rerank's (target >= 0.8). */
  readonly ratioToRerankAt90: number;
}

/** The targets read off a report. */
export interface OperatorVerdict {
  /** Each operator's best share at Recall kept >= 0.9 (bestShareAtKept). */
  readonly bestShareAt90: Record<string, number>;
  /** The SAE operators other than k2k (shift, knob) against k2k and rerank, when those were run. */
  readonly targets: OperatorTargets[];
  readonly defaultOperator: OperatorName;
}

/** Reads the verdict: dominance over k2k and the share at 90% Recall kept against rerank's. */
export function operatorVerdict(report: OperatorReport): OperatorVerdict {
  const ops = report.curves.map((c) => c.operator);
  const best: Record<string, number> = {};
  for (const op of ops) best[op] = bestShareAtKept(frontierOf(report, op), 0.9);
  const targets: OperatorTargets[] = [];
  if (ops.includes("k2k"))
    for (const op of ops.filter((o) => o === "shift" || o === "knob")) {
      const d = dominates(frontierOf(report, op), frontierOf(report, "k2k"));
      const c = dominates(frontierOf(report, op, true), frontierOf(report, "k2k", true));
      targets.push({
        operator: op,
        dominatesK2k: d.dominates,
        worstMargin: d.worstMargin,
        worstStrength: report.strengths[d.worstAt],
        dominatesK2kCapped: c.dominates,
        worstMarginCapped: c.worstMargin,
        ratioToRerankAt90: ops.includes("rerank") && best.rerank > 0 ? best[op] / best.rerank : NaN,
      });
    }
  return { bestShareAt90: best, targets, defaultOperator: DEFAULT_OPERATOR };
}

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : "-");

/** The operator comparison as markdown: one row per operator and strength, then the verdict. */
export function operatorsMarkdown(
  report: OperatorReport,
  family: string,
  verdict: OperatorVerdict,
  metric = "Recall_trunc",
): string {
  const k = report.k;
  const lines = [
    `# Steering operators side by side (${family} segments, top-${k}, ${report.users} users)`,
    ``,
    `| operator | strength | param | ${metric}@${k} | kept | segment share | ± se | q1 | median | q3 |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const c of report.curves)
    for (const p of c.points)
      lines.push(
        `| ${c.operator} | ${p.strength} | ${+p.param.toPrecision(4)} | ${f3(p.recall.mean)} | ${f3(p.recallKept)} | ${f3(p.share.mean)} | ${f3(p.share.stderr)} | ${f3(p.shareQuartiles.q1)} | ${f3(p.shareQuartiles.median)} | ${f3(p.shareQuartiles.q3)} |`,
      );
  lines.push(
    ``,
    `Best segment share with ${metric}@${k} kept >= 0.9: ${Object.entries(verdict.bestShareAt90)
      .map(([o, v]) => `${o} ${f3(v)}`)
      .join(", ")}`,
  );
  for (const t of verdict.targets)
    lines.push(
      `${t.operator}${t.operator === verdict.defaultOperator ? " (default)" : ""}: dominates k2k along the frontier: ${t.dominatesK2k ? "yes" : "no"} (worst share margin ${f3(t.worstMargin)} at k2k strength ${t.worstStrength}; with kept capped at 1: ${t.dominatesK2kCapped ? "yes" : "no"}, ${f3(t.worstMarginCapped)}); share at 0.9 kept / rerank's: ${f3(t.ratioToRerankAt90)} (target >= 0.8)`,
    );
  return `${lines.join("\n")}\n`;
}

/** What {@link operatorsRun} produced. */
export interface OperatorsRunResult {
  readonly report: OperatorReport;
  readonly verdict: OperatorVerdict;
  readonly calibration: StoredCalibration;
  readonly files: {
    readonly json: string;
    readonly markdown: string;
    readonly svg: string;
    readonly calibration: string;
  };
}

/**
 * The operator comparison of `reclens steer-eval` on the run's evaluation users: calibration (read or
 * measured, {@link ensureCalibration}), then k2k, shift, knob, rerank and inject over the strengths with
 * the family's representative tag -> neuron mapping; writes operators.json/.md/.svg into `out`.
 */
export function operatorsRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  z: Matrix,
  family: ItemConcepts,
  tagToNeuron: Int32Array,
  opts: {
    readonly out: string;
    readonly k: number;
    readonly minSupport: number;
    readonly metric: string;
    readonly operators?: readonly OperatorName[];
    readonly strengths?: readonly number[];
  },
): OperatorsRunResult {
  const { calibration, path } = ensureCalibration(ctx, loaded, z, opts.minSupport, opts.k);
  const part = ctx.split.test.foldIn.rows > 0 ? ctx.split.test : ctx.split.validation;
  const popularity = new Float64Array(ctx.dataset.items.length);
  for (const i of ctx.split.train.indices) popularity[i]++;
  const report = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
    k: opts.k,
    calibration,
    popularity,
    itemActivations: z,
    ...(opts.operators ? { operators: opts.operators } : {}),
    ...(opts.strengths ? { strengths: opts.strengths } : {}),
  });
  const verdict = operatorVerdict(report);
  const files = {
    json: join(opts.out, "operators.json"),
    markdown: join(opts.out, "operators.md"),
    svg: join(opts.out, "operators.svg"),
    calibration: path,
  };
  writeFileAtomic(
    files.json,
    `${JSON.stringify({ family: family.kind, metric: opts.metric, sae: loaded.dir, verdict, calibration: { file: path, table: calibration.table }, report }, null, 2)}\n`,
  );
  writeFileAtomic(files.markdown, operatorsMarkdown(report, family.kind, verdict, opts.metric));
  writeFileAtomic(files.svg, frontierSvg(report, opts.metric));
  return { report, verdict, calibration, files };
}
