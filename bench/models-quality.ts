/**
 * Quality run for the recommenders (not a test): held-out users 80/10/10, fold-in 80/20, ratings >= 4,
 * Recall@20 and nDCG@20 on the test users (mean ± standard error), best epoch picked on validation nDCG@20.
 *
 *   npx tsx bench/models-quality.ts <dataset path or name> [model[:json-config] ...]
 *   e.g. npx tsx bench/models-quality.ts /work/shared/data/ml-100k-recbole ease:'{"lambda":200}' elsa
 */
import { loadDataset } from "../src/data/load.js";
import { heldOutUsersSplit } from "../src/data/splits/index.js";
import { createModel } from "../src/models/index.js";
import { evaluateHeldOut, heldOutValidation } from "../src/models/evaluate.js";
import { backendInfo } from "../src/tensor/backend.js";
import { Rng } from "../src/tensor/rng.js";

const [source, ...specs] = process.argv.slice(2);
if (!source) {
  console.error("usage: tsx bench/models-quality.ts <dataset> [model[:json] ...]");
  process.exit(2);
}
const seed = Number(process.env.SEED ?? 42);
const minItem = Number(process.env.MIN_ITEM ?? 0);
const dataset = await loadDataset(source, { cache: false, process: { minItemInteractions: minItem } });
const split = heldOutUsersSplit(dataset, { seed });
console.log(
  `${dataset.name}: ${dataset.matrix.rows} users x ${dataset.matrix.cols} items, ${dataset.matrix.nnz} interactions; ` +
    `train ${split.train.rows}, val ${split.validation.users.length}, test ${split.test.users.length}; backend ${backendInfo().backend}`,
);
for (const spec of specs.length ? specs : ["ease", "elsa", "mf", "multvae"]) {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const config = colon < 0 ? {} : (JSON.parse(spec.slice(colon + 1)) as Record<string, unknown>);
  const model = createModel(name, config);
  const t0 = performance.now();
  const report = await model.fit(split.train, {
    rng: new Rng(seed),
    validation: heldOutValidation(split.validation, "ndcg@20", Number(process.env.PATIENCE ?? 5)),
    onProgress: (p) => {
      if (process.env.VERBOSE)
        console.log(
          `  epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(5)} val ${p.valScore?.toFixed(4)} ${p.elapsedSec.toFixed(1)}s`,
        );
    },
  });
  const fitSec = (performance.now() - t0) / 1000;
  const r = evaluateHeldOut(model, split.test, { ks: [20] });
  const v = evaluateHeldOut(model, split.validation, { ks: [20] });
  const f = (k: string) => `${r.metrics[k].mean.toFixed(4)} ± ${r.metrics[k].stderr.toFixed(4)}`;
  console.log(
    `${name.padEnd(8)} ${JSON.stringify(model.config)} | Recall_trunc@20 ${f("recall_trunc@20")} | Recall@20 (RecBole) ${f("recall@20")} | nDCG@20 ${f("ndcg@20")} | ` +
      `val nDCG@20 ${v.metrics["ndcg@20"].mean.toFixed(4)} | best epoch ${report.bestEpoch}/${report.epochsRun} | fit ${fitSec.toFixed(1)}s`,
  );
}
