/**
 * Quality table for the recommenders (not a test): held-out users 80/10/10 with 80/20 fold-in,
 * Recall@20 and nDCG@20 on the test users (mean ± standard error over users), EASE's lambda picked
 * on validation nDCG@20 from a grid (and any other model's settings from --grid), iterative models
 * early-stopped on validation nDCG@20.
 * Each (seed, model) result is appended as one JSON line to the output file, with the per-user test
 * values so that paired differences (e.g. ELSA - EASE on the same users) can be computed later.
 *
 *   npx tsx bench/models-table.ts <dataset> --out <file.jsonl> [--seeds 42,1,2] [--lambdas 50,100,200]
 *       [--models ease,elsa64,elsa128,elsa256,multvae,mf] [--elsa '{"epochs":50}'] [--multvae '{"batchSize":500}']
 *       [--grid '{"multvae":{"batchSize":[100,32,16,8]},"elsa":{"lr":[0.02,0.01]}}'] [--patience 5]
 *       [--suffix=-b32]   (appended to the model name in the output, to keep variants apart)
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/load.js";
import { heldOutUsersSplit } from "../src/data/splits/index.js";
import { evaluateRanking, type RankingReport } from "../src/eval/ranking.js";
import type { HeldOutUsers } from "../src/models/evaluate.js";
import { createModel } from "../src/models/index.js";
import { heldOutValidation } from "../src/models/evaluate.js";
import type { Recommender } from "../src/models/types.js";
import { backendInfo } from "../src/tensor/backend.js";
import { Rng } from "../src/tensor/rng.js";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" },
    seeds: { type: "string", default: "42" },
    lambdas: { type: "string", default: "50,100,200,500,1000" },
    models: { type: "string", default: "ease,elsa64,elsa128,elsa256,multvae,mf" },
    multvae: { type: "string", default: "{}" },
    grid: { type: "string", default: "{}" },
    elsa: { type: "string", default: "{}" },
    suffix: { type: "string", default: "" },
    patience: { type: "string", default: "5" },
  },
});
const source = positionals[0];
if (!source || !opts.out) {
  console.error("usage: tsx bench/models-table.ts <dataset> --out <file.jsonl> [--seeds ..] [--models ..]");
  process.exit(2);
}
const out = opts.out;
mkdirSync(dirname(out), { recursive: true });
const seeds = opts.seeds.split(",").map(Number);
const lambdas = opts.lambdas.split(",").map(Number);
const models = opts.models.split(",");
const patience = Number(opts.patience);
const multvaeConfig = JSON.parse(opts.multvae) as Record<string, unknown>;
/** Per model name, settings to try (every combination), picked on validation nDCG@20. */
const grids = JSON.parse(opts.grid) as Record<string, Record<string, unknown[]>>;

/** `base` crossed with every combination of the grid's values for `name` (just `base` without one). */
function expand(name: string, base: Record<string, unknown>): Record<string, unknown>[] {
  let configs = [base];
  for (const [key, values] of Object.entries(grids[name] ?? {}))
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return configs;
}
const elsaConfig = JSON.parse(opts.elsa) as Record<string, unknown>;

/** Test evaluation at K = 20 keeping per-user values. */
function testReport(model: Recommender, part: HeldOutUsers): RankingReport {
  return evaluateRanking(part.target, (s, e) => model.scoreUsers({ rows: part.foldIn.rowRange(s, e) }), {
    ks: [20],
    exclude: part.foldIn,
    batchSize: 512,
    fullRanking: false,
    keepPerUser: true,
  });
}

const dataset = await loadDataset(source, { cache: false });
const info = backendInfo();
for (const seed of seeds) {
  const split = heldOutUsersSplit(dataset, { seed });
  console.log(
    `${dataset.name} seed ${seed}: ${dataset.matrix.rows} users x ${dataset.matrix.cols} items, ${dataset.matrix.nnz} interactions; ` +
      `train ${split.train.rows}, val ${split.validation.users.length}, test ${split.test.users.length}; backend ${info.backend} (${info.threads} threads)`,
  );
  const validation = heldOutValidation(split.validation, "ndcg@20", patience);
  for (const spec of models) {
    const candidates: { name: string; config: Record<string, unknown> }[] =
      spec === "ease"
        ? lambdas.map((lambda) => ({ name: "ease", config: { lambda } }))
        : spec.startsWith("elsa")
          ? expand("elsa", { ...elsaConfig, dim: Number(spec.slice(4) || 256) }).map((config) => ({
              name: "elsa",
              config,
            }))
          : spec === "multvae"
            ? expand("multvae", multvaeConfig).map((config) => ({ name: "multvae", config }))
            : expand(spec, {}).map((config) => ({ name: spec, config }));
    let best:
      { model: Recommender; val: number; fitSec: number; bestEpoch: number; epochs: number } | undefined;
    const grid: { config: Record<string, unknown>; val: number; fitSec: number }[] = [];
    for (const c of candidates) {
      const model = createModel(c.name, c.config);
      const t0 = performance.now();
      const rep = await model.fit(split.train, { rng: new Rng(seed), validation });
      const fitSec = (performance.now() - t0) / 1000;
      const val = rep.valScores[rep.bestEpoch - 1];
      grid.push({ config: c.config, val, fitSec });
      if (!best || val > best.val)
        best = { model, val, fitSec, bestEpoch: rep.bestEpoch, epochs: rep.epochsRun };
    }
    if (!best) continue;
    const r = testReport(best.model, split.test);
    const line = {
      dataset: dataset.name,
      seed,
      model: `${spec}${opts.suffix}`,
      config: best.model.config,
      valNdcg20: best.val,
      recall20: r.metrics["recall_trunc@20"],
      ndcg20: r.metrics["ndcg@20"],
      users: r.users,
      bestEpoch: best.bestEpoch,
      epochs: best.epochs,
      fitSec: best.fitSec,
      grid,
      perUser: {
        rows: Array.from(r.perUser?.rows ?? []),
        recall20: Array.from(r.perUser?.values["recall_trunc@20"] ?? []),
        ndcg20: Array.from(r.perUser?.values["ndcg@20"] ?? []),
      },
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
    const f = (m: { mean: number; stderr: number }) => `${m.mean.toFixed(4)} ± ${m.stderr.toFixed(4)}`;
    console.log(
      `  ${spec.padEnd(8)} ${JSON.stringify(c0(best.model.config))}` +
        ` | Recall@20 ${f(line.recall20)} | nDCG@20 ${f(line.ndcg20)} | val nDCG@20 ${best.val.toFixed(4)}` +
        ` | epoch ${best.bestEpoch}/${best.epochs} | fit ${best.fitSec.toFixed(1)}s` +
        (grid.length > 1
          ? ` | grid ${grid.map((g) => `${JSON.stringify(g.config)}:${g.val.toFixed(4)}`).join(" ")}`
          : ""),
    );
  }
}

/** The config fields worth printing. */
function c0(config: object): object {
  const c = config as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(c).filter(([k]) => ["dim", "batchSize", "lr", "lambda"].includes(k)),
  );
}
