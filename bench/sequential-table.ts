/**
 * Summarises leave-one-out run directories (written by `reclens train ... --split leave-one-out`) into
 * the docs/models.md table: per dataset and recipe (model settings and early stopping), the mean over
 * seeds of the test HR/NDCG at 5, 10 and 20 and MRR, with the per-seed spread, beside the published
 * figures where they exist. A second table sets each multi-seed mean against the published figure:
 * the gap in per-user standard errors and in the standard deviation that a single published run's
 * seed noise adds (estimated from our seeds).
 *
 *   npx tsx bench/sequential-table.ts runs/loo/*   (any number of run directories)
 */
import { resolveModelConfig } from "../src/models/index.js";
import { readManifest } from "../src/store/manifest.js";
import { markdownTable } from "./timing.js";

type Published = [number, number, number, number] | [null, number, null, number];

/** Published leave-one-out full-ranking figures (ICSRec, WSDM 2024, Table 2): HR@5, HR@20, NDCG@5, NDCG@20. */
const PUBLISHED: Record<string, Record<string, Published>> = {
  Beauty: {
    SASRec: [0.0377, 0.0894, 0.0241, 0.0386],
    GRU4Rec: [0.018, 0.0427, 0.0116, 0.0186],
    BPR: [0.0178, 0.0474, 0.0109, 0.0192],
    ICSRec: [0.0698, 0.1298, 0.0494, 0.0663],
  },
  Sports_and_Outdoors: { SASRec: [null, 0.05, null, 0.0224] },
  Toys_and_Games: { SASRec: [null, 0.0957, null, 0.0397] },
};

/** Which published row a model family is compared with (SASRec's row is the BCE-trained model). */
const PEER: Record<string, string> = { sasrec: "SASRec", gru4rec: "GRU4Rec", mf: "BPR" };

const METRICS = ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20", "mrr"] as const;

interface Row {
  dataset: string;
  model: string;
  label: string;
  seeds: number[];
  values: Record<string, number[]>;
  epochs: number[];
  seconds: number[];
}

interface RunConfig {
  model: string;
  modelConfig: Record<string, unknown>;
  split: { kind: string };
  training?: { earlyStopping?: string; patience?: number };
}

/** A readable recipe name: the family, its loss, and whatever departs from the defaults (early stopping on validation NDCG@10, patience 5). */
function label(cfg: RunConfig): string {
  const c = cfg.modelConfig;
  const stop = cfg.training?.earlyStopping ?? "val/ndcg@10";
  const patience = cfg.training?.patience ?? 5;
  const stopNote = [
    ...(stop === "val/ndcg@10" ? [] : [`stop on ${stop.slice(4).toUpperCase()}`]),
    ...(patience === 5 ? [] : [`patience ${patience}`]),
  ];
  if (cfg.model === "sasrec") {
    const notes = [String(c.loss)];
    if (c.variant === "s3rec") notes.push("S3-Rec layout");
    if (c.beta2 !== undefined && c.beta2 !== 0.98) notes.push(`Adam beta2 ${String(c.beta2)}`);
    if (c.dropout !== undefined && c.dropout !== 0.5) notes.push(`dropout ${String(c.dropout)}`);
    return `SASRec (${[...notes, ...stopNote].join(", ")})`;
  }
  if (cfg.model === "mf") return `MF (${[String(c.loss), `reg ${String(c.reg)}`, ...stopNote].join(", ")})`;
  const name = { gru4rec: "GRU4Rec", lightgcn: "LightGCN", ncf: "NCF" }[cfg.model] ?? cfg.model;
  return stopNote.length ? `${name} (${stopNote.join(", ")})` : name;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1). */
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};
const f4 = (x: number): string => x.toFixed(4).replace(/^(-?)0/, "$1");
const f1 = (x: number): string => x.toFixed(1);

