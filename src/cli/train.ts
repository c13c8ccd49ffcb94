import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { modelFactory, modelNames } from "../models/index.js";
import { trainRun } from "../models/runs.js";
import { addLoadOptions, toLoadOptions, type LoadCliOptions } from "./data-options.js";
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

interface TrainCliOptions extends LoadCliOptions {
  model: string;
  set: string[];
  config?: string;
  out: string;
  seed: number;
  valFraction?: number;
  testFraction?: number;
  foldIn?: number;
  patience: number;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `reclens train <dataset> --model <name> --out <run>`: held-out-users split, training with early
 * stopping on validation nDCG@20, test evaluation, and a run directory (manifest.json + model/).
 */
export function registerTrain(program: Command): void {
  const cmd = program
    .command("train")
    .description("train a recommender on a dataset and write a run directory (model + manifest)")
    .argument("<dataset>", "registered name, recbole:<path>, csv:<path>, or a folder/file path")
    .requiredOption("--model <name>", `recommender: ${modelNames().join(", ")}`)
    .option(
      "--set <key=value>",
      "model hyperparameter (repeatable), e.g. --set dim=64",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--config <file>", "model hyperparameters as a JSON object (--set overrides)")
    .requiredOption("--out <dir>", "run directory to write")
    .option("--seed <n>", "seed of the split, initialisation and sampling", countArg, 42)
    .option("--val-fraction <f>", "share of users held out for validation (default 0.1)", numberArg)
    .option("--test-fraction <f>", "share of users held out for testing (default 0.1)", numberArg)
    .option(
      "--fold-in <f>",
      "share of a held-out user's interactions given as input (default 0.8)",
      numberArg,
    )
    .option("--patience <n>", "early stopping: epochs without validation improvement", countArg, 5)
    .option("--json", "print the manifest as JSON")
    .option("--quiet", "no per-epoch progress");
  addLoadOptions(cmd);
  cmd.action(async (ref: string, o: TrainCliOptions) => {
    modelFactory(o.model); // unknown name: fail before loading data
    const modelConfig = { ...(o.config ? readConfigFile(o.config) : {}), ...parseSettings(o.set) };
    const split = {
      ...(o.valFraction !== undefined ? { valFraction: o.valFraction } : {}),
      ...(o.testFraction !== undefined ? { testFraction: o.testFraction } : {}),
      ...(o.foldIn !== undefined ? { foldInFraction: o.foldIn } : {}),
    };
    const r = await trainRun({
      data: ref,
      load: toLoadOptions(o),
      model: o.model,
      modelConfig,
      seed: o.seed,
      split,
      patience: o.patience,
      out: o.out,
      onProgress: o.quiet
        ? undefined
        : (p) =>
            process.stderr.write(
              `epoch ${p.epoch}/${p.epochs}  loss ${p.loss.toPrecision(5)}` +
                `${p.valScore !== undefined ? `  val ndcg@20 ${p.valScore.toFixed(4)}` : ""}` +
                `  ${fmt(p.elapsedSec)} elapsed, ETA ${fmt(p.etaSec)}\n`,
            ),
    });
    if (o.json) {
      console.log(JSON.stringify(r.manifest, null, 2));
      return;
    }
    const m = r.manifest.metrics;
    const d = r.manifest.data;
    console.log(`run        ${o.out}`);
    console.log(`data       ${d.name}: ${d.users} users, ${d.items} items, ${d.interactions} interactions`);
    console.log(`model      ${o.model} ${JSON.stringify(r.model.config)}`);
    console.log(`training   ${r.fit.epochsRun} epochs (best ${r.fit.bestEpoch}) in ${fmt(r.fit.seconds)}`);
    for (const part of ["val", "test"]) {
      const cols = ["recall@20", "ndcg@20"].map(
        (k) => `${k} ${m[`${part}/${k}`].toFixed(4)} ± ${m[`${part}/${k}/se`].toFixed(4)}`,
      );
      console.log(`${part.padEnd(10)} ${cols.join("   ")}  (${m[`${part}/users`]} users)`);
    }
  });
}
