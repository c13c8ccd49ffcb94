import { join } from "node:path";
import type { LabelsDoc } from "../concepts/labels.js";
import type { ItemConcepts } from "../data/types.js";
import { frontierSvg } from "../plot/tradeoff.js";
import { calibrateStrength, type CalibrationPair, type StrengthCalibration } from "../steer/calibration.js";
import {
  DEFAULT_PERSONAL,
  evaluateOperators,
  type OperatorReport,
  type PersonalOptions,
} from "../steer/operators-eval.js";
import { bestShareAtKept, dominates, type FrontierPoint } from "../steer/operators-frontier.js";
import { DEFAULT_OPERATOR, type OperatorName } from "../steer/operators.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { Matrix } from "../tensor/matrix.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import { ensureCalibration, ensureStrengthScales, type StoredCalibration } from "./strength-scale.js";
import { knobPool, mixDirections, personalDirection, type CodeDirection } from "../steer/personal.js";

export { CALIBRATION_FILE, ensureCalibration, type StoredCalibration } from "./strength-scale.js";

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
    for (const op of ops.filter((o) => o !== "k2k" && o !== "rerank" && o !== "inject")) {
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
 * the family's representative tag -> neuron mapping, and, when `labels` has the family's concept
 * directions, "direction" (shift along them, the direction calibration of strength-scale.ts) and
 * "personal" (measured with its own in-memory calibration over the same directions); writes
 * operators.json/.md/.svg into `out`.
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
    /** Labels with concept directions (format 2): enables "direction" and "personal". */
    readonly labels?: LabelsDoc;
  },
): OperatorsRunResult {
  const { calibration, path } = ensureCalibration(ctx, loaded, z, opts.minSupport, opts.k);
  const dirs = new Map<number, CodeDirection>();
  for (const c of opts.labels?.concepts ?? [])
    if (c.kind === family.kind && c.direction.length > 0) dirs.set(c.index, c.direction);
  const withDirections = dirs.size > 0 && opts.labels !== undefined;
  const wanted = (op: OperatorName): boolean =>
    withDirections && (opts.operators === undefined || opts.operators.includes(op));
  const calibrations: Partial<Record<OperatorName, StrengthCalibration>> = {};
  if (wanted("direction") && opts.labels && opts.k === 20) {
    const scales = ensureStrengthScales(ctx, loaded, opts.labels, () => z);
    if (scales.direction) calibrations.direction = scales.direction;
  }
  if (wanted("personal") && opts.labels)
    calibrations.personal = personalCalibration(ctx, loaded, z, opts.labels, opts.k);
  const operators =
    opts.operators ??
    (["k2k", "shift", "knob", "rerank", "inject", "direction", "personal"] as const).filter(
      (o) => (o !== "direction" && o !== "personal") || wanted(o),
    );
  const part = ctx.split.test.foldIn.rows > 0 ? ctx.split.test : ctx.split.validation;
  const popularity = new Float64Array(ctx.dataset.items.length);
  for (const i of ctx.split.train.indices) popularity[i]++;
  const report = evaluateOperators(ctx.model, loaded.sae, part, family.matrix, tagToNeuron, {
    k: opts.k,
    calibration,
    popularity,
    itemActivations: z,
    operators,
    calibrations,
    tagToDirection: (t) => dirs.get(t) ?? null,
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

/**
 * The personal operator's calibration (DEFAULT_PERSONAL), measured in memory on the validation users
 * over the labels' concept directions (pairs cycle through them), metadata-free like the others.
 */
export function personalCalibration(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  z: Matrix,
  labels: LabelsDoc,
  k: number,
): StrengthCalibration {
  const o = DEFAULT_PERSONAL;
  const knobs = (labels.concepts ?? [])
    .map((c): CodeDirection =>
      c.direction.length > 0 ? c.direction : [{ neuron: c.representative, weight: 1 }],
    )
    .filter((d) => d.length > 0 && d[0].neuron >= 0);
  if (knobs.length === 0) throw new Error(`${loaded.dir}: the labels have no concept knobs to calibrate on`);
  const val = ctx.split.validation;
  const part = val.foldIn.rows > 0 ? val : { foldIn: ctx.split.train, target: ctx.split.train };
  return calibrateStrength(
    ctx.model,
    loaded.sae,
    part,
    Int32Array.from(knobs, (_, q) => q),
    { k, target: personalTarget(z, (q) => knobs[q], o) },
  );
}

/**
 * The personal operator's direction for one calibration pair: knob `knobOf(pair.neuron)` mixed with
 * the user's personal direction over the knob's pool (the knob alone when there is none).
 */
export function personalTarget(
  z: Matrix,
  knobOf: (q: number) => CodeDirection,
  o: PersonalOptions,
): (p: CalibrationPair) => CodeDirection {
  return (p) => {
    const knob = knobOf(p.neuron);
    const own = personalDirection(
      z,
      knobPool(z, knob, o.pool),
      p.scores.data.subarray(p.row * p.scores.cols, (p.row + 1) * p.scores.cols),
      p.seen,
      p.row,
      o.m,
      o.within ? knob : undefined,
    );
    return own ? mixDirections(knob, own, o.mix ?? 1) : knob;
  };
}
