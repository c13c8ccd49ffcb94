/**
 * Summarises the JSON lines written by bench/models-table.ts into markdown: per dataset, the
 * single-seed table (mean ± standard error over test users), the gaps to EASE with a paired standard
 * error (same test users), and the mean over split seeds when several seeds were run.
 *
 *   npx tsx bench/models-table-summary.ts [--seed 42] <file.jsonl> [...]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { meanStderr } from "../src/eval/stats.js";
import { markdownTable } from "./timing.js";

interface Line {
  dataset: string;
  seed: number;
  model: string;
  config: Record<string, unknown>;
  valNdcg20: number;
  recall20: { mean: number; stderr: number };
  ndcg20: { mean: number; stderr: number };
  users: number;
  bestEpoch: number;
  epochs: number;
  fitSec: number;
  perUser: { rows: number[]; recall20: number[]; ndcg20: number[] };
}

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: "string", default: "42" } },
});
const mainSeed = Number(o.seed);
const lines: Line[] = positionals.flatMap((p) =>
  readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Line),
);
// A later line for the same (dataset, seed, model) replaces an earlier one.
const byKey = new Map<string, Line>();
for (const l of lines) byKey.set(`${l.dataset}|${l.seed}|${l.model}`, l);
const all = [...byKey.values()];
const f4 = (x: number): string => x.toFixed(3);
const pm = (m: { mean: number; stderr: number }): string => `${f4(m.mean)} ± ${f4(m.stderr)}`;
const signed = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;

function describe(l: Line): string {
  const c = l.config;
  if (l.model === "ease") return `lambda ${String(c.lambda)}`;
  if (l.model.startsWith("elsa")) return `d ${String(c.dim)}, batch ${String(c.batchSize)}`;
  if (l.model.startsWith("multvae"))
    return `d ${String(c.dim)}, hidden ${String(c.hidden)}, batch ${String(c.batchSize)}`;
  if (l.model === "mf") return `d ${String(c.dim)}, ${String(c.loss)}, fold-in`;
  return "";
}

/** Paired difference a - b of a per-user metric on the same users. */
function paired(a: Line, b: Line, metric: "recall20" | "ndcg20"): { mean: number; stderr: number } {
  const index = new Map(b.perUser.rows.map((r, i) => [r, i]));
  const diffs = a.perUser.rows.map((r, i) => {
    const j = index.get(r);
    if (j === undefined) throw new Error(`${a.dataset} seed ${a.seed}: user row ${r} missing for ${b.model}`);
    return a.perUser[metric][i] - b.perUser[metric][j];
  });
  return meanStderr(diffs);
}

const targets: Record<string, number> = { elsa64: 0.02, elsa128: 0.02, elsa256: 0.02, multvae: 0.04 };
for (const dataset of [...new Set(all.map((l) => l.dataset))]) {
  const rows = all.filter((l) => l.dataset === dataset);
  const single = rows.filter((l) => l.seed === mainSeed);
  const ease = single.find((l) => l.model === "ease");
  console.log(`### ${dataset} (seed ${mainSeed}, ${single[0]?.users ?? "?"} test users)\n`);
  console.log(
    markdownTable(
      [
        "model",
        "config (validation-picked)",
        "Recall@20",
        "nDCG@20",
        "gap to EASE (Recall@20, paired)",
        "val nDCG@20",
        "best epoch",
        "fit s",
      ],
      single.map((l) => {
        const gap = ease && l !== ease ? paired(l, ease, "recall20") : undefined;
        return [
          l.model,
          describe(l),
          pm(l.recall20),
          pm(l.ndcg20),
          gap ? `${signed(gap.mean)} ± ${f4(gap.stderr)}` : "-",
          f4(l.valNdcg20),
          `${l.bestEpoch}/${l.epochs}`,
          l.fitSec.toFixed(1),
        ];
      }),
    ),
  );
  const seeds = [...new Set(rows.map((l) => l.seed))].sort((a, b) => a - b);
  if (seeds.length > 1) {
    const models = [...new Set(rows.map((l) => l.model))];
    const table: string[][] = [];
    for (const m of models) {
      const ls = seeds
        .map((s) => rows.find((l) => l.seed === s && l.model === m))
        .filter((l): l is Line => !!l);
      if (ls.length < 2) continue;
      const r = meanStderr(ls.map((l) => l.recall20.mean));
      const n = meanStderr(ls.map((l) => l.ndcg20.mean));
      const gaps = ls.flatMap((l) => {
        const e = rows.find((x) => x.seed === l.seed && x.model === "ease");
        return e && m !== "ease" ? [l.recall20.mean - e.recall20.mean] : [];
      });
      const g = gaps.length >= 2 ? meanStderr(gaps) : undefined;
      const target = targets[m] ?? (m.startsWith("multvae") ? targets.multvae : undefined);
      table.push([
        m,
        String(ls.length),
        pm(r),
        pm(n),
        g ? `${signed(g.mean)} ± ${f4(g.stderr)}` : "-",
        g && target !== undefined
          ? g.mean >= -target
            ? `met (>= -${target})`
            : `missed (>= -${target})`
          : "-",
        ls.map((l) => f4(l.recall20.mean)).join(" "),
      ]);
    }
    console.log(`\nMean over split seeds ${seeds.join(", ")} (± standard error over seeds):\n`);
    console.log(
      markdownTable(
        ["model", "seeds", "Recall@20", "nDCG@20", "Recall@20 gap to EASE", "target", "per-seed Recall@20"],
        table,
      ),
    );
  }
  console.log("");
}
