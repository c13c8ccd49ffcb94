import { join } from "node:path";
import { debiasSvg, keptTradeoffSvg } from "../plot/kept.js";
import { tradeoffSvg } from "../plot/tradeoff.js";
import {
  evaluateDebias,
  popularityLatents,
  type DebiasPoint,
  type PopularityLatent,
} from "../steer/debias.js";
import { DEFAULT_MIN_SUPPORT, eligibleNeurons, neuronActivity } from "../concepts/activations.js";
import { analyseFamily } from "../concepts/labeller.js";
import type { ItemConcepts } from "../data/types.js";
import {
  evaluateTradeoff,
  tradeoffTable,
  type NeuronMapping,
  type TradeoffReport,
  type TradeoffRow,
} from "../steer/tradeoff.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { Matrix } from "../tensor/matrix.js";
import type { ModelRunContext } from "./run-context.js";
import type { LoadedSae } from "./sae-ref.js";
import type { LabelsDoc } from "../concepts/labels.js";
import { Conflict } from "../errors.js";
import { readRunLabels } from "./run-labels.js";
import { operatorsRun, type OperatorsRunResult } from "./steer-operators-run.js";
import type { OperatorName } from "../steer/operators.js";

/** Options of {@link steerEvalRun}. */
export interface SteerEvalOptions {
  /** Boost strengths in [0, 1] (default 0, 0.05, 0.1, 0.2, 0.3, 0.5). */
  readonly alphas?: readonly number[];
  /** List length (default 10 for leave-one-out runs, whose metric is HR@10; else 20). */
  readonly k?: number;
  /** Concept family whose tags are the target segments (default "genre" when present, else the first). */
  readonly family?: string;
  /** Output directory (default `<run>/steer`). */
  readonly out?: string;
  /** Mapped neurons must fire on at least this many items (default DEFAULT_MIN_SUPPORT = 20). */
  readonly minSupport?: number;
  /** Popularity latents suppressed by the debiasing curve (default 3; 0 skips it). */
  readonly popularityLatents?: number;
  /** Suppression factors of the debiasing curve (default 1, 0.75, 0.5, 0.25, 0). */
  readonly debiasFactors?: readonly number[];
  /** Operators compared side by side (default all: k2k, shift, knob, rerank, inject); [] skips the comparison. */
  readonly operators?: readonly OperatorName[];
  /** Strengths of the operator comparison (default 0, 0.1, ..., 1). */
  readonly strengths?: readonly number[];
}

/** The debiasing example: the popularity latents and the diversity/accuracy points. */
export interface DebiasResult {
  readonly latents: PopularityLatent[];
  readonly points: DebiasPoint[];
}

/** What {@link steerEvalRun} produced. */
export interface SteerEvalResult {
  readonly family: string;
  readonly minSupport: number;
  readonly mappings: NeuronMapping[];
  readonly report: TradeoffReport;
  readonly rows: TradeoffRow[];
  /** "HR" (leave-one-out: one target item) or "Recall_trunc". */
  readonly metric: string;
  readonly debias?: DebiasResult;
  /** The operator comparison (absent when `operators` is []). */
  readonly operators?: OperatorsRunResult;
  readonly files: Record<string, string> & {
    readonly json: string;
    readonly markdown: string;
    readonly svg: string;
  };
}

/** The family to steer by: `name`, else "genre", else the first one; throws listing the families. */
export function pickFamily(families: readonly ItemConcepts[], name?: string): ItemConcepts {
  if (families.length === 0)
    throw new Error("the dataset has no item concepts (genres, tags) to steer towards");
  const f =
    name !== undefined
      ? families.find((c) => c.kind === name)
      : (families.find((c) => c.kind === "genre") ?? families[0]);
  if (!f) throw new Error(`no concept family "${name}" (have: ${families.map((c) => c.kind).join(", ")})`);
  return f;
}

/**
 * The "unique" and "representative" tag -> neuron mappings of a family from the TF-IDF matches of Z
 * (Knots to Knobs 3.2): argmax over neurons of the tag-as-document and neuron-as-document scores,
 * among the neurons that fire on at least `minSupport` items (a tag with no such neuron maps to -1
 * and is not steered). Without the floor the representative pick favours neurons firing on 2-3 items
 * of the tag (tf close to 1), which cannot move a top-20 list (see DEFAULT_MIN_SUPPORT).
 */
