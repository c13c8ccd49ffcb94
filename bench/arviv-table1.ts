/**
 * Arviv et al. (2025) Table 1 side by side with reclens: trains one joint SAE per seed on a two-tower
 * run (`reclens sae joint` settings), applies the Table-1 protocol (`reclens purity --protocol
 * arviv`) and prints markdown: the paper's MF or NCF values beside reclens's mean over seeds with the
 * per-seed range, each run's top-30 RBO, and the count of rows at or above the paper on all three K
 * (only runs with RBO >= 0.8 count). A seed whose folder already holds a joint SAE trained with the
 * same settings is read back instead of retrained, so seeds can be added to a table one at a time.
 *
 *   RECLENS_THREADS=1 npx tsx bench/arviv-table1.ts --run <run> --out /tmp/x --paper ml1m-mf \
 *     --seeds 42,7,13 --settings '{"latents":22,"beta":10}'
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  arvivReport,
  MIN_RBO,
  trainJointSaeOnRun,
  type ArvivReport,
} from "../src/pipeline/arviv-protocol.js";
import { jointSaeData, resolveJointSettings } from "../src/pipeline/joint-sae.js";
import { openModelRun } from "../src/pipeline/run-context.js";
import { ARVIV_PAPER as PAPER } from "./arviv-paper.js";

const { values } = parseArgs({
  options: {
    run: { type: "string" },
    out: { type: "string" },
    paper: { type: "string" },
    seeds: { type: "string", default: "42,7,13" },
    settings: { type: "string", default: "{}" },
  },
});
if (!values.run || !values.out || !values.paper || !PAPER[values.paper])
  throw new Error(
    `usage: --run <run> --out <dir> --paper ${Object.keys(PAPER).join("|")} [--seeds] [--settings json]`,
  );
const paper = PAPER[values.paper];
const seeds = values.seeds.split(",").map(Number);
const settings = JSON.parse(values.settings) as Record<string, unknown>;

const ctx = await openModelRun(values.run);
const data = jointSaeData(ctx.model, ctx.split.train);
const reports: ArvivReport[] = [];
for (const seed of seeds) {
  const dir = join(values.out, `seed-${seed}`);
  const saved = join(dir, "joint.json");
  const settingsWanted = resolveJointSettings({ ...settings, seed });
  const reuse =
    existsSync(saved) &&
    JSON.stringify((JSON.parse(readFileSync(saved, "utf8")) as { settings: unknown }).settings) ===
      JSON.stringify(settingsWanted);
  const seconds = reuse ? 0 : (await trainJointSaeOnRun(ctx, { ...settings, seed }, dir, data)).seconds;
  const report = arvivReport(ctx, dir, data);
  reports.push(report);
  process.stderr.write(
    `seed ${seed}: RBO ${report.fidelity.rbo.toFixed(3)} ${reuse ? "(read back)" : `${seconds.toFixed(1)}s`}\n`,
  );
}

const f2 = (x: number): string => x.toFixed(2);
const cell = (vals: number[], scale = 1, digits = 2): string => {
  const v = vals.map((x) => x * scale);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return `${mean.toFixed(digits)} [${Math.min(...v).toFixed(digits)}, ${Math.max(...v).toFixed(digits)}]`;
};
const counting = reports.filter((r) => r.fidelity.rbo >= MIN_RBO);
console.log(
  `${ctx.model.name} on ${ctx.dataset.name}, ${JSON.stringify(reports[0] ? { ...settings } : {})}, seeds ${seeds.join(", ")}`,
);
console.log(
  `top-30 RBO per seed: ${reports.map((r) => r.fidelity.rbo.toFixed(3)).join(", ")} (the paper code's truncated RBO: ${reports.map((r) => r.fidelity.rboTruncated.toFixed(3)).join(", ")}); Kendall: ${reports.map((r) => r.fidelity.kendall.toFixed(3)).join(", ")}; L0: ${reports.map((r) => r.fidelity.l0.toFixed(1)).join(", ")}; dead: ${reports.map((r) => `${(100 * r.fidelity.deadFraction).toFixed(0)}%`).join(", ")}`,
);
console.log(`rule: ${reports[0].table.tieRule}\n`);
console.log(
  "| concept | items | paper K=10/20/50 | reclens K=10 | reclens K=20 | reclens K=50 | at/above paper (runs, all K) |",
);
console.log("|---|---:|---|---|---|---|---|");
let rowsAt = 0;
let rowsAtMean = 0;
let rowsFilled = 0;
for (let c = 0; c < reports[0].table.rows.length; c++) {
  const name = reports[0].table.rows[c].concept;
  if (!(name in paper)) continue;
  const ref = paper[name];
  const per = reports.map((r) => r.table.rows[c].purity ?? ([0, 0, 0] as const));
  const at = (r: ArvivReport): boolean =>
    ref !== null && !!r.table.rows[c].purity && r.table.rows[c].purity!.every((v, k) => v >= ref[k] - 1e-9);
  const nAt = counting.filter(at).length;
  if (ref) {
    rowsFilled++;
    if (counting.length > 0 && nAt * 2 > counting.length) rowsAt++;
    const mean = [0, 1, 2].map((k) => counting.reduce((a, r) => a + (r.table.rows[c].purity?.[k] ?? 0), 0));
    if (counting.length > 0 && mean.every((v, k) => v / counting.length >= ref[k] - 1e-9)) rowsAtMean++;
  }
  console.log(
    `| ${name} | ${reports[0].table.rows[c].items} | ${ref ? ref.map(f2).join(" / ") : "-"} | ${[0, 1, 2].map((k) => cell(per.map((p) => p[k]))).join(" | ")} | ${ref ? `${nAt} of ${counting.length}` : "-"} |`,
  );
}
const pop = reports.map((r) => r.table.popularity.percentile ?? ([1, 1, 1] as const));
console.log(
  `| Popularity (%) | | ${paper.Popularity?.map(f2).join(" / ") ?? "-"} | ${[0, 1, 2]
    .map((k) =>
      cell(
        pop.map((p) => p[k]),
        100,
      ),
    )
    .join(" | ")} | |`,
);
console.log(
  `\nrows at/above the paper on all three K (majority of the ${counting.length} runs with RBO >= ${MIN_RBO}): ${rowsAt} of ${rowsFilled} filled paper rows; on the mean over those runs: ${rowsAtMean} of ${rowsFilled}`,
);
