import type { Command } from "commander";
import type { LoadOptions } from "../data/load.js";
import { openModelRun, type ModelRunContext } from "../pipeline/run-context.js";
import type { SaeSettings, SaeSettingsInput } from "../pipeline/sae-settings.js";
import { choiceArg, countArg, numberArg, positiveIntArg } from "./args.js";

/** Adds `--data-dir` (where the run's dataset is reloaded from, if it moved). */
export function addDataDirOption(cmd: Command): Command {
  return cmd.option("--data-dir <dir>", "folder of fetched datasets, if it moved since training");
}

/** Opens a model run for a command, honouring `--data-dir`. */
export function openRunFromCli(dir: string, o: { dataDir?: string }): Promise<ModelRunContext> {
  const load: LoadOptions | undefined = o.dataDir ? { dataDir: o.dataDir } : undefined;
  return openModelRun(dir, load ? { load } : {});
}

/** Parsed training flags shared by `sae train` and `sae sweep`. */
export interface SaeTrainingFlags {
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  auxk?: number;
  l1?: number;
  prediction?: number;
  predictionItems?: number;
  normalisation?: SaeSettings["normalisation"];
  init?: SaeSettings["init"];
  auxkRescale?: SaeSettings["auxkRescale"];
  patience?: number;
  deadAfter?: number;
}

/** Adds the training flags shared by `sae train` and `sae sweep` (defaults live in SaeSettingsSchema). */
export function addSaeTrainingOptions(cmd: Command): Command {
  return cmd
    .option(
      "--epochs <n>",
      "most training epochs; early stopping usually ends sooner (default 100)",
      positiveIntArg,
    )
    .option("--lr <x>", "Adam learning rate (default 1e-3)", numberArg)
    .option("--batch-size <n>", "rows per mini-batch (default 256)", positiveIntArg)
    .option("--seed <n>", "seed of initialisation and shuffling (default: the run's seed, else 42)", countArg)
    .option("--auxk <w>", "AuxK dead-latent loss weight, 0 disables (default 1/32; 0 for relu)", numberArg)
    .option(
      "--auxk-rescale <kind>",
      "AuxK reconstruction: least-squares (scaled to its best fit of the residual, at most 1; default) or none (as published)",
      choiceArg(["least-squares", "none"] as const),
    )
    .option(
      "--init <kind>",
      "dictionary initialisation: data (atoms start at training rows plus noise, default) or random",
      choiceArg(["data", "random"] as const),
    )
    .option("--l1 <w>", "L1 sparsity weight (default 0; 1e-2 for relu)", numberArg)
    .option(
      "--prediction <w>",
      "prediction-aware loss weight (needs elsa or mf), 0 disables (default 0)",
      numberArg,
    )
    .option(
      "--prediction-items <n>",
      "items sampled per batch by the prediction-aware loss (default 256)",
      positiveIntArg,
    )
    .option(
      "--normalisation <kind>",
      "input normalisation: per-sample (default), dataset, none",
      choiceArg(["none", "per-sample", "dataset"] as const),
    )
    .option(
      "--patience <n>",
      "early stopping: epochs without a lower validation loss, 0 disables (default 3)",
      countArg,
    )
    .option(
      "--dead-after <n>",
      "samples without firing before a latent counts as dead (default min(10000, rows))",
      positiveIntArg,
    );
}

/** The SAE settings given by the shared training flags (unset flags left to the defaults). */
export function trainingSettings(o: SaeTrainingFlags): SaeSettingsInput {
  const out: Record<string, unknown> = {};
  for (const key of [
    "epochs",
    "lr",
    "batchSize",
    "seed",
    "auxk",
    "l1",
    "prediction",
    "predictionItems",
    "normalisation",
    "init",
    "auxkRescale",
    "patience",
    "deadAfter",
  ] as const)
    if (o[key] !== undefined) out[key] = o[key];
  return out as SaeSettingsInput;
}

/** Formats a number for tables: integers as is, else 4 decimals (exponent form when tiny or huge). */
export function fmtNumber(v: number | undefined): string {
  if (v === undefined) return "-";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4);
}

/** Left-aligns the first column and right-aligns the others of a text table. */
export function textTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => (c === 0 || c === r.length - 1 ? v.padEnd(widths[c]) : v.padStart(widths[c])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
