import { join } from "node:path";
import { sweepSvg } from "../plot/sweep.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { ModelRunContext } from "./run-context.js";
import { runSaeData, trainSaeOnRun, type FitSaeOptions } from "./sae-run.js";
import { hitMetricName } from "./sae-metrics.js";
import { nestedProtocolOf } from "./sae-protocol.js";
import { resolveSaeSettings, type SaeSettingsInput } from "./sae-settings.js";
import type { HitMetric } from "../nested/nested-eval.js";

/** The grid of a sweep: every combination is trained (k is ignored by relu, which runs once per expansion/loss). */
export interface SweepGrid {
  readonly archs: readonly string[];
  readonly ks: readonly number[];
  readonly expansions: readonly number[];
  readonly losses: readonly string[];
}

/**
 * RecSAE's SAE grid (Wang et al. 2024, arXiv 2411.06112): TopK with the AuxK dead-latent loss, k in
 * {4, 8, 16, 32}, width 16 x the probing site's.
 */
export const RECSAE_GRID: SweepGrid = {
  archs: ["topk"],
  ks: [4, 8, 16, 32],
  expansions: [16],
  losses: ["l2"],
};

/** One configuration of the grid. */
export interface SweepConfig {
  /** Directory-safe name, e.g. "topk-k16-x4-l2". */
  readonly name: string;
  readonly architecture: string;
  /** null for relu (no k). */
  readonly k: number | null;
  readonly expansion: number;
  readonly loss: string;
}

/** Outcome of one configuration (test users unless the run has none; then validation users). */
export interface SweepPoint extends SweepConfig {
  /** Users the nested metrics are on: "test", or "val" when the run has no test users. */
  readonly users: "test" | "val";
  /** The hit metric of `recallKept`: recall_trunc, or hr on leave-one-out runs (equal there: one target). */
  readonly hitMetric: HitMetric;
  readonly dSae: number;
  readonly l0: number;
  /** Nested / original hit metric at k (Recall_trunc@k, or HR@k on leave-one-out runs); null when the original is 0. */
  readonly recallKept: number | null;
  readonly ndcgKept: number | null;
  readonly rbo: number;
  readonly kendallTau: number;
  readonly fve: number;
  readonly cosine: number;
  readonly deadFraction: number;
  readonly epochs: number;
  readonly seconds: number;
  readonly dir: string;
}

/** The configurations of a grid in a fixed order (arch, expansion, loss, k); relu ignores ks. */
export function sweepConfigs(grid: SweepGrid): SweepConfig[] {
  for (const [name, list] of Object.entries(grid))
    if ((list as readonly unknown[]).length === 0) throw new Error(`sweep: the ${name} list is empty`);
  const out: SweepConfig[] = [];
  for (const architecture of grid.archs)
    for (const expansion of grid.expansions)
      for (const loss of grid.losses)
        for (const k of architecture === "relu" ? [null] : grid.ks) {
          const lossName = loss.replace(/[^A-Za-z0-9.]+/g, "_");
          const name = `${architecture}${k === null ? "" : `-k${k}`}-x${expansion}-${lossName}`;
          out.push({ name, architecture, k, expansion, loss });
        }
  return out;
}

/** Options of {@link runSaeSweep}. */
export interface SweepOptions extends Omit<FitSaeOptions, "scorer" | "onEpoch"> {
  /** Directory receiving one SAE directory per configuration plus sweep.md, sweep.json and sweep.svg. */
  readonly out: string;
  /** Called after each configuration. */
  readonly onPoint?: (p: SweepPoint, index: number, total: number) => void;
  /** Cut-off of the nested hit metric and nDCG (default: the run's protocol, 10 leave-one-out, else 20). */
  readonly k?: number;
  /** x axis of sweep.svg: measured L0 (default) or the configured k. */
  readonly plotX?: "l0" | "k";
}

/** Result of a sweep: the points, the nested metrics' cut-off and the files written. */
export interface SweepResult {
  readonly points: SweepPoint[];
  readonly k: number;
  readonly files: { readonly markdown: string; readonly json: string; readonly svg: string };
}

/**
 * `reclens sae sweep`: trains an SAE for every configuration of the grid on the same representations
 * (encoded once), each into `<out>/<name>/`, and writes a sparsity-vs-quality-kept table
 * (sweep.md, sweep.json) and a plot of the hit metric kept (Recall_trunc@k; HR@k on leave-one-out
 * runs) against L0 (sweep.svg; one line per architecture, expansion and loss), as in Knots to Knobs,
 * Figure 2.
 */
