import { basename, join, relative, resolve } from "node:path";
import { evaluateSae } from "../sae/evaluate.js";
import { saeConfigToJson, saveSae } from "../sae/io.js";
import type { FrozenScorer, LossConfig } from "../sae/losses/types.js";
import { SparseAutoencoder } from "../sae/model.js";
import type { ProgressStream } from "../sae/progress.js";
import { trainSae, type EpochSummary, type SaeCheckpointSettings, type TrainReport } from "../sae/trainer.js";
import { batchesPerEpoch, shuffledBatches } from "../sae/batches.js";
import type { SaeConfig } from "../sae/types.js";
import { writeFileAtomic } from "../store/atomic.js";
import { removeCheckpoint } from "../store/checkpoint.js";
import { createManifest, readManifest, writeManifest, type Manifest } from "../store/manifest.js";
import type { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { importEmbeddings, type EmbeddingsImportOptions } from "./embeddings-import.js";
import { encodePart, saeTrainingRows, type SaeRowSource } from "./representations.js";
import type { ModelRunContext } from "./run-context.js";
import { prepareSaeOut, saeCheckpoint, saeLineage, type SaeOutOptions } from "./sae-lineage.js";
import { conceptsDirOf } from "./sae-ref.js";
import { firingRateSvg } from "../plot/firing-rates.js";
import { evaluateNestedMetrics, firingRates } from "./sae-metrics.js";
import { nestedProtocolOf } from "./sae-protocol.js";
import {
  buildLossConfig,
  buildSaeConfig,
  deadAfterOf,
  isScaleFree,
  modelScorer,
  resolveSaeSettings,
  type SaeSettings,
  type SaeSettingsInput,
} from "./sae-settings.js";

/** File names written into an SAE directory besides cfg.json and sae.safetensors. */
export const SAE_RUN_FILES = {
  manifest: "manifest.json",
  training: "training.json",
  firing: "firing-rates.svg",
} as const;

/** Rows an SAE is trained on and, optionally, validated on (early stopping on the validation loss). */
export interface SaeTrainingData {
  readonly train: Matrix;
  readonly validation?: Matrix;
  /** What the training rows of a model run are (see representations.ts saeTrainingRows). */
  readonly composition?: {
    readonly source: SaeRowSource;
    readonly users: number;
    readonly items: number;
    readonly positions: number;
  };
}

/** Progress and extras of {@link fitSae}. */
export interface FitSaeOptions {
  /** Frozen scorer for the prediction-aware loss (required when settings.prediction > 0). */
  readonly scorer?: FrozenScorer;
  /** Live progress line (default "auto": on a TTY outside CI). */
  readonly progress?: "auto" | "always" | "never";
  readonly stream?: ProgressStream;
  /** Called after every epoch. */
  readonly onEpoch?: (e: EpochSummary) => void;
  /** Periodic checkpoints / resume of the training (see sae-lineage.ts saeCheckpoint). */
  readonly state?: SaeCheckpointSettings;
}

/** A trained SAE with the configuration it was built from and its training report. */
export interface FittedSae {
  readonly sae: SparseAutoencoder;
  readonly config: SaeConfig;
  readonly losses: LossConfig;
  readonly training: TrainReport;
  readonly seconds: number;
}

/**
 * Builds the SAE of the settings for the data's width, initialises it on the training rows and trains
 * it with Adam on shuffled mini-batches; with validation rows, the validation loss (inference
 * activation) drives early stopping (`patience`) and the best epoch's weights are kept.
 */
export async function fitSae(
  data: SaeTrainingData,
  settings: SaeSettings,
  opts: FitSaeOptions = {},
): Promise<FittedSae> {
  const started = Date.now();
  const config = buildSaeConfig(settings, data.train.cols);
  const losses = buildLossConfig(settings, data.train.rows, opts.scorer);
  const sae = new SparseAutoencoder(config, settings.seed);
  sae.initialise(data.train, { atoms: settings.init, seed: settings.seed, matchScale: isScaleFree(losses) });
  const validation = data.validation && data.validation.rows > 0 ? data.validation : undefined;
  const training = await trainSae(
    sae,
    shuffledBatches(data.train, settings.batchSize, settings.seed),
    losses,
    {
      epochs: settings.epochs,
      lr: settings.lr,
      seed: settings.seed,
      patience: validation ? settings.patience : 0,
      stepsPerEpoch: batchesPerEpoch(data.train.rows, settings.batchSize), // progress total and ETA from step 1
      deadAfter: deadAfterOf(settings, data.train.rows),
      progress: opts.progress ?? "auto",
    },
    {
      ...(validation ? { evaluate: (s) => evaluateSae(s, validation, losses, 1024, settings.seed) } : {}),
      ...(opts.onEpoch ? { checkpoint: (_s, e) => opts.onEpoch?.(e) } : {}),
      ...(opts.stream ? { stream: opts.stream } : {}),
      ...(opts.state ? { state: opts.state } : {}),
    },
  );
  return { sae, config, losses, training, seconds: (Date.now() - started) / 1000 };
}

/** Metrics of the training itself: epochs, best epoch, seconds, final loss, best validation loss. */
function trainingMetrics(f: FittedSae): Record<string, number> {
  const last = f.training.epochs[f.training.epochs.length - 1];
  return {
    "train/epochs": f.training.epochs.length,
    "train/seconds": f.seconds,
    "train/loss": last.loss,
    "train/l0": last.l0,
    ...(f.training.bestEpoch !== null ? { "train/bestEpoch": f.training.bestEpoch } : {}),
    ...(f.training.bestValLoss !== null ? { "val/loss": f.training.bestValLoss } : {}),
  };
}

function writeSaeDir(out: string, f: FittedSae, firing: Float64Array, what: string): void {
  saveSae(f.sae, out);
  writeFileAtomic(join(out, SAE_RUN_FILES.firing), firingRateSvg(firing, what));
  writeFileAtomic(
    join(out, SAE_RUN_FILES.training),
    `${JSON.stringify({ epochs: f.training.epochs, stoppedEarly: f.training.stoppedEarly }, null, 2)}\n`,
  );
}

function deadShare(rates: Float64Array): number {
  let dead = 0;
  for (const r of rates) if (r === 0) dead++;
  return rates.length === 0 ? 0 : dead / rates.length;
}

/** Options of {@link trainSaeOnRun}. */
export interface SaeRunOptions extends Omit<FitSaeOptions, "scorer" | "state">, SaeOutOptions {
  /** SAE directory to write (default `<run>/sae`). */
  readonly out?: string;
  /** Precomputed representations (a sweep encodes the users once). */
  readonly data?: SaeTrainingData;
  /**
   * Record the SAE in the run's own manifest.json (config.sae and "sae/..." metrics). Default: when
   * `out` is the run's sae/ directory.
   */
  readonly updateRunManifest?: boolean;
  /** Cut-off of the nested hit metric and nDCG (default: the run's protocol, 10 leave-one-out, else 20). */
  readonly k?: number;
}

/** What {@link trainSaeOnRun} and {@link trainSaeOnEmbeddings} produce. */
export interface SaeRunResult {
  readonly dir: string;
  readonly fitted: FittedSae;
  /** Flat metrics as written to the SAE's manifest.json. */
  readonly metrics: Record<string, number>;
  readonly manifest: Manifest;
}

/**
 * The SAE training data of a model run: the rows of `saeTrainingRows` (every position of the
 * training sequences for sequential models, users and items for two-tower models, training users
 * otherwise) and the probing-site representations of the validation users (fold-in, ids and
 * sequences as the part carries them), if any.
 */
export function runSaeData(ctx: ModelRunContext): SaeTrainingData {
  const { rows, ...composition } = saeTrainingRows(ctx.model, ctx.split);
  const val = ctx.split.validation;
  return val.foldIn.rows > 0
    ? { train: rows, validation: encodePart(ctx.model, val), composition }
    : { train: rows, composition };
}

/** How the training rows are described in the firing-rate chart. */
function rowsDescription(data: SaeTrainingData): string {
  const c = data.composition;
  if (c?.source === "positions") return "training sequence positions";
  if (c?.source === "users+items") return "training users and items";
  return "training users";
}

/**
 * `reclens sae train --run`: trains an SAE on the probing-site representations of the run (RecSAE's
 * rows, see {@link runSaeData}; validation users for early stopping), evaluates the nested model on
 * the validation and test users under the run's protocol (Recall_trunc@20, or HR@10 on leave-one-out
 * runs, and nDCG kept, RBO, Kendall tau, cosine, FVE, MSE, L0, dead fraction) and writes
 * `<out>/cfg.json`, the SAE weights (sae/io.ts), `manifest.json` (kind "sae"), `training.json` and
 * `firing-rates.svg`; by default also records the SAE in the run's manifest.
 */
export async function trainSaeOnRun(
  ctx: ModelRunContext,
  input: SaeSettingsInput,
  opts: SaeRunOptions = {},
): Promise<SaeRunResult> {
  const settings = resolveSaeSettings({ seed: ctx.manifest.seed, ...input });
  const out = opts.out ?? ctx.layout.sae;
  const rerun = `reclens sae train --run ${ctx.dir}${opts.out ? ` --out ${out}` : ""}`;
  prepareSaeOut(out, conceptsDirOf(ctx.layout, out), rerun, opts); // stale labels / old checkpoint
  const derivedFrom = saeLineage(ctx);
  const state = saeCheckpoint(out, { settings, derivedFrom }, opts);
  const scorer = settings.prediction > 0 ? modelScorer(ctx.model) : undefined;
  const data = opts.data ?? runSaeData(ctx);
  const fitted = await fitSae(data, settings, { ...opts, state, ...(scorer ? { scorer } : {}) });
  const protocol = nestedProtocolOf(ctx.splitSettings, opts.k);
  const firing = firingRates(fitted.sae, data.train);
  const metrics: Record<string, number> = {
    ...trainingMetrics(fitted),
    "train/deadFraction": deadShare(firing),
  };
  for (const [prefix, part] of [
    ["val", ctx.split.validation],
    ["test", ctx.split.test],
  ] as const)
    if (part.foldIn.rows > 0)
      Object.assign(metrics, evaluateNestedMetrics(ctx.model, fitted.sae, part, prefix, protocol).metrics);
  writeSaeDir(out, fitted, firing, rowsDescription(data));
  removeCheckpoint(state.dir);
  const manifest = createManifest({
    kind: "sae",
    seed: settings.seed,
    config: {
      source: "model-run",
      derivedFrom,
      run: relative(resolve(out), resolve(ctx.dir)) || ".",
      model: ctx.model.name,
      probingSite: { dim: ctx.model.dim },
      settings: { ...settings },
      sae: saeConfigToJson(fitted.config),
      data: {
        trainRows: data.train.rows,
        validationRows: data.validation?.rows ?? 0,
        ...(data.composition ? { rows: { ...data.composition } } : {}),
      },
      nested: { ...protocol },
    },
    data: ctx.manifest.data,
    metrics,
  });
  writeManifest(out, manifest);
  if (opts.updateRunManifest ?? resolve(out) === resolve(ctx.layout.sae))
    recordInRunManifest(ctx.dir, out, settings, metrics);
  return { dir: out, fitted, metrics, manifest };
}

/** Adds config.sae and "sae/..." metrics to a model run's manifest.json (atomically). */
export function recordInRunManifest(
  runDir: string,
  saeDir: string,
  settings: SaeSettings,
  metrics: Record<string, number>,
): void {
  const m = readManifest(runDir);
  const kept = Object.fromEntries(Object.entries(m.metrics).filter(([key]) => !key.startsWith("sae/")));
  for (const [key, v] of Object.entries(metrics)) kept[`sae/${key}`] = v;
  writeManifest(runDir, {
    ...m,
    config: {
      ...m.config,
      sae: { dir: relative(resolve(runDir), resolve(saeDir)), settings: { ...settings } },
    },
    metrics: kept,
  });
}

/** Options of {@link trainSaeOnEmbeddings}. */
export interface EmbeddingsSaeOptions extends Omit<FitSaeOptions, "scorer" | "state">, SaeOutOptions {
  /** SAE directory to write. */
  readonly out: string;
  readonly import?: EmbeddingsImportOptions;
  /** Share of rows held out (seeded) for early stopping and the reported metrics (default 0.1). */
  readonly valFraction?: number;
}

/**
 * The settings of an SAE trained on bare embeddings (`source`: the CLI's input option, for the
 * rerun hint), with its output directory `opts.out` prepared; --prediction is refused (no decoder).
 */
export function embeddingsSaeSettings(
  input: SaeSettingsInput,
  source: string,
  opts: SaeOutOptions & { readonly out: string },
): SaeSettings {
  const settings = resolveSaeSettings(input);
  if (settings.prediction > 0)
    throw new Error("--prediction needs a recommender (--run); embeddings carry no decoder");
  prepareSaeOut(opts.out, join(opts.out, "concepts"), `reclens sae train ${source} --out ${opts.out}`, opts);
  return settings;
}

/**
 * `reclens sae train --embeddings`: trains an SAE on embeddings of a model outside reclens (.npy,
 * safetensors, CSV), holding out a seeded share of rows for early stopping; reports FVE, MSE,
 * cosine, L0 and dead fraction on those rows ("val/...") and writes the same SAE directory as
 * {@link trainSaeOnRun} (no nested metrics: there is no recommender to nest it in).
 */
export async function trainSaeOnEmbeddings(
  file: string,
  input: SaeSettingsInput,
  opts: EmbeddingsSaeOptions,
): Promise<SaeRunResult> {
  const settings = embeddingsSaeSettings(input, `--embeddings ${file}`, opts);
  const emb = await importEmbeddings(file, opts.import);
  const valFraction = opts.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1))
    throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const order = new Rng(settings.seed).permutation(emb.matrix.rows);
  const nVal = Math.min(emb.matrix.rows - 1, Math.round(valFraction * emb.matrix.rows));
  const validation = nVal > 0 ? emb.matrix.gatherRows(order.subarray(0, nVal)) : undefined;
  const train = emb.matrix.gatherRows(order.subarray(nVal));
  const state = saeCheckpoint(opts.out, { settings, embeddings: emb.hash, valFraction }, opts);
  const fitted = await fitSae(validation ? { train, validation } : { train }, settings, { ...opts, state });
  const firing = firingRates(fitted.sae, emb.matrix);
  const ev = evaluateSae(fitted.sae, validation ?? train, fitted.losses, 1024, settings.seed);
  const where = validation ? "val" : "train";
  const metrics: Record<string, number> = {
    ...trainingMetrics(fitted),
    [`${where}/rows`]: (validation ?? train).rows,
  };
  for (const [key, v] of Object.entries(ev.metrics ?? {})) metrics[`${where}/${key}`] = v;
  metrics["all/deadFraction"] = deadShare(firing);
  writeSaeDir(opts.out, fitted, firing, "all embedding rows");
  removeCheckpoint(state.dir);
  const manifest = createManifest({
    kind: "sae",
    seed: settings.seed,
    config: {
      source: "embeddings",
      embeddings: { file: resolve(file), format: emb.format, ...(emb.tensor ? { tensor: emb.tensor } : {}) },
      settings: { ...settings },
      sae: saeConfigToJson(fitted.config),
      data: { trainRows: train.rows, validationRows: validation?.rows ?? 0 },
    },
    data: {
      name: basename(file),
      source: resolve(file),
      hash: emb.hash,
      users: emb.matrix.rows,
      items: 0,
      interactions: 0,
    },
    metrics,
  });
  writeManifest(opts.out, manifest);
  return { dir: opts.out, fitted, metrics, manifest };
}
