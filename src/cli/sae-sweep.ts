import type { Command } from "commander";
import { RECSAE_GRID, runSaeSweep, sweepMarkdown, type SweepGrid } from "../pipeline/sweep.js";
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
  archs?: string[];
  k?: number[];
  expansion?: number[];
  loss?: string[];
  preset?: "recsae";
  out: string;
  x: "l0" | "k";
  cutoff?: number;
  dataDir?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The grid of the defaults (topk; k 8, 16, 32; expansion 4, 8; l2). */
const DEFAULT_GRID: SweepGrid = { archs: ["topk"], ks: [8, 16, 32], expansions: [4, 8], losses: ["l2"] };

/** The sweep grid of the flags: the preset's (or the defaults) with any list given overriding it. */
export function sweepGridOf(
  o: Pick<SweepCliOptions, "archs" | "k" | "expansion" | "loss" | "preset">,
): SweepGrid {
  const base = o.preset === "recsae" ? RECSAE_GRID : DEFAULT_GRID;
  return {
    archs: o.archs ?? base.archs,
    ks: o.k ?? base.ks,
    expansions: o.expansion ?? base.expansions,
    losses: o.loss ?? base.losses,
  };
}

/**
 * `reclens sae sweep`: trains the grid archs x k x expansion x loss on one run and writes
 * sweep.md / sweep.json (sparsity vs quality kept) and sweep.svg (quality kept vs L0: Recall_trunc@20,
 * or HR@10 on leave-one-out runs). `--preset recsae` is RecSAE's grid (topk, k 4-32, width 16x).
 */
export function registerSaeSweep(sae: Command): void {
  const cmd = sae
    .command("sweep")
    .description("train a grid of SAEs on one run and tabulate/plot sparsity against quality kept")
    .requiredOption("--run <dir>", "model run directory")
    .option(
      "--preset <name>",
      "grid preset: recsae (topk, k 4,8,16,32, expansion 16)",
      choiceArg(["recsae"] as const),
    )
    .option("--archs <list>", "architectures, comma-separated (default topk)", listArg(String))
    .option(
      "--k <list>",
      "k values, comma-separated, ignored by relu (default 8,16,32; recsae 4,8,16,32)",
      listArg(positiveIntArg),
    )
    .option(
      "--expansion <list>",
      "expansion factors, comma-separated (default 4,8; recsae 16)",
      listArg(numberArg),
    )
    .option("--loss <list>", "loss specs, comma-separated, e.g. l2,cosine (default l2)", listArg(String))
    .option(
      "--cutoff <n>",
      "cut-off of the nested metrics (default: the run's protocol, 10 leave-one-out, else 20)",
      positiveIntArg,
    )
    .requiredOption("--out <dir>", "directory for the SAEs and the sweep table/plot")
    .option("--x <axis>", "x axis of sweep.svg: l0 (measured) or k", choiceArg(["l0", "k"] as const), "l0")
    .option("--json", "print the points as JSON")
    .option("--quiet", "no progress output");
  addSaeTrainingOptions(cmd);
  addDataDirOption(cmd);
  cmd.action(async (o: SweepCliOptions) => {
    const ctx = await openRunFromCli(o.run, o);
    const progress = progressOptions(true);
    const r = await runSaeSweep(ctx, sweepGridOf(o), trainingSettings(o), {
      out: o.out,
      ...(o.cutoff !== undefined ? { k: o.cutoff } : {}),
      plotX: o.x,
      progress: progress.progress,
      ...(o.quiet || o.json
        ? {}
        : {
            onPoint: (p, i, n) =>
              process.stderr.write(
                `[${i + 1}/${n}] ${p.name}: L0 ${p.l0.toFixed(1)}  ${p.hitMetric} kept ${p.recallKept?.toFixed(4) ?? "-"}  FVE ${p.fve.toFixed(4)}  ${p.seconds.toFixed(1)}s\n`,
              ),
          }),
    });
    if (o.json) {
      console.log(JSON.stringify(r.points, null, 2));
      return;
    }
    process.stdout.write(sweepMarkdown(r.points, r.k));
    console.log(`wrote ${r.files.markdown}, ${r.files.json}, ${r.files.svg}`);
  });
}