function readRows(dirs: readonly string[]): Row[] {
  const rows = new Map<string, Row>();
  for (const dir of dirs) {
    const m = readManifest(dir);
    const cfg = m.config as unknown as RunConfig & { data: unknown };
    if (cfg.split.kind !== "leaveOneOut") continue;
    // Settings added after a run was made are filled with their defaults, so old and new runs of one recipe group.
    cfg.modelConfig = resolveModelConfig(cfg.model, cfg.modelConfig) as Record<string, unknown>;
    const { seed: _seed, ...settings } = cfg.modelConfig;
    const key = JSON.stringify([m.data.name, cfg.model, settings, cfg.training, cfg.data]);
    const row = rows.get(key) ?? {
      dataset: m.data.name,
      model: cfg.model,
      label: label(cfg),
      seeds: [],
      values: {},
      epochs: [],
      seconds: [],
    };
    if (row.seeds.includes(m.seed))
      throw new Error(`${dir}: a second run of ${row.label} on ${row.dataset} with seed ${m.seed}`);
    row.seeds.push(m.seed);
    for (const k of METRICS) {
      (row.values[k] ??= []).push(m.metrics[`test/${k}`]);
      (row.values[`${k}/se`] ??= []).push(m.metrics[`test/${k}/se`]);
    }
    row.epochs.push(m.metrics["fit/bestEpoch"]);
    row.seconds.push(m.metrics["fit/seconds"]);
    rows.set(key, row);
  }
  return [...rows.values()];
}

function qualityTable(rows: readonly Row[]): string {
  const out: string[][] = [];
  for (const ds of [...new Set(rows.map((r) => r.dataset))].sort()) {
    for (const r of rows.filter((x) => x.dataset === ds)) {
      // @20 cells: mean ± the (mean) standard error over users, and the per-seed range when several seeds ran.
      const spread = (k: string): string => {
        const v = r.values[k];
        const se = ` ± ${f4(mean(r.values[`${k}/se`]))}`;
        return v.length > 1 ? `${se} (${f4(Math.min(...v))}-${f4(Math.max(...v))})` : se;
      };
      out.push([
        ds,
        r.label,
        String(r.seeds.length),
        ...METRICS.map((k) => `${f4(mean(r.values[k]))}${k.endsWith("@20") ? spread(k) : ""}`),
        `${Math.round(mean(r.epochs))}`,
        `${Math.round(mean(r.seconds))}`,
      ]);
    }
    for (const [name, p] of Object.entries(PUBLISHED[ds] ?? {})) {
      const cell = (x: number | null): string => (x === null ? "-" : f4(x));
      out.push([
        ds,
        `${name} (published, ICSRec)`,
        "-",
        cell(p[0]),
        "-",
        cell(p[1]),
        cell(p[2]),
        "-",
        cell(p[3]),
        "-",
        "-",
        "-",
      ]);
    }
  }
  const headers = [
    "dataset",
    "model",
    "seeds",
    ...METRICS.map((k) => k.toUpperCase()),
    "best epoch",
    "fit s",
  ];
  return markdownTable(headers, out);
}

/**
 * For every recipe with at least two seeds and a published peer: mean - published at @20, in units of
 * the per-user standard error and of sqrt(s^2/n + s^2), the spread of (our n-seed mean) minus (one
 * run of the same recipe), where s is the seed standard deviation. Empty when no recipe qualifies.
 */
function publishedGapTable(rows: readonly Row[]): string {
  const out: string[][] = [];
  for (const r of rows) {
    const peer = PUBLISHED[r.dataset]?.[PEER[r.model] ?? ""];
    if (!peer || r.seeds.length < 2) continue;
    for (const [k, published] of [
      ["hr@20", peer[1]],
      ["ndcg@20", peer[3]],
    ] as const) {
      const v = r.values[k];
      const gap = mean(v) - published;
      const s = sd(v);
      out.push([
        r.dataset,
        r.label,
        k.toUpperCase(),
        `${f4(mean(v))} vs ${f4(published)}`,
        f4(gap),
        f1(gap / mean(r.values[`${k}/se`])),
        f4(s),
        f1(gap / (s * Math.sqrt(1 / v.length + 1))),
      ]);
    }
  }
  if (out.length === 0) return "";
  const headers = [
    "dataset",
    "model",
    "metric",
    "mean vs published",
    "gap",
    "gap / user SE",
    "seed SD",
    "gap / run SD",
  ];
  return markdownTable(headers, out);
}

function main(): void {
  const rows = readRows(process.argv.slice(2));
  console.log(qualityTable(rows));
  const gaps = publishedGapTable(rows);
  if (gaps) console.log(`\nAgainst the published rows (recipes with 2+ seeds):\n\n${gaps}`);
}

main();
