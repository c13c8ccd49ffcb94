import { join } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { saeMetricsTable } from "../pipeline/sae-metrics.js";
import type { SaeSettingsInput } from "../pipeline/sae-settings.js";
import { trainSaeOnEmbeddings, trainSaeOnRun, type SaeRunResult } from "../pipeline/sae-run.js";
import { trainSaeOnShards } from "../pipeline/sae-stream.js";
import type { EpochSummary } from "../sae/trainer.js";
import {
  addDataDirOption,
  addSaeTrainingOptions,
  openRunFromCli,
  trainingSettings,
  type SaeTrainingFlags,
} from "./pipeline-options.js";
import { numberArg, positiveIntArg } from "./args.js";
import { rerunCommand, withInterruptMessage } from "./interrupt.js";

interface SaeTrainCliOptions extends SaeTrainingFlags {
  run?: string;
  embeddings?: string;
  shards?: string;
  bufferRows?: number;
  column?: string;
  tensor?: string;
  valFraction?: number;
  arch: string;
  k?: number;
  expansion?: number;
  loss?: string;
  out?: string;
  dataDir?: string;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
  resume?: boolean;
}

/** Per-epoch progress on stderr when no live progress line is drawn (not a TTY). */
export function epochLine(e: EpochSummary): string {
  return (
    `epoch ${e.epoch}  loss ${e.loss.toPrecision(5)}${e.valLoss !== undefined ? `  val ${e.valLoss.toPrecision(5)}${e.best ? " *" : ""}` : ""}` +
    `  L0 ${e.l0.toFixed(1)}  dead ${(100 * e.deadFraction).toFixed(1)}%  ${e.seconds.toFixed(1)}s\n`
  );
}

/** Progress options of the trainer for a CLI invocation. */
export function progressOptions(quiet: boolean | undefined): {
  progress: "auto" | "never";
  onEpoch?: (e: EpochSummary) => void;
} {
  if (quiet) return { progress: "never" };
  return process.stderr.isTTY
    ? { progress: "auto" }
    : { progress: "never", onEpoch: (e) => process.stderr.write(epochLine(e)) };
}

function printResult(r: SaeRunResult, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(r.manifest, null, 2));
    return;
  }
  const c = r.fitted.config;
  const t = r.fitted.training;
  console.log(`sae        ${r.dir}`);
  console.log(
    `arch       ${c.architecture}  dIn ${c.dIn}  dSae ${c.dSae}${c.k !== undefined ? `  k ${c.k}` : ""}  normalisation ${c.normalisation}`,
  );
  console.log(
    `training   ${t.epochs.length} epochs${t.bestEpoch !== null ? ` (best ${t.bestEpoch}${t.stoppedEarly ? ", stopped early" : ""})` : ""} in ${r.fitted.seconds.toFixed(1)}s`,
  );
  const prefixes = ["val", "test", "train"].filter((p) =>
    Object.keys(r.metrics).some((k) => k.startsWith(`${p}/`) && k !== `${p}/loss`),
  );
  const nested = (r.manifest.config as { nested?: { k?: number; hitMetric?: "recall_trunc" | "hr" } }).nested;
  console.log(saeMetricsTable(r.metrics, prefixes, nested?.k ?? 20, nested?.hitMetric ?? "recall_trunc"));
}

/**
 * `reclens sae train`: trains a sparse autoencoder on a model run's probing site (`--run`) or on
 * embeddings from a file (`--embeddings`), with early stopping on the validation loss, and writes
 * cfg.json, sae_weights.safetensors, manifest.json, training.json and firing-rates.svg.
 */
