import type { Command } from "commander";
import { runSaeSweep, sweepMarkdown } from "../pipeline/sweep.js";
import {
  addDataDirOption,
  addSaeTrainingOptions,
  openRunFromCli,
  trainingSettings,
  type SaeTrainingFlags,
} from "./pipeline-options.js";
import { progressOptions } from "./sae-train.js";
import { choiceArg, listArg, numberArg, positiveIntArg } from "./args.js";

interface SweepCliOptions extends SaeTrainingFlags {
  run: string;
  archs: string[];
  k: number[];
  expansion: number[];
  loss: string[];
  out: string;
  x: "l0" | "k";
  dataDir?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `reclens sae sweep`: trains the grid archs x k x expansion x loss on one run and writes
 * sweep.md / sweep.json (sparsity vs quality kept) and sweep.svg (Recall_trunc@20 kept vs L0).
 */
export function registerSaeSweep(sae: Command): void {
  const cmd = sae
    .command("sweep")
    .description("train a grid of SAEs on one run and tabulate/plot sparsity against quality kept")
    .requiredOption("--run <dir>", "model run directory")
    .option("--archs <list>", "architectures, comma-separated", listArg(String), ["topk"])
    .option("--k <list>", "k values, comma-separated (ignored by relu)", listArg(positiveIntArg), [8, 16, 32])
    .option("--expansion <list>", "expansion factors, comma-separated", listArg(numberArg), [4, 8])
    .option("--loss <list>", "loss specs, comma-separated (e.g. l2,cosine)", listArg(String), ["l2"])
    .requiredOption("--out <dir>", "directory for the SAEs and the sweep table/plot")
    .option("--x <axis>", "x axis of sweep.svg: l0 (measured) or k", choiceArg(["l0", "k"] as const), "l0")
    .option("--json", "print the points as JSON")
    .option("--quiet", "no progress output");
  addSaeTrainingOptions(cmd);
  addDataDirOption(cmd);
  cmd.action(async (o: SweepCliOptions) => {
    const ctx = await openRunFromCli(o.run, o);
    const progress = progressOptions(true);
    const r = await runSaeSweep(
      ctx,
      { archs: o.archs, ks: o.k, expansions: o.expansion, losses: o.loss },
      trainingSettings(o),
      {
        out: o.out,
        plotX: o.x,
        progress: progress.progress,
        ...(o.quiet || o.json
          ? {}
          : {
              onPoint: (p, i, n) =>
                process.stderr.write(
                  `[${i + 1}/${n}] ${p.name}: L0 ${p.l0.toFixed(1)}  recall kept ${p.recallKept?.toFixed(4) ?? "-"}  FVE ${p.fve.toFixed(4)}  ${p.seconds.toFixed(1)}s\n`,
                ),
            }),
      },
    );
    if (o.json) {
      console.log(JSON.stringify(r.points, null, 2));
      return;
    }
    process.stdout.write(sweepMarkdown(r.points));
    console.log(`wrote ${r.files.markdown}, ${r.files.json}, ${r.files.svg}`);
  });
}
