/**
 * RecSAE table: nested-quality figures of SAE directories (each written by `reclens sae train --run`
 * or `sae sweep`), grouped by model run and k, mean over the SAE seeds with the per-seed range.
 *
 *   npx tsx bench/recsae-table.ts [--svg <file>] <sae dir> [<sae dir> ...]
 *
 * Reads each directory's manifest.json (config.run, config.model, config.sae.k, seed, metrics) and
 * prints one markdown row per (run, k): seeds, HR@10 and NDCG@10 kept, RBO, Kendall tau, FVE, L0 and
 * the dead share of the training rows. `--svg` also draws NDCG@10 kept against k, one line per model
 * run (mean over the SAE seeds), the RecSAE sweep's kept-quality vs sparsity chart across families.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { lineChartSvg } from "../src/plot/line.js";

interface SaeManifest {
  readonly seed: number;
  readonly config: { readonly run: string; readonly model: string; readonly sae: { readonly k?: number } };
  readonly metrics: Record<string, number>;
}

const COLUMNS: readonly [string, string][] = [
  ["kept HR@10", "test/kept/hr@10"],
  ["kept NDCG@10", "test/kept/ndcg@10"],
  ["RBO", "test/rbo"],
  ["Kendall tau", "test/kendallTau"],
  ["FVE", "test/fve"],
  ["L0", "test/l0"],
  ["train dead", "train/deadFraction"],
];

const args = process.argv.slice(2);
const svgAt = args.indexOf("--svg");
const svg = svgAt >= 0 ? args.splice(svgAt, 2)[1] : undefined;
const dirs = args;
if (dirs.length === 0 || (svgAt >= 0 && !svg)) {
  console.error("usage: npx tsx bench/recsae-table.ts [--svg <file>] <sae dir> [<sae dir> ...]");
  process.exit(2);
}

const groups = new Map<string, { run: string; model: string; k: number; rows: SaeManifest[] }>();
const seen = new Map<string, string>();
for (const dir of dirs) {
  const path = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(path, "utf8")) as SaeManifest;
  const k = m.config.sae.k;
  if (k === undefined) throw new Error(`${path}: config.sae.k is missing (not a TopK SAE)`);
  const run = basename(resolve(dir, m.config.run)) || basename(dirname(resolve(dir)));
  const key = `${run}\u0000${k}`;
  // A copied SAE directory (e.g. one relabelled elsewhere) would count its seed twice in the mean.
  const twin = seen.get(`${key}\u0000${m.seed}`);
  if (twin) throw new Error(`${dir} and ${twin}: both are ${run} k ${k} SAE seed ${m.seed}; pass one`);
  seen.set(`${key}\u0000${m.seed}`, dir);
  const g = groups.get(key) ?? { run, model: m.config.model, k, rows: [] };
  g.rows.push(m);
  groups.set(key, g);
}

const fmt = (v: number, key: string) => (key.endsWith("l0") ? v.toFixed(1) : v.toFixed(3));
const cell = (rows: readonly SaeManifest[], key: string): string => {
  const vs = rows.map((r) => r.metrics[key]).filter((v): v is number => Number.isFinite(v));
  if (vs.length === 0) return "-";
  const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
  if (vs.length === 1) return fmt(mean, key);
  return `${fmt(mean, key)} (${fmt(Math.min(...vs), key)}-${fmt(Math.max(...vs), key)})`;
};

console.log(`| run | model | k | SAE seeds | ${COLUMNS.map(([h]) => h).join(" | ")} |`);
console.log(`|${"---|".repeat(4 + COLUMNS.length)}`);
const sorted = [...groups.values()].sort((a, b) => a.run.localeCompare(b.run) || b.k - a.k);
for (const g of sorted) {
  const seeds = g.rows.map((r) => r.seed).sort((a, b) => a - b);
  const cells = COLUMNS.map(([, key]) => cell(g.rows, key));
  console.log(`| ${g.run} | ${g.model} | ${g.k} | ${seeds.join(", ")} | ${cells.join(" | ")} |`);
}

if (svg) {
  const mean = (rows: readonly SaeManifest[], key: string): number =>
    rows.reduce((a, r) => a + r.metrics[key], 0) / rows.length;
  const byRun = new Map<string, [number, number][]>();
  for (const g of [...groups.values()].sort((a, b) => a.k - b.k)) {
    const name = `${g.model} (${g.run})`;
    byRun.set(name, [...(byRun.get(name) ?? []), [g.k, mean(g.rows, "test/kept/ndcg@10")]]);
  }
  const chart = lineChartSvg({
    title: "NDCG@10 kept by the nested SAE vs k (TopK, width 16x)",
    xLabel: "k (active latents)",
    yLabel: "NDCG@10 kept",
    series: [...byRun].map(([name, points]) => ({ name, points })),
    legend: "right",
  });
  writeFileSync(svg, chart);
  console.log(`wrote ${svg}`);
}
