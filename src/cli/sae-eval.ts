import type { Command } from "commander";
import { evaluateSaeOnRun } from "../pipeline/sae-eval.js";
import { saeMetricsTable } from "../pipeline/sae-metrics.js";
import { addDataDirOption, openRunFromCli } from "./pipeline-options.js";
import { positiveIntArg } from "./args.js";

/** `reclens sae eval --run <run> [--sae <dir>]`: the nested-model metrics table of a trained SAE. */
export function registerSaeEval(sae: Command): void {
  const cmd = sae
    .command("eval")
    .description("evaluate a trained SAE inside its recommender on the run's validation and test users")
    .requiredOption("--run <dir>", "model run directory")
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option(
      "--k <n>",
      "cut-off of the hit metric and nDCG (default: the run's protocol, HR@10 leave-one-out, else Recall_trunc@20)",
      positiveIntArg,
    )
    .option("--json", "print the metrics as JSON");
  addDataDirOption(cmd);
  cmd.action(async (o: { run: string; sae?: string; k?: number; json?: boolean; dataDir?: string }) => {
    const ctx = await openRunFromCli(o.run, o);
    const r = evaluateSaeOnRun(ctx, o.sae, o.k);
    if (o.json) {
      console.log(JSON.stringify({ run: o.run, sae: r.saeDir, metrics: r.metrics }, null, 2));
      return;
    }
    console.log(`run ${o.run}  sae ${r.saeDir}  (${ctx.model.name}, ${ctx.dataset.name})`);
    console.log(
      saeMetricsTable(
        r.metrics,
        ["val", "test", "train"].filter((p) => Object.keys(r.metrics).some((k) => k.startsWith(`${p}/`))),
        r.protocol.k,
        r.protocol.hitMetric,
      ),
    );
  });
}
