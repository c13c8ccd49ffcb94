import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { neuronActivity, topActivatingItems } from "../concepts/activations.js";
import { cooccurrenceVectors, metadataVectors, monosemanticity } from "../concepts/monosemanticity.js";
import { lineChartGroup, svgDocument } from "../plot/line.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { Csr } from "../tensor/csr.js";
import { itemActivations } from "./item-activations.js";
import {
  fitJointSae,
  jointFidelity,
  jointSaeData,
  resolveJointSettings,
  type JointSaeData,
  type JointSaeSettingsInput,
} from "./joint-sae.js";
import type { ModelRunContext } from "./run-context.js";

/** One beta of the sweep (Arviv et al., Figure 4). */
export interface BetaPoint {
  readonly beta: number;
  /** Mean over all training users of top-30 RBO / Kendall tau, reconstructed vs original lists. */
  readonly rbo: number;
  readonly kendall: number;
  /** The paper code's truncated RBO (joint-sae.ts `truncatedRbo`; at most 1 - 0.9^30 = 0.958). */
  readonly rboTruncated: number;
  /** Mean MonoSemanticity score (Pach et al.) over neurons, top-`msTopN` items by activation. */
  readonly monosemanticity: number;
  readonly l0: number;
  readonly deadFraction: number;
  readonly seconds: number;
}

/** The sweep's result and where the chart went. */
export interface BetaSweepResult {
  readonly points: BetaPoint[];
  readonly chart: string;
  readonly json: string;
  readonly similarity: "metadata" | "co-occurrence";
}

/** Item vectors for the monosemanticity score: the dataset's metadata, else co-occurrence. */
export function similarityVectors(ctx: ModelRunContext): {
  vectors: Csr;
  kind: "metadata" | "co-occurrence";
} {
  const fams = ctx.dataset.concepts.filter((c) => c.kind !== "popularity");
  return fams.length
    ? { vectors: metadataVectors(fams), kind: "metadata" }
    : { vectors: cooccurrenceVectors(ctx.split.train), kind: "co-occurrence" };
}

/** Figure-4-shaped chart: RBO, Kendall tau and monosemanticity against beta, side by side. */
export function betaSweepSvg(points: readonly BetaPoint[], title: string): string {
  const w = 360;
  const h = 300;
  const panels: [string, (p: BetaPoint) => number][] = [
    ["RBO@30", (p) => p.rbo],
    ["Kendall tau@30", (p) => p.kendall],
    ["monosemanticity", (p) => p.monosemanticity],
  ];
  const body = panels
    .map(([name, f], k) =>
      lineChartGroup(
        {
          title: `${name} (${title})`,
          xLabel: "log10(1 + beta)",
          yLabel: name,
          series: [{ name, points: points.map((p) => [Math.log10(1 + p.beta), f(p)] as const) }],
        },
        { x: k * w, y: 0, width: w, height: h },
      ),
    )
    .join("\n");
  return svgDocument(3 * w, h, body);
}

/**
 * `reclens sae beta-sweep`: one joint SAE per beta (same settings and seed otherwise) on the run,
 * each measured for top-30 fidelity on every training user, monosemanticity (top-`msTopN` items),
 * L0 and dead share; writes beta-sweep.json and beta-sweep.svg (Figure 4 shape) into `out`.
 */
export async function betaSweep(
  ctx: ModelRunContext,
  betas: readonly number[],
  input: JointSaeSettingsInput,
  out: string,
  opts: { msTopN?: number; onPoint?: (p: BetaPoint) => void; data?: JointSaeData } = {},
): Promise<BetaSweepResult> {
  if (betas.length === 0 || betas.some((b) => !(b >= 0) || !Number.isFinite(b)))
    throw new RangeError(`beta sweep: betas must be finite numbers >= 0, got ${betas.join(",")}`);
  const msTopN = opts.msTopN ?? 30;
  const data = opts.data ?? jointSaeData(ctx.model, ctx.split.train);
  const sim = similarityVectors(ctx);
  const points: BetaPoint[] = [];
  for (const beta of betas) {
    const settings = resolveJointSettings({ ...input, beta });
    const fitted = await fitJointSae(data, settings);
    const f = jointFidelity(fitted.sae, data);
    const z = itemActivations(ctx.model, fitted.sae);
    const ms = monosemanticity(topActivatingItems(z, msTopN), neuronActivity(z), sim.vectors, msTopN);
    let mean = 0;
    for (const s of ms.score) mean += s;
    const p: BetaPoint = {
      beta,
      rbo: f.rbo,
      kendall: f.kendall,
      rboTruncated: f.rboTruncated,
      monosemanticity: ms.score.length ? mean / ms.score.length : 0,
      l0: f.l0,
      deadFraction: f.deadFraction,
      seconds: fitted.seconds,
    };
    points.push(p);
    opts.onPoint?.(p);
  }
  mkdirSync(out, { recursive: true });
  const chart = join(out, "beta-sweep.svg");
  const json = join(out, "beta-sweep.json");
  writeFileAtomic(chart, betaSweepSvg(points, `${ctx.model.name} on ${ctx.dataset.name}`));
  writeFileAtomic(
    json,
    `${JSON.stringify({ run: ctx.dir, settings: { ...resolveJointSettings(input), beta: undefined }, betas, similarity: sim.kind, points }, null, 2)}\n`,
  );
  return { points, chart, json, similarity: sim.kind };
}