export async function runSaeSweep(
  ctx: ModelRunContext,
  grid: SweepGrid,
  base: SaeSettingsInput,
  opts: SweepOptions,
): Promise<SweepResult> {
  const configs = sweepConfigs(grid);
  for (const c of configs)
    resolveSaeSettings(
      {
        ...base,
        architecture: c.architecture,
        expansion: c.expansion,
        loss: c.loss,
        ...(c.k !== null ? { k: c.k } : {}),
      },
      `sweep ${c.name}`,
    );
  const data = runSaeData(ctx);
  const protocol = nestedProtocolOf(ctx.splitSettings, opts.k);
  const { k, hitMetric } = protocol;
  const points: SweepPoint[] = [];
  for (const [index, c] of configs.entries()) {
    const dir = join(opts.out, c.name);
    const settings = {
      ...base,
      architecture: c.architecture,
      expansion: c.expansion,
      loss: c.loss,
      ...(c.k !== null ? { k: c.k } : {}),
    };
    const r = await trainSaeOnRun(ctx, settings, { ...opts, out: dir, data, updateRunManifest: false, k });
    const m = r.metrics;
    const p = m["test/users"] !== undefined ? "test" : "val";
    const point: SweepPoint = {
      ...c,
      users: p,
      hitMetric,
      dSae: r.fitted.config.dSae,
      l0: m[`${p}/l0`],
      recallKept: m[`${p}/kept/${hitMetric}@${k}`] ?? null,
      ndcgKept: m[`${p}/kept/ndcg@${k}`] ?? null,
      rbo: m[`${p}/rbo`],
      kendallTau: m[`${p}/kendallTau`],
      fve: m[`${p}/fve`],
      cosine: m[`${p}/cosine`],
      deadFraction: m["train/deadFraction"],
      epochs: m["train/epochs"],
      seconds: m["train/seconds"],
      dir,
    };
    points.push(point);
    opts.onPoint?.(point, index, configs.length);
  }
  const files = {
    markdown: join(opts.out, "sweep.md"),
    json: join(opts.out, "sweep.json"),
    svg: join(opts.out, "sweep.svg"),
  };
  writeFileAtomic(files.markdown, sweepMarkdown(points, k));
  writeFileAtomic(
    files.json,
    `${JSON.stringify({ run: ctx.dir, model: ctx.model.name, k, hitMetric, grid, base, points }, null, 2)}\n`,
  );
  writeFileAtomic(files.svg, sweepSvg(points, opts.plotX ?? "l0", k));
  return { points, k, files };
}

const f4 = (v: number | null): string => (v === null ? "-" : v.toFixed(4));

/** "test users" / "validation users" for the points' nested metrics (the same for every point of a sweep). */
function usersOf(points: readonly SweepPoint[]): string {
  return points.some((p) => p.users === "val") ? "validation users" : "test users";
}

/**
 * The sweep as a markdown table, one row per configuration, sorted by architecture, expansion, loss,
 * L0, under a line saying which users the nested metrics are on (dead: share of latents that never
 * fire on the training users).
 */
export function sweepMarkdown(points: readonly SweepPoint[], k = 20): string {
  const hit = hitMetricName(points[0]?.hitMetric ?? "recall_trunc");
  const note = `Nested metrics on ${usersOf(points)}; dead = latents that never fire on the SAE's training rows.\n\n`;
  const head = `| arch | k | expansion | dSae | loss | L0 | ${hit}@${k} kept | nDCG@${k} kept | RBO | Kendall tau | FVE | cosine | dead | epochs |`;
  const sep = `|${head
    .split("|")
    .slice(1, -1)
    .map(() => "---")
    .join("|")}|`;
  const rows = [...points]
    .sort(
      (a, b) =>
        a.architecture.localeCompare(b.architecture) ||
        a.expansion - b.expansion ||
        a.loss.localeCompare(b.loss) ||
        a.l0 - b.l0,
    )
    .map(
      (p) =>
        `| ${p.architecture} | ${p.k ?? "-"} | ${p.expansion} | ${p.dSae} | ${p.loss} | ${p.l0.toFixed(2)} | ${f4(p.recallKept)} | ${f4(p.ndcgKept)} | ${f4(p.rbo)} | ${f4(p.kendallTau)} | ${f4(p.fve)} | ${f4(p.cosine)} | ${(100 * p.deadFraction).toFixed(1)}% | ${p.epochs} |`,
    );
  return `${note}${[head, sep, ...rows].join("\n")}\n`;
}
