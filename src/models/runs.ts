import { loadDatasetWithReport, type LoadOptions } from "../data/load.js";
import { heldOutUsersSplit, type HeldOutUsersSplit } from "../data/splits/index.js";
import type { Dataset } from "../data/types.js";
import type { RankingReport } from "../eval/ranking.js";
import {
  createManifest,
  dataFingerprint,
  readManifest,
  runLayout,
  writeManifest,
  type Manifest,
} from "../store/manifest.js";
import { Rng } from "../tensor/rng.js";
import { evaluateHeldOut, heldOutValidation } from "./evaluate.js";
import { createModel, loadModel } from "./index.js";
import type { FitProgress, FitReport, Recommender } from "./types.js";

/** How a training run splits the data (held-out users, Liang et al. 2018). */
export interface SplitSettings {
  readonly seed: number;
  readonly valFraction: number;
  readonly testFraction: number;
  readonly foldInFraction: number;
}

/** Everything `trainRun` needs. */
export interface TrainRunOptions {
  /** Dataset reference (registered name, recbole:/csv: prefix, or path) and how to load it. */
  readonly data: string;
  readonly load?: LoadOptions;
  readonly model: string;
  /** Raw hyperparameters (validated by the model's schema; defaults applied). */
  readonly modelConfig?: unknown;
  readonly seed: number;
  readonly split?: Partial<Omit<SplitSettings, "seed">>;
  /** Early stopping on validation nDCG@20: epochs without improvement (default 5). */
  readonly patience?: number;
  /** Cut-offs reported (default [10, 20, 50]). */
  readonly ks?: readonly number[];
  /** Run directory to write (manifest.json + model/). */
  readonly out: string;
  readonly onProgress?: (p: FitProgress) => void;
}

/** What `trainRun` returns. */
export interface TrainRunResult {
  readonly model: Recommender;
  readonly fit: FitReport;
  readonly validation: RankingReport;
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

function splitData(dataset: Dataset, s: SplitSettings): HeldOutUsersSplit {
  return heldOutUsersSplit(dataset, s);
}

/**
 * Loads and splits the data, trains the model on the training users with early stopping on the
 * validation users' nDCG@20, evaluates validation and test users (strong generalisation: fold-in
 * 80% / target 20%), and writes the run directory: `model/` and `manifest.json` (config, data
 * fingerprint, seed, metrics, versions).
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const loaded = await loadDatasetWithReport(o.data, o.load ?? {});
  const dataset = loaded.dataset;
  const split: SplitSettings = {
    seed: o.seed,
    valFraction: o.split?.valFraction ?? 0.1,
    testFraction: o.split?.testFraction ?? 0.1,
    foldInFraction: o.split?.foldInFraction ?? 0.8,
  };
  const parts = splitData(dataset, split);
  const model = createModel(o.model, o.modelConfig ?? {});
  const patience = o.patience ?? 5;
  const fit = await model.fit(parts.train, {
    rng: new Rng(o.seed),
    validation: heldOutValidation(parts.validation, "ndcg@20", patience),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  const ks = o.ks ?? [10, 20, 50];
  const validation = evaluateHeldOut(model, parts.validation, { ks });
  const test = evaluateHeldOut(model, parts.test, { ks });
  const layout = runLayout(o.out);
  model.save(layout.model);
  const manifest = createManifest({
    kind: "model",
    seed: o.seed,
    config: {
      model: o.model,
      modelConfig: model.config,
      data: { ref: o.data, load: o.load ?? {} },
      split: { kind: "heldOutUsers", ...split },
      training: { earlyStopping: "val/ndcg@20", patience },
      ks,
    },
    data: {
      name: dataset.name,
      source: dataset.source,
      hash: dataFingerprint(dataset.matrix),
      users: dataset.matrix.rows,
      items: dataset.matrix.cols,
      interactions: dataset.matrix.nnz,
    },
    metrics: {
      "fit/seconds": fit.seconds,
      "fit/epochs": fit.epochsRun,
      "fit/bestEpoch": fit.bestEpoch,
      "fit/finalLoss": fit.losses[fit.losses.length - 1],
      ...flattenReport("val", validation),
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
  readonly validation: RankingReport;
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
  const cfg = manifest.config as {
    data?: { ref?: unknown; load?: unknown };
    split?: Partial<SplitSettings> & { kind?: unknown };
  };
  const ref = cfg.data?.ref;
  if (typeof ref !== "string")
    throw new Error(`${runLayout(dir).manifest}: config.data.ref is missing; not a model run?`);
  if (cfg.split?.kind !== "heldOutUsers")
    throw new Error(
      `${runLayout(dir).manifest}: config.split.kind is ${JSON.stringify(cfg.split?.kind)}, expected "heldOutUsers"`,
    );
  const load = { ...((cfg.data?.load ?? {}) as LoadOptions), ...opts.load };
  const dataset = (await loadDatasetWithReport(ref, load)).dataset;
  const hash = dataFingerprint(dataset.matrix);
  if (hash !== manifest.data.hash) {
    throw new Error(
      `${dir}: the data "${ref}" no longer matches the run (fingerprint ${hash.slice(0, 12)} vs ${manifest.data.hash.slice(0, 12)})`,
    );
  }
  const parts = splitData(dataset, {
    seed: manifest.seed,
    valFraction: cfg.split.valFraction ?? 0.1,
    testFraction: cfg.split.testFraction ?? 0.1,
    foldInFraction: cfg.split.foldInFraction ?? 0.8,
  });
  const model = loadModel(runLayout(dir).model);
  const ks = opts.ks ?? [10, 20, 50, 100];
  return {
    manifest,
    model,
    validation: evaluateHeldOut(model, parts.validation, { ks }),
    test: evaluateHeldOut(model, parts.test, { ks }),
  };
}
