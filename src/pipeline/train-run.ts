import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadDatasetWithReport, type LoadOptions } from "../data/load.js";
import { metricCutoff, type RankingReport } from "../eval/ranking.js";
import {
  createManifest,
  dataFingerprint,
  manifestData,
  readManifest,
  runLayout,
  writeManifest,
  type Manifest,
} from "../store/manifest.js";
import { BadInput } from "../errors.js";
import { Rng } from "../tensor/rng.js";
import { finishModelOut, modelCheckpoint, prepareModelOut, type ModelOutOptions } from "./model-out.js";
import { evaluateHeldOut, heldOutValidation } from "../models/evaluate.js";
import { createModel, loadModel } from "../models/index.js";
import { attachIntentLibrary } from "./saerec-intents.js";
import {
  resolveSplitSettings,
  splitForRun,
  splitSettingsOf,
  type SplitInput,
  type SplitSettings,
} from "./run-split.js";
import type { FitProgress, FitReport, Recommender } from "../models/types.js";

/** Everything `trainRun` needs. */
export interface TrainRunOptions {
  /** Dataset reference (registered name, recbole:/csv: prefix, or path) and how to load it. */
  readonly data: string;
  readonly load?: LoadOptions;
  readonly model: string;
  /** Raw hyperparameters (validated by the model's schema; defaults applied). */
  readonly modelConfig?: unknown;
  readonly seed: number;
  /** How to split (default: held-out users 0.1 / 0.1 with 0.8 fold-in). */
  readonly split?: SplitInput;
  /** Early stopping: epochs without improvement of the validation metric (default 5). */
  readonly patience?: number;
  /**
   * The validation metric early stopping watches (default: the split's, nDCG@10 for leave-one-out,
   * else nDCG@20): `ndcg@K`, `hr@K`, `recall@K`, `recall_trunc@K` or `precision@K`.
   */
  readonly stopMetric?: string;
  /** Cut-offs reported (default [10, 20, 50]). */
  readonly ks?: readonly number[];
  /** Run directory to write (manifest.json + model/). */
  readonly out: string;
  /** SAERec only: intent library directory (src/intents/), stored with the model and recorded in the manifest. */
  readonly intents?: string;
  readonly onProgress?: (p: FitProgress) => void;
}

/** trainRun options plus --force / --resume / checkpoint notifications (see model-out.ts). */
export type TrainRunOptionsWithOut = TrainRunOptions & ModelOutOptions;

/** What `trainRun` returns. */
export interface TrainRunResult {
  readonly model: Recommender;
  readonly fit: FitReport;
  /** Absent when the split has no validation users (leave-k-out with valK 0): no early stopping then. */
  readonly validation?: RankingReport;
  readonly test: RankingReport;
  readonly manifest: Manifest;
}

/** Flattens a ranking report into "prefix/metric" and "prefix/metric/se" entries. */
export function flattenReport(prefix: string, r: RankingReport): Record<string, number> {
  const out: Record<string, number> = { [`${prefix}/users`]: r.users };
  for (const [k, v] of Object.entries(r.metrics)) {
    out[`${prefix}/${k}`] = v.mean;
    out[`${prefix}/${k}/se`] = v.stderr;
  }
  for (const [k, v] of Object.entries(r.catalogue)) out[`${prefix}/${k}`] = v;
  return out;
}

/** Per split kind: the metric early stopping watches, the default cut-offs and whether MRR is computed. */
export function protocolOf(split: SplitSettings): {
  earlyStopping: string;
  ks: readonly number[];
  fullRanking: boolean;
} {
  // Leave-one-out follows the sequential-recommendation convention: HR/NDCG@5/10/20 and MRR over
  // the full ranking, early stopping on NDCG@10.
  if (split.kind === "leaveOneOut") return { earlyStopping: "ndcg@10", ks: [5, 10, 20], fullRanking: true };
  return { earlyStopping: "ndcg@20", ks: [10, 20, 50], fullRanking: false };
}

/**
 * The dataset reference as a run records it: a relative file or folder path (alone or after a
 * format prefix such as `csv:`) made absolute, so the run reopens from any working directory;
 * registered names are kept as they are.
 */
export function absoluteDataRef(ref: string): string {
  if (existsSync(ref)) return resolve(ref);
  const m = /^([a-z0-9-]+):(.+)$/.exec(ref);
  return m && existsSync(m[2]) ? `${m[1]}:${resolve(m[2])}` : ref;
}

/**
 * Loads and splits the data (held-out users: fold-in 80% / target 20% of each validation and test
 * user; or leave-k-out: every user trains, k items per user to find), trains the model on the
 * training rows with early stopping on the validation part's nDCG@20, evaluates validation and test,
 * and writes the run directory: `model/` and `manifest.json` (config, data fingerprint, seed,
 * metrics, versions). Refuses a directory holding an SAE or labels of an earlier model, or an
 * interrupted training, unless `force` (prepareModelOut); checkpoints every epoch into
 * `<out>/checkpoint` (removed once the model is saved) and continues from it with `resume`.
 */