export function tfidfMappings(
  z: Matrix,
  family: ItemConcepts,
  minSupport = DEFAULT_MIN_SUPPORT,
): NeuronMapping[] {
  const eligible = eligibleNeurons(neuronActivity(z).support, minSupport);
  const m = analyseFamily(z, family, "joint", eligible).matches;
  return [
    { name: "unique", tagToNeuron: m.uniqueNeuronOfTag },
    { name: "representative", tagToNeuron: m.representativeNeuronOfTag },
  ];
}

function f4(v: number): string {
  return v.toFixed(4);
}

/**
 * The trade-off table as markdown; "kept" is the metric at alpha over the metric at the mapping's
 * first alpha (alpha 0 by default), "-" when that is 0.
 */
export function tradeoffMarkdown(
  rows: readonly TradeoffRow[],
  k: number,
  family: string,
  metric = "Recall_trunc",
): string {
  const base = new Map<string, number>();
  for (const r of rows) if (!base.has(r.mapping)) base.set(r.mapping, r.recall);
  const kept = (r: TradeoffRow): string => {
    const b = base.get(r.mapping) ?? 0;
    return b > 0 ? f4(r.recall / b) : "-";
  };
  const lines = [
    `# Steering trade-off (${family} segments, top-${k})`,
    ``,
    `| mapping | alpha | users | ${metric}@${k} | ± se | ${metric}@${k} kept | segment share | ± se |`,
    `|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.mapping} | ${r.alpha} | ${r.users} | ${f4(r.recall)} | ${f4(r.recallStderr)} | ${kept(r)} | ${f4(r.segmentShare)} | ${f4(r.segmentShareStderr)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** The debiasing table as markdown. */
export function debiasMarkdown(d: DebiasResult, k: number, metric = "HR"): string {
  const lines = [
    `# Debiasing: suppressing the popularity latents (top-${k})`,
    ``,
    `Latents (correlation of item activation with log(1 + popularity)): ${
      d.latents.map((l) => `${l.neuron} (${l.correlation.toFixed(3)})`).join(", ") || "none"
    }`,
    ``,
    `| factor | ${metric}@${k} | kept | coverage@${k} | Gini@${k} | long-tail share |`,
    `|---|---|---|---|---|---|`,
    ...d.points.map(
      (p) =>
        `| ${p.factor} | ${f4(p.hit)} | ${Number.isFinite(p.kept) ? f4(p.kept) : "-"} | ${f4(p.coverage)} | ${f4(p.gini)} | ${f4(p.longTailShare)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** The run's labels as `{ labels }` when they exist for this SAE, else {} (steer-eval runs without them). */
function labelsIfOwn(ctx: ModelRunContext, loaded: LoadedSae): { labels?: LabelsDoc } {
  try {
    return { labels: readRunLabels(ctx, loaded) };
  } catch (err) {
    if (err instanceof Conflict) return {};
    throw err;
  }
}

/**
 * `reclens steer-eval`: for the run's test users, boosts the neuron mapped to each user's target
 * segment (the family's tag most over-represented in their held-out items) at each alpha under the
 * unique and representative mappings, and writes tradeoff.json, tradeoff.md and tradeoff.svg
 * (Recall_trunc@k, or HR@10 on leave-one-out runs such as SASRec's, and segment share against
 * alpha) and tradeoff-kept.svg (segment share against the metric kept) into `<run>/steer/`. Then the
 * debiasing example: the popularity latents (item activations most correlated with training
 * popularity) are suppressed by each factor, and debias.json/.md/.svg report coverage, Gini and the
 * long-tail share of the top-k against the metric kept. Between the two, the operators side by
 * side on the same users (steer-operators-run.ts): Knots to Knobs' blend, the calibrated
 * shift, the knob re-rank (default), metadata re-ranking and history injection, written to operators.json/.md/.svg.
 */
export function steerEvalRun(
  ctx: ModelRunContext,
  loaded: LoadedSae,
  z: Matrix,
  opts: SteerEvalOptions = {},
): SteerEvalResult {
  const family = pickFamily(ctx.dataset.concepts, opts.family);
  const minSupport = opts.minSupport ?? DEFAULT_MIN_SUPPORT;
  const mappings = tfidfMappings(z, family, minSupport);
  const support = neuronActivity(z).support;
  const loo = ctx.splitSettings.kind === "leaveOneOut";
  const metric = loo ? "HR" : "Recall_trunc";
  const k = opts.k ?? (loo ? 10 : 20);
  const part = ctx.split.test.foldIn.rows > 0 ? ctx.split.test : ctx.split.validation;
  if (part.foldIn.rows === 0)
    throw new Error(`${ctx.dir}: the run has no held-out users to evaluate steering on`);
  const report = evaluateTradeoff(ctx.model, loaded.sae, part, family.matrix, mappings, {
    k,
    ...(opts.alphas ? { alphas: opts.alphas } : {}),
  });
  const rows = tradeoffTable(report);
  const out = opts.out ?? join(ctx.dir, "steer");
  const files: SteerEvalResult["files"] = {
    json: join(out, "tradeoff.json"),
    markdown: join(out, "tradeoff.md"),
    svg: join(out, "tradeoff.svg"),
    keptSvg: join(out, "tradeoff-kept.svg"),
  };
  const mapped = mappings.map((m) => ({
    name: m.name,
    tags: Object.fromEntries(Array.from(m.tagToNeuron, (j, t) => [family.names[t], j])),
    support: Object.fromEntries(
      Array.from(m.tagToNeuron, (j, t) => [family.names[t], j >= 0 ? support[j] : 0]),
    ),
  }));
  writeFileAtomic(
    files.json,
    `${JSON.stringify({ family: family.kind, k, minSupport, sae: loaded.dir, mappings: mapped, report, rows }, null, 2)}\n`,
  );
  writeFileAtomic(files.markdown, tradeoffMarkdown(rows, k, family.kind, metric));
  writeFileAtomic(files.svg, tradeoffSvg(report));
  writeFileAtomic(files.keptSvg, keptTradeoffSvg(report, metric));
  let operators: OperatorsRunResult | undefined;
  if (!opts.operators || opts.operators.length > 0) {
    operators = operatorsRun(ctx, loaded, z, family, mappings[1].tagToNeuron, {
      out,
      k,
      minSupport,
      metric,
      ...(opts.operators ? { operators: opts.operators } : {}),
      ...(opts.strengths ? { strengths: opts.strengths } : {}),
      // the concept directions of the labels ("direction" and "personal"), when they are this SAE's
      ...labelsIfOwn(ctx, loaded),
    });
    Object.assign(files, {
      operatorsJson: operators.files.json,
      operatorsMarkdown: operators.files.markdown,
      operatorsSvg: operators.files.svg,
      calibration: operators.files.calibration,
    });
  }
  let debias: DebiasResult | undefined;
  const count = opts.popularityLatents ?? 3;
  if (count > 0) {
    const popularity = new Float64Array(ctx.dataset.items.length);
    for (const i of ctx.split.train.indices) popularity[i]++;
    const latents = popularityLatents(z, popularity, count, minSupport).filter((l) => l.correlation > 0);
    const points = evaluateDebias(
      ctx.model,
      loaded.sae,
      part,
      latents.map((l) => l.neuron),
      popularity,
      { k, ...(opts.debiasFactors ? { factors: opts.debiasFactors } : {}) },
    );
    debias = { latents, points };
    Object.assign(files, {
      debiasJson: join(out, "debias.json"),
      debiasMarkdown: join(out, "debias.md"),
      debiasSvg: join(out, "debias.svg"),
    });
    writeFileAtomic(files.debiasJson, `${JSON.stringify({ k, metric, ...debias }, null, 2)}\n`);
    writeFileAtomic(files.debiasMarkdown, debiasMarkdown(debias, k, metric));
    writeFileAtomic(files.debiasSvg, debiasSvg(points, k, metric));
  }
  return {
    family: family.kind,
    minSupport,
    mappings,
    report,
    rows,
    metric,
    ...(debias ? { debias } : {}),
    ...(operators ? { operators } : {}),
    files,
  };
}