export function registerSaeTrain(sae: Command): void {
  const cmd = sae
    .command("train")
    .description(
      "train a sparse autoencoder on a model run's user representations or on embeddings from a file",
    )
    .option("--run <dir>", "model run directory written by `reclens train`")
    .option(
      "--embeddings <file>",
      "embeddings of a model outside reclens: .npy, .safetensors, .csv or .parquet",
    )
    .option(
      "--shards <dir|glob>",
      "stream sharded .npy (float32) / .parquet embeddings larger than memory (a directory or e.g. 'emb/part-*.npy')",
    )
    .option(
      "--buffer-rows <n>",
      "--shards: shuffle-buffer rows, the memory bound (default 262144)",
      positiveIntArg,
    )
    .option("--column <name>", "--shards: the Parquet list<float> column (default: the only one)")
    .option("--tensor <name>", "safetensors: the tensor to read (default: the first 2-D tensor)")
    .option(
      "--val-fraction <f>",
      "--embeddings: share of rows held out for validation (default 0.1)",
      numberArg,
    )
    .option("--arch <name>", "architecture: topk, batchtopk, relu, matryoshka", "topk")
    .option(
      "--k <n>",
      "active latents per row (topk family; default about dIn/16, at most 32)",
      positiveIntArg,
    )
    .option("--expansion <x>", "latents per input dimension (default 8)", numberArg)
    .option(
      "--loss <spec>",
      'reconstruction loss: l2, cosine, fvu, or a combination like "l2+cosine:0.5" (default l2)',
    )
    .option("--out <dir>", "SAE directory to write (default <run>/sae; required with --embeddings)")
    .option("--json", "print the SAE manifest as JSON")
    .option("--quiet", "no progress output")
    .option("--force", "train even though the SAE directory has labels of the old SAE (they are deleted)")
    .option("--resume", "continue the interrupted SAE training checkpointed in <sae>/checkpoint");
  addSaeTrainingOptions(cmd);
  addDataDirOption(cmd);
  cmd.action(async (o: SaeTrainCliOptions) => {
    if ([o.run, o.embeddings, o.shards].filter((v) => v !== undefined).length !== 1)
      throw new InvalidArgumentError(
        "give exactly one of --run <dir> or --embeddings <file> (or --shards <dir|glob>)",
      );
    const settings = {
      ...trainingSettings(o),
      architecture: o.arch,
      ...(o.k !== undefined ? { k: o.k } : {}),
      ...(o.expansion !== undefined ? { expansion: o.expansion } : {}),
      ...(o.loss !== undefined ? { loss: o.loss } : {}),
    };
    let saved: number | undefined;
    const progress = {
      ...progressOptions(o.quiet || o.json),
      ...(o.force ? { force: true } : {}),
      ...(o.resume ? { resume: true } : {}),
      onCheckpoint: (epoch: number) => (saved = epoch),
    };
    const where = o.out ?? (o.run !== undefined ? join(o.run, "sae") : "the SAE directory");
    const interrupted = (): string =>
      saved !== undefined
        ? `reclens sae train: interrupted; the checkpoint of epoch ${saved} is kept in ${join(where, "checkpoint")}. ` +
          `Resume with: ${rerunCommand(["--resume"], ["--force"])}`
        : `reclens sae train: interrupted before the first epoch finished; nothing was kept`;
    await withInterruptMessage(interrupted, () => run(o, settings, progress));
  });
}

/** Progress, --force/--resume and checkpoint notifications handed to the SAE services. */
type RunFlags = ReturnType<typeof progressOptions> & {
  force?: boolean;
  resume?: boolean;
  onCheckpoint: (epoch: number) => void;
};

async function run(o: SaeTrainCliOptions, settings: SaeSettingsInput, flags: RunFlags): Promise<void> {
  let r: SaeRunResult;
  if (o.shards !== undefined) {
    if (!o.out) throw new InvalidArgumentError("--out <dir> is required with --shards");
    if (o.resume)
      throw new InvalidArgumentError("--resume is not supported with --shards (no checkpoints yet)");
    r = await trainSaeOnShards(o.shards, settings, {
      out: o.out,
      ...flags,
      ...(o.bufferRows !== undefined ? { bufferRows: o.bufferRows } : {}),
      ...(o.column !== undefined ? { column: o.column } : {}),
    });
  } else if (o.embeddings !== undefined) {
    if (!o.out) throw new InvalidArgumentError("--out <dir> is required with --embeddings");
    r = await trainSaeOnEmbeddings(o.embeddings, settings, {
      out: o.out,
      ...flags,
      ...(o.tensor !== undefined ? { import: { tensor: o.tensor } } : {}),
      ...(o.valFraction !== undefined ? { valFraction: o.valFraction } : {}),
    });
  } else {
    if (o.tensor !== undefined || o.valFraction !== undefined)
      throw new InvalidArgumentError("--tensor and --val-fraction only apply with --embeddings");
    const ctx = await openRunFromCli(o.run as string, o);
    r = await trainSaeOnRun(ctx, settings, { ...flags, ...(o.out ? { out: o.out } : {}) });
  }
  printResult(r, o.json);
}
