/**
 * The data behind a run's evaluation charts, read from what `reclens steer-eval` and `reclens
 * label` wrote: the operator frontier (`<run>/steer/operators.json`) and the purity distribution
 * (`<concepts>/purity.json`). Used by the HTTP API (GET /api/plots/*, the panel's Evaluation view)
 * and by `reclens plots` (re-draws the SVG files from the stored JSON).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { BadInput } from "../errors.js";
import { histogramBins } from "../plot/charts.js";
import { histogramFigure } from "../plot/bars-plot.js";
import { nodeDocument, standaloneSvg } from "../plot/render.js";
import { frontierSvg } from "../plot/tradeoff.js";
import { runLayout } from "../store/manifest.js";
import { writeFileAtomic } from "../store/atomic.js";
import { conceptsDirOf } from "./sae-ref.js";
import { reportFromStored } from "../plot/frontier-plot.js";
import type { OperatorReport } from "../steer/operators-eval.js";

const MeanStderr = z.object({ mean: z.number().nullable(), stderr: z.number().nullable() }).passthrough();

/** The parts of operators.json the charts read (NaN is stored as null by JSON). */
const OperatorsFile = z
  .object({
    family: z.string(),
    metric: z.string().default("Recall_trunc"),
    report: z
      .object({
        k: z.number().int().positive(),
        strengths: z.array(z.number()),
        heldOutUsers: z.number(),
        users: z.number(),
        skippedNoSegment: z.number(),
        skippedUnmapped: z.number(),
        curves: z.array(
          z
            .object({
              operator: z.string(),
              title: z.string(),
              points: z.array(
                z
                  .object({
                    strength: z.number(),
                    param: z.number().nullable(),
                    recall: MeanStderr,
                    recallKept: z.number().nullable(),
                    share: MeanStderr,
                  })
                  .passthrough(),
              ),
            })
            .passthrough(),
        ),
      })
      .passthrough(),
  })
  .passthrough();

/** The operator frontier of a run, or why there is none. */
export type SteerEvalPlotData =
  | {
      readonly available: true;
      readonly file: string;
      readonly family: string;
      readonly metric: string;
      /** recallKept / stderr are null where the stored value was not finite. */
      readonly report: z.infer<typeof OperatorsFile>["report"];
    }
  | { readonly available: false; readonly reason: string };

/** Where steer-eval writes its operator comparison in a run. */
export function operatorsJsonPath(runDir: string): string {
  return join(runDir, "steer", "operators.json");
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new BadInput(
      `${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      "file",
    );
  }
}

function parsed<T>(schema: z.ZodType<T>, file: string): T {
  const r = schema.safeParse(readJson(file));
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BadInput(`${file}: field "${issue.path.join(".")}" ${issue.message}`, issue.path.join("."));
  }
  return r.data;
}

/**
 * The run's steer-eval operator comparison (`<run>/steer/operators.json`); `available: false` with
 * the reason when the file is absent. Throws BadInput naming the file and field when it is malformed.
 */
export function readSteerEvalPlot(runDir: string): SteerEvalPlotData {
  const file = operatorsJsonPath(runDir);
  if (!existsSync(file))
    return {
      available: false,
      reason: `no steer-eval operator comparison in this run (${file}); run \`reclens steer-eval ${runDir}\``,
    };
  const doc = parsed(OperatorsFile, file);
  return { available: true, file, family: doc.family, metric: doc.metric, report: doc.report };
}

/** The stored report with nulls back to NaN, as the chart functions take it. */
export function operatorReportOf(data: Extract<SteerEvalPlotData, { available: true }>): OperatorReport {
  return reportFromStored(data.report);
}

