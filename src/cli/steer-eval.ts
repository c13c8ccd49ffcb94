import type { Command } from "commander";
import { DEFAULT_MIN_SUPPORT } from "../concepts/activations.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { runItemActivations } from "../pipeline/run-labels.js";
import { debiasMarkdown, steerEvalRun, tradeoffMarkdown } from "../pipeline/steer-eval-run.js";
import { operatorsMarkdown } from "../pipeline/steer-operators-run.js";
import { operatorName, type OperatorName } from "../steer/operators.js";
import { addDataDirOption, openRunFromCli } from "./pipeline-options.js";
import { listArg, numberArg, positiveIntArg } from "./args.js";

/**
 * `reclens steer-eval --run <dir>`: accuracy vs steering trade-off with the unique and representative
 * tag -> neuron mappings (HR@10 on leave-one-out runs), the steering operators side by side
 * (--operators, --strengths) and the popularity-debiasing curve; writes tradeoff.json/.md/.svg,
 * tradeoff-kept.svg, operators.json/.md/.svg and debias.json/.md/.svg into <run>/steer/ and the
 * strength calibration into <sae>/steer-calibration.json.
 */
export function registerSteerEval(program: Command): void {
  const cmd = program
    .command("steer-eval")
    .description(
      "measure the accuracy/steering trade-off of boosting concept neurons (table + plot in <run>/steer/)",
    )
    .requiredOption("--run <dir>", "model run directory with an SAE")
    .option("--alphas <list>", "boost strengths in [0, 1], comma-separated", listArg(numberArg))
    .option("--k <n>", "list length (default 10 on leave-one-out runs, else 20)", positiveIntArg)
    .option("--family <kind>", "concept family of the target segments (default genre, else the first)")
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--out <dir>", "output directory (default <run>/steer)")
    .option(
      "--min-support <n>",
      "items a neuron must fire on to be mapped to a tag",
      positiveIntArg,
      DEFAULT_MIN_SUPPORT,
    )
    .option(
      "--operators <list>",
      "operators compared side by side: k2k, shift, knob, rerank, inject (default all; none skips)",
      (v: string): OperatorName[] => (v === "none" ? [] : v.split(",").map((x) => operatorName(x.trim()))),
    )
    .option(
      "--strengths <list>",
      "strengths in [0, 1] of the operator comparison (default 0, 0.1, ..., 1)",
      listArg(numberArg),
    )
    .option(
      "--json",
      "print the trade-off table rows as JSON (the operator comparison is in operators.json)",
    );
  addDataDirOption(cmd);
  cmd.action(
    async (o: {
      run: string;
      alphas?: number[];
      k?: number;
      family?: string;
      sae?: string;
      out?: string;
      json?: boolean;
      dataDir?: string;
      minSupport: number;
      operators?: OperatorName[];
      strengths?: number[];
    }) => {
      const ctx = await openRunFromCli(o.run, o);
      const loaded = loadRunSae(ctx, o.sae);
      const r = steerEvalRun(ctx, loaded, runItemActivations(ctx, loaded), {
        ...(o.k !== undefined ? { k: o.k } : {}),
        minSupport: o.minSupport,
        ...(o.alphas ? { alphas: o.alphas } : {}),
        ...(o.family ? { family: o.family } : {}),
        ...(o.out ? { out: o.out } : {}),
        ...(o.operators ? { operators: o.operators } : {}),
        ...(o.strengths ? { strengths: o.strengths } : {}),
      });
      if (o.json) {
        // the operator comparison's JSON (report per operator, verdict) is operators.json
        console.log(JSON.stringify(r.rows, null, 2));
        return;
      }
      process.stdout.write(tradeoffMarkdown(r.rows, r.report.k, r.family, r.metric));
      console.log(`\nmapped neurons fire on >= ${r.minSupport} items (--min-support)`);
      if (r.operators)
        process.stdout.write(
          `\n${operatorsMarkdown(r.operators.report, r.family, r.operators.verdict, r.metric)}`,
        );
      if (r.debias) process.stdout.write(`\n${debiasMarkdown(r.debias, r.report.k, r.metric)}`);
      console.log(`\nwrote ${Object.values(r.files).join(", ")}`);
    },
  );
}
