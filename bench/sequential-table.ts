/**
 * Summarises leave-one-out run directories (written by `reclens train ... --split leave-one-out`) into
 * the docs/models.md table: per dataset and model (and loss), the mean over seeds of the test HR/NDCG
 * at 5, 10 and 20 and MRR, with the per-seed spread, beside the published figures where they exist.
 *
 *   npx tsx bench/sequential-table.ts runs/loo/*   (any number of run directories)
 */
import { readManifest } from "../src/store/manifest.js";
import { markdownTable } from "./timing.js";

/** Published leave-one-out full-ranking figures (ICSRec, WSDM 2024, Table 2): HR@5, HR@20, NDCG@5, NDCG@20. */
const PUBLISHED: Record<
  string,
  Record<string, [number, number, number, number] | [null, number, null, number]>
> = {
  Beauty: {
    SASRec: [0.0377, 0.0894, 0.0241, 0.0386],
    GRU4Rec: [0.018, 0.0427, 0.0116, 0.0186],
    BPR: [0.0178, 0.0474, 0.0109, 0.0192],
    ICSRec: [0.0698, 0.1298, 0.0494, 0.0663],
  },
  Sports_and_Outdoors: { SASRec: [null, 0.05, null, 0.0224] },
  Toys_and_Games: { SASRec: [null, 0.0957, null, 0.0397] },
};

const METRICS = ["hr@5", "hr@10", "hr@20", "ndcg@5", "ndcg@10", "ndcg@20", "mrr"] as const;

interface Row {
  dataset: string;
  model: string;
  seeds: number[];
  values: Record<string, number[]>;
  epochs: number[];
  seconds: number[];
}

function label(model: string, config: Record<string, unknown>): string {
  if (model === "sasrec") return `SASRec (${String(config.loss)})`;
  if (model === "mf") return `MF (${String(config.loss)}, reg ${String(config.reg)})`;
  return { gru4rec: "GRU4Rec", lightgcn: "LightGCN", ncf: "NCF" }[model] ?? model;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const f4 = (x: number): string => x.toFixed(4).replace(/^0/, "");

function main(): void {
  const rows = new Map<string, Row>();
  for (const dir of process.argv.slice(2)) {
    const m = readManifest(dir);
    const cfg = m.config as { model: string; modelConfig: Record<string, unknown>; split: { kind: string } };
    if (cfg.split.kind !== "leaveOneOut") continue;
    const key = `${m.data.name}\u0000${label(cfg.model, cfg.modelConfig)}`;
    const row = rows.get(key) ?? {
      dataset: m.data.name,
      model: label(cfg.model, cfg.modelConfig),
      seeds: [],
      values: {},
      epochs: [],
      seconds: [],
    };
    row.seeds.push(m.seed);
    for (const k of METRICS) {
      (row.values[k] ??= []).push(m.metrics[`test/${k}`]);
      (row.values[`${k}/se`] ??= []).push(m.metrics[`test/${k}/se`]);
    }
    row.epochs.push(m.metrics["fit/bestEpoch"]);
    row.seconds.push(m.metrics["fit/seconds"]);
    rows.set(key, row);
  }
  const out: string[][] = [];
  const datasets = [...new Set([...rows.values()].map((r) => r.dataset))].sort();
  for (const ds of datasets) {
    for (const r of [...rows.values()].filter((x) => x.dataset === ds)) {
      // @20 cells: mean ± the (mean) standard error over users, and the per-seed range when several seeds ran.
      const spread = (k: string): string => {
        const v = r.values[k];
        const se = ` ± ${f4(mean(r.values[`${k}/se`]))}`;
        return v.length > 1 ? `${se} (${f4(Math.min(...v))}-${f4(Math.max(...v))})` : se;
      };
      out.push([
        ds,
        r.model,
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
  console.log(
    markdownTable(
      [
        "dataset",
        "model",
        "seeds",
        ...METRICS.map((k) => k.toUpperCase().replace("@", "@")),
        "best epoch",
        "fit s",
      ],
      out,
    ),
  );
}

main();
