import { join } from "node:path";
import { tradeoffSvg } from "../plot/tradeoff.js";
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

/** Options of {@link steerEvalRun}. */
export interface SteerEvalOptions {
  /** Boost strengths in [0, 1] (default 0, 0.05, 0.1, 0.2, 0.3, 0.5). */
  readonly alphas?: readonly number[];
  /** List length (default 20). */
  readonly k?: number;
  /** Concept family whose tags are the target segments (default "genre" when present, else the first). */
  readonly family?: string;
  /** Output directory (default `<run>/steer`). */
  readonly out?: string;
  /** Mapped neurons must fire on at least this many items (default DEFAULT_MIN_SUPPORT = 20). */
  readonly minSupport?: number;
}

/** What {@link steerEvalRun} produced. */
export interface SteerEvalResult {
  readonly family: string;
  readonly minSupport: number;
  readonly mappings: NeuronMapping[];
  readonly report: TradeoffReport;
  readonly rows: TradeoffRow[];
  readonly files: { readonly json: string; readonly markdown: string; readonly svg: string };
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

/** The trade-off table as markdown. */
export function tradeoffMarkdown(rows: readonly TradeoffRow[], k: number, family: string): string {
  const lines = [
    `# Steering trade-off (${family} segments, top-${k})`,
    ``,
    `| mapping | alpha | users | Recall_trunc@${k} | ± se | segment share | ± se |`,
    `|---|---|---|---|---|---|---|`,
    ...rows.map(
      (r) =>
        `| ${r.mapping} | ${r.alpha} | ${r.users} | ${f4(r.recall)} | ${f4(r.recallStderr)} | ${f4(r.segmentShare)} | ${f4(r.segmentShareStderr)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `reclens steer-eval`: for the run's test users, boosts the neuron mapped to each user's target
 * segment (the family's tag most over-represented in their held-out items) at each alpha under the
 * unique and representative mappings, and writes tradeoff.json, tradeoff.md and tradeoff.svg
 * (Recall_trunc@k and segment share against alpha) into `<run>/steer/`.
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
  const k = opts.k ?? 20;
  const part = ctx.split.test.foldIn.rows > 0 ? ctx.split.test : ctx.split.validation;
  if (part.foldIn.rows === 0)
    throw new Error(`${ctx.dir}: the run has no held-out users to evaluate steering on`);
  const report = evaluateTradeoff(ctx.model, loaded.sae, part, family.matrix, mappings, {
    k,
    ...(opts.alphas ? { alphas: opts.alphas } : {}),
  });
  const rows = tradeoffTable(report);
  const out = opts.out ?? join(ctx.dir, "steer");
  const files = {
    json: join(out, "tradeoff.json"),
    markdown: join(out, "tradeoff.md"),
    svg: join(out, "tradeoff.svg"),
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
  writeFileAtomic(files.markdown, tradeoffMarkdown(rows, k, family.kind));
  writeFileAtomic(files.svg, tradeoffSvg(report));
  return { family: family.kind, minSupport, mappings, report, rows, files };
}