const PurityFile = z
  .object({
    ks: z.array(z.number().int().positive()).min(1),
    liveNeurons: z.number(),
    withConcept: z.number(),
    meanPurity: z.record(z.string(), z.number()),
    shareAbove90: z.record(z.string(), z.number()),
    counted: z.record(z.string(), z.number()),
    neurons: z.array(
      z
        .object({
          neuron: z.number(),
          label: z.string(),
          kind: z.string().optional(),
          purity: z.record(z.string(), z.number()),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/** The purity distribution of a run's labels, or why there is none. */
export type PurityPlotData =
  | {
      readonly available: true;
      readonly file: string;
      /** The K charted (the first of the file's ks). */
      readonly k: number;
      readonly ks: readonly number[];
      readonly liveNeurons: number;
      readonly withConcept: number;
      /** Neurons with a concept (not popularity) whose purity@k is defined. */
      readonly counted: number;
      readonly meanPurity: number;
      readonly shareAbove90: number;
      /** 20 equal bins over [0, 1] of purity@k over those neurons. */
      readonly edges: number[];
      readonly counts: number[];
    }
  | { readonly available: false; readonly reason: string };

/**
 * Purity@K (K = the first stored K, or `k` when given and stored) of the labelled neurons with a
 * concept other than popularity, binned into 20 equal bins over [0, 1], from `<concepts>/purity.json`.
 */
export function readPurityPlot(conceptsDir: string, k?: number): PurityPlotData {
  const file = join(conceptsDir, "purity.json");
  if (!existsSync(file))
    return { available: false, reason: `no purity report for these labels (${file}); run \`reclens label\`` };
  const doc = parsed(PurityFile, file);
  const kk = k ?? doc.ks[0];
  if (!doc.ks.includes(kk))
    throw new BadInput(`${file}: purity@${kk} not stored (ks: ${doc.ks.join(", ")})`, "k");
  const key = String(kk);
  const values = doc.neurons
    .filter((n) => n.kind !== undefined && n.kind !== "popularity" && n.purity[key] !== undefined)
    .map((n) => n.purity[key]);
  const { edges, counts } = histogramBins(values, 20, [0, 1]);
  return {
    available: true,
    file,
    k: kk,
    ks: doc.ks,
    liveNeurons: doc.liveNeurons,
    withConcept: doc.withConcept,
    counted: values.length,
    meanPurity: doc.meanPurity[key] ?? 0,
    shareAbove90: doc.shareAbove90[key] ?? 0,
    edges: Array.from(edges),
    counts: Array.from(counts),
  };
}

/** The purity histogram of {@link readPurityPlot}'s data as a standalone SVG document (640 x 400). */
export function puritySvg(d: Extract<PurityPlotData, { available: true }>): string {
  return standaloneSvg(
    histogramFigure(d.edges, d.counts, {
      title: `purity@${d.k} of the ${d.counted} labelled neurons with a concept (mean ${Number(d.meanPurity.toFixed(3))})`,
      xLabel: `purity@${d.k}`,
      yLabel: "neurons",
      width: 640,
      height: 400,
      document: nodeDocument(),
    }),
  );
}

/** What {@link redrawRunPlots} wrote, and what it could not draw and why. */
export interface RedrawResult {
  readonly written: Record<string, string>;
  readonly missing: Record<string, string>;
}

/**
 * `reclens plots`: re-draws a run's evaluation charts from its stored JSON, without re-running
 * anything: `operators.svg` (steer-eval frontier, from `<run>/steer/operators.json`) and
 * `purity-at-<K>.svg` (from `<concepts>/purity.json`, the concepts of `saeDir`, default the run's
 * SAE), written atomically into `out` (default: beside their JSON).
 */
export function redrawRunPlots(
  runDir: string,
  opts: { readonly saeDir?: string; readonly out?: string; readonly k?: number } = {},
): RedrawResult {
  const written: Record<string, string> = {};
  const missing: Record<string, string> = {};
  const steer = readSteerEvalPlot(runDir);
  if (steer.available) {
    const file = join(opts.out ?? join(runDir, "steer"), "operators.svg");
    writeFileAtomic(file, frontierSvg(operatorReportOf(steer), steer.metric));
    written.operators = file;
  } else missing.operators = steer.reason;
  const concepts = conceptsDirOf(runLayout(runDir), opts.saeDir);
  const purity = readPurityPlot(concepts, opts.k);
  if (purity.available) {
    const file = join(opts.out ?? concepts, `purity-at-${purity.k}.svg`);
    writeFileAtomic(file, puritySvg(purity));
    written.purity = file;
  } else missing.purity = purity.reason;
  return { written, missing };
}