export async function trainRun(o: TrainRunOptionsWithOut): Promise<TrainRunResult> {
  if (o.stopMetric !== undefined && metricCutoff(o.stopMetric) === null)
    throw new BadInput(
      `stop metric "${o.stopMetric}" is not one of ndcg@K, hr@K, recall@K, recall_trunc@K, precision@K (K a positive integer)`,
      "stopMetric",
    );
  prepareModelOut(o.out, o); // refuses stale dependents / a forgotten checkpoint unless --force/--resume
  const loaded = await loadDatasetWithReport(o.data, o.load ?? {});
  const dataset = loaded.dataset;
  const split = resolveSplitSettings(o.seed, o.split);
  const parts = splitForRun(dataset, split);
  if (parts.test.users.length === 0)
    throw new Error(
      `${dataset.name}: the ${split.kind} split leaves no test users (too few interactions per user?)`,
    );
  const model = createModel(o.model, o.modelConfig ?? {});
  const intents = o.intents ? attachIntentLibrary(model, o.intents, dataset) : undefined;
  const protocol = protocolOf(split);
  const stopMetric = o.stopMetric ?? protocol.earlyStopping;
  const patience = o.patience ?? 5;
  const hasValidation = parts.validation.users.length > 0;
  const identity = {
    model: o.model,
    config: model.config,
    seed: o.seed,
    split,
    patience,
    ...(o.stopMetric ? { stopMetric } : {}),
    ...(intents ? { intents: intents.dir } : {}),
  };
  const dataHash = dataFingerprint(dataset.matrix);
  const fit = await model.fit(parts.train, {
    checkpoint: modelCheckpoint(o.out, { ...identity, data: dataHash }, o),
    rng: new Rng(o.seed),
    ...(parts.trainSequences ? { sequences: parts.trainSequences } : {}),
    ...(hasValidation ? { validation: heldOutValidation(parts.validation, stopMetric, patience) } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const ks = o.ks ?? protocol.ks;
  const evalOpts = { ks, fullRanking: protocol.fullRanking };
  const validation = hasValidation ? evaluateHeldOut(model, parts.validation, evalOpts) : undefined;
  const test = evaluateHeldOut(model, parts.test, evalOpts);
  const layout = runLayout(o.out);
  model.save(layout.model);
  finishModelOut(o.out);
  const manifest = createManifest({
    kind: "model",
    seed: o.seed,
    config: {
      model: o.model,
      modelConfig: model.config,
      ...(intents ? { intents } : {}),
      data: { ref: absoluteDataRef(o.data), load: o.load ?? {} },
      split,
      training: hasValidation ? { earlyStopping: `val/${stopMetric}`, patience } : { earlyStopping: null },
      ks,
    },
    data: manifestData(dataset, dataHash),
    metrics: {
      "fit/seconds": fit.seconds,
      "fit/epochs": fit.epochsRun,
      "fit/bestEpoch": fit.bestEpoch,
      "fit/finalLoss": fit.losses[fit.losses.length - 1],
      ...(validation ? flattenReport("val", validation) : {}),
      ...flattenReport("test", test),
    },
  });
  writeManifest(o.out, manifest);
  return { model, fit, validation, test, manifest };
}

/** Result of re-evaluating a saved run. */
export interface EvalRunResult {
  readonly manifest: Manifest;
  readonly model: Recommender;
  readonly validation?: RankingReport;
  readonly test: RankingReport;
}

/**
 * Re-evaluates a run directory: reloads the data exactly as recorded in its manifest (failing if
 * the data fingerprint changed), rebuilds the same split, loads the saved model and scores the
 * validation and test users at the given cut-offs.
 */
export async function evaluateRun(
  dir: string,
  opts: { ks?: readonly number[]; load?: LoadOptions } = {},
): Promise<EvalRunResult> {
  const manifest = readManifest(dir);
  const where = runLayout(dir).manifest;
  const cfg = manifest.config as { data?: { ref?: unknown; load?: unknown } };
  const ref = cfg.data?.ref;
  if (typeof ref !== "string") throw new Error(`${where}: config.data.ref is missing; not a model run?`);
  const settings = splitSettingsOf(manifest, where);
  const load = { ...((cfg.data?.load ?? {}) as LoadOptions), ...opts.load };
  const dataset = (await loadDatasetWithReport(ref, load)).dataset;
  const hash = dataFingerprint(dataset.matrix);
  if (hash !== manifest.data.hash) {
    throw new Error(
      `${dir}: the data "${ref}" no longer matches the run (fingerprint ${hash.slice(0, 12)} vs ${manifest.data.hash.slice(0, 12)})`,
    );
  }
  const parts = splitForRun(dataset, settings);
  const model = loadModel(runLayout(dir).model);
  const protocol = protocolOf(settings);
  const ks = opts.ks ?? (settings.kind === "leaveOneOut" ? protocol.ks : [10, 20, 50, 100]);
  const evalOpts = { ks, fullRanking: protocol.fullRanking };
  return {
    manifest,
    model,
    ...(parts.validation.users.length > 0
      ? { validation: evaluateHeldOut(model, parts.validation, evalOpts) }
      : {}),
    test: evaluateHeldOut(model, parts.test, evalOpts),
  };
}
