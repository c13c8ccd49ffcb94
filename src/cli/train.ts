import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { modelFactory, modelNames } from "../models/index.js";
import { SPLIT_NAMES, type SplitInput } from "../pipeline/run-split.js";
import { trainRun } from "../pipeline/train-run.js";
import type { FitProgress } from "../models/types.js";
import { checkpointDirOf } from "../pipeline/model-out.js";
import { formatDuration, progressTask } from "../store/progress.js";
import { addLoadOptions, toLoadOptions, type LoadCliOptions } from "./data-options.js";
import { rerunCommand, withInterruptMessage } from "./interrupt.js";
import { countArg, numberArg } from "./args.js";

/** Parses repeated `--set key=value` into an object; values are JSON when they parse, else strings. */
export function parseSettings(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`--set expects key=value, got "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a bare string such as loss=bpr
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

function readConfigFile(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: cannot read model config (${(err as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(`${path}: model config must be a JSON object`);
  return raw as Record<string, unknown>;
}

const fmt = (s: number): string => (s >= 90 ? `${(s / 60).toFixed(1)}m` : `${s.toFixed(1)}s`);

/** Parsed options of `reclens train`. */
export interface TrainCliOptions extends LoadCliOptions {
  model?: string;
  dataset?: string;
  split: string;
  k?: number;
  valK?: number;
  order?: string;
  set: string[];
  config?: string;
  out: string;
  seed: number;
  valFraction?: number;
  testFraction?: number;
  foldIn?: number;
  patience: number;
  stopMetric?: string;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
  resume?: boolean;
  intents?: string;
}

/** The split asked for on the command line; options of the other split kind are refused. */
export function splitFromCli(o: TrainCliOptions): SplitInput {
  const kind = SPLIT_NAMES[o.split as keyof typeof SPLIT_NAMES];
  if (!kind)
    throw new InvalidArgumentError(
      `--split must be one of ${Object.keys(SPLIT_NAMES).join(", ")}, got "${o.split}"`,
    );
  const heldOut = {
    "--val-fraction": o.valFraction,
    "--test-fraction": o.testFraction,
    "--fold-in": o.foldIn,
  };
  const leaveK = { "--k": o.k, "--val-k": o.valK, "--order": o.order };
  const foreign =
    kind === "heldOutUsers" ? leaveK : kind === "leaveKOut" ? heldOut : { ...heldOut, ...leaveK };
  const misplaced = Object.entries(foreign).find(([, v]) => v !== undefined);
  if (misplaced) throw new InvalidArgumentError(`${misplaced[0]} does not apply to --split ${o.split}`);
  if (kind === "leaveOneOut") return { kind };
  if (kind === "leaveKOut") {
    if (o.k !== undefined && o.k < 1) throw new InvalidArgumentError(`--k must be at least 1, got ${o.k}`);
    if (o.order !== undefined && o.order !== "random" && o.order !== "recent")
      throw new InvalidArgumentError(`--order must be random or recent, got "${o.order}"`);
    return {
      kind,
      ...(o.k !== undefined ? { k: o.k } : {}),
      ...(o.valK !== undefined ? { valK: o.valK } : {}),
      ...(o.order !== undefined ? { order: o.order as "random" | "recent" } : {}),
    };
  }
  return {
    kind,
    ...(o.valFraction !== undefined ? { valFraction: o.valFraction } : {}),
    ...(o.testFraction !== undefined ? { testFraction: o.testFraction } : {}),
    ...(o.foldIn !== undefined ? { foldInFraction: o.foldIn } : {}),
  };
}

/**
 * Model and dataset from `train <dataset> --model <name>` or `train <model> --dataset <ref>`;
 * exactly one of each, clearly reported otherwise.
 */
export function modelAndDataset(
  positional: string | undefined,
  o: TrainCliOptions,
): { model: string; data: string } {
  if (o.dataset !== undefined) {
    if (o.model !== undefined && positional !== undefined)
      throw new InvalidArgumentError(`give the model once: "${positional}" and --model ${o.model}`);
    const model = o.model ?? positional;
    if (model === undefined)
      throw new InvalidArgumentError(`no model: reclens train <model> --dataset ${o.dataset}`);
    return { model, data: o.dataset };
  }
  if (positional === undefined)
    throw new InvalidArgumentError(
      "no dataset: reclens train <dataset> --model <name> (or <model> --dataset <ref>)",
    );
  if (o.model === undefined)
    throw new InvalidArgumentError(
      `no model: reclens train ${positional} --model <${modelNames().join("|")}>`,
    );
  return { model: o.model, data: positional };
}

/** One epoch's log line: epoch, loss, validation metrics, elapsed time and ETA. */
export function progressLine(p: FitProgress): string {
  const val = p.valMetrics
    ? Object.entries(p.valMetrics)
        .map(([name, v]) => `  val ${name} ${v.toFixed(4)}`)
        .join("")
    : p.valScore !== undefined
      ? `  val ndcg@20 ${p.valScore.toFixed(4)}`
      : "";
  return `epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toPrecision(5)}${val}  ${fmt(p.elapsedSec)} elapsed, ETA ${formatDuration(p.etaSec)}`;
}

/**
 * `reclens train <dataset> --model <name> --out <run>` (or `train <model> --dataset <ref>`): a
 * held-out-users or leave-k-out split, training with early stopping on validation nDCG@20 (progress:
 * epoch, loss, validation Recall@20 and nDCG@20, ETA), test evaluation, and a run directory
 * (manifest.json + model/).
 */
export function registerTrain(program: Command): void {
  const cmd = program
    .command("train")
    .description("train a recommender on a dataset and write a run directory (model + manifest)")
    .argument(
      "[dataset]",
      "registered name, recbole:<path>, csv:<path>, or a folder/file path (or the model, with --dataset)",
    )
    .option("--model <name>", `recommender: ${modelNames().join(", ")}`)
    .option("--dataset <ref>", "the dataset, when the model is given as the argument")
    .option(
      "--set <key=value>",
      "model hyperparameter (repeatable), e.g. --set dim=64",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--config <file>", "model hyperparameters as a JSON object (--set overrides)")
    .requiredOption("--out <dir>", "run directory to write")
    .option("--seed <n>", "seed of the split, initialisation and sampling", countArg, 42)
    .option(
      "--split <kind>",
      "held-out-users (strong generalisation), leave-k-out, or leave-one-out (by time; sequential protocol)",
      "held-out-users",
    )
    .option("--val-fraction <f>", "held-out-users: share of users for validation (default 0.1)", numberArg)
    .option("--test-fraction <f>", "held-out-users: share of users for testing (default 0.1)", numberArg)
    .option(
      "--fold-in <f>",
      "held-out-users: share of a held-out user's interactions given as input (default 0.8)",
      numberArg,
    )
    .option("--k <n>", "leave-k-out: test interactions held out per user (default 5)", countArg)
    .option("--val-k <n>", "leave-k-out: further interactions per user for validation (default k)", countArg)
    .option("--order <order>", "leave-k-out: random (default) or recent (latest by timestamp)")
    .option("--patience <n>", "early stopping: epochs without validation improvement", countArg, 5)
    .option(
      "--stop-metric <metric>",
      "early stopping: validation metric watched, e.g. ndcg@20 (default ndcg@10 for leave-one-out, else ndcg@20)",
    )
    .option("--json", "print the manifest as JSON")
    .option("--quiet", "no per-epoch progress")
    .option("--force", "retrain even though <out> holds an SAE/labels of the old model (they are deleted)")
    .option("--resume", "continue the interrupted training checkpointed in <out>/checkpoint")
    .option("--intents <dir>", "saerec: intent library (reclens intents build), stored with the model");
  addLoadOptions(cmd);
  cmd.action(async (positional: string | undefined, o: TrainCliOptions) => {
    const { model, data } = modelAndDataset(positional, o);
    modelFactory(model); // unknown name: fail before loading data
    const split = splitFromCli(o);
    const modelConfig = { ...(o.config ? readConfigFile(o.config) : {}), ...parseSettings(o.set) };
    const task = progressTask(`train ${model}`, undefined, { mode: o.quiet ? "never" : "auto" });
    let saved: { epoch: number; epochs?: number } | undefined;
    const interrupted = (): string =>
      saved
        ? `reclens train: interrupted; the checkpoint of epoch ${saved.epoch}${saved.epochs ? ` of ${saved.epochs}` : ""} is kept in ${checkpointDirOf(o.out)}. ` +
          `Resume with: ${rerunCommand(["--resume"], ["--force"])}`
        : `reclens train: interrupted before the first epoch finished; nothing was kept in ${o.out}`;
    const r = await withInterruptMessage(interrupted, () =>
      trainRun({
        data,
        load: toLoadOptions(o),
        model,
        modelConfig,
        seed: o.seed,
        split,
        patience: o.patience,
        ...(o.stopMetric ? { stopMetric: o.stopMetric } : {}),
        out: o.out,
        ...(o.force ? { force: true } : {}),
        ...(o.resume ? { resume: true } : {}),
        ...(o.intents ? { intents: o.intents } : {}),
        onCheckpoint: (epoch) => (saved = { epoch, ...(saved?.epochs ? { epochs: saved.epochs } : {}) }),
        onProgress: (p) => {
          saved = saved ? { ...saved, epochs: p.epochs } : saved;
          task.setTotal(p.epochs);
          task.set(p.epoch, `loss ${p.loss.toPrecision(5)}`);
          task.log(progressLine(p));
        },
      }),
    );
    task.finish();
    if (o.json) {
      console.log(JSON.stringify(r.manifest, null, 2));
      return;
    }
    const m = r.manifest.metrics;
    const d = r.manifest.data;
    console.log(`run        ${o.out}`);
    console.log(`data       ${d.name}: ${d.users} users, ${d.items} items, ${d.interactions} interactions`);
    console.log(`split      ${JSON.stringify(r.manifest.config.split)}`);
    console.log(`model      ${model} ${JSON.stringify(r.model.config)}`);
    console.log(`training   ${r.fit.epochsRun} epochs (best ${r.fit.bestEpoch}) in ${fmt(r.fit.seconds)}`);
    // Leave-one-out runs report the sequential protocol's metrics (they compute MRR); others Recall/nDCG@20.
    const shown =
      m["test/mrr"] !== undefined
        ? ["hr@10", "ndcg@10", "hr@20", "ndcg@20", "mrr"]
        : ["recall@20", "recall_trunc@20", "ndcg@20"];
    for (const part of ["val", "test"]) {
      if (m[`${part}/users`] === undefined) continue;
      const cols = shown.map(
        (k) => `${k} ${m[`${part}/${k}`].toFixed(4)} ± ${m[`${part}/${k}/se`].toFixed(4)}`,
      );
      console.log(`${part.padEnd(10)} ${cols.join("   ")}  (${m[`${part}/users`]} users)`);
    }
  });
}
