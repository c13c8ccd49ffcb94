import { existsSync } from "node:fs";
import { join } from "node:path";
import { Conflict } from "../errors.js";
import { readDatasetCache } from "../data/cache.js";
import { loadDatasetWithReport, type LoadOptions } from "../data/load.js";
import type { Dataset } from "../data/types.js";
import { loadModel } from "../models/index.js";
import { splitForRun, splitSettingsOf, type RunSplit, type SplitSettings } from "./run-split.js";
import type { Recommender } from "../models/types.js";
import {
  dataFingerprint,
  readManifest,
  runLayout,
  type Manifest,
  type RunLayout,
} from "../store/manifest.js";

/** File name of a processed dataset stored inside a run directory (data/cache.ts format), if any. */
export const RUN_DATASET_FILE = "dataset.rlds";

/**
 * A model run opened for the later stages: its manifest, the data (fingerprint checked), the
 * split rebuilt exactly as `trainRun` made it (held-out users or leave-k-out), and the fitted model.
 */
export interface ModelRunContext {
  readonly dir: string;
  readonly layout: RunLayout;
  readonly manifest: Manifest;
  readonly dataset: Dataset;
  readonly splitSettings: SplitSettings;
  readonly split: RunSplit;
  readonly model: Recommender;
  /** Row of the model's training matrix for each dataset user, -1 for held-out users. */
  readonly modelUserIds: Int32Array;
}

/** Options of {@link openModelRun}. */
export interface OpenRunOptions {
  /** Overrides of how the data are reloaded (e.g. another dataDir), merged over the manifest's. */
  readonly load?: LoadOptions;
}

async function runDataset(dir: string, manifest: Manifest, load: LoadOptions | undefined): Promise<Dataset> {
  const mpath = runLayout(dir).manifest;
  const stored = join(dir, RUN_DATASET_FILE);
  let dataset: Dataset;
  if (existsSync(stored)) {
    const processed = await readDatasetCache(stored);
    if (!processed)
      throw new Error(`${stored}: not a readable reclens dataset (damaged or another cache version)`);
    dataset = processed.dataset;
  } else {
    const data = (manifest.config as { data?: { ref?: unknown; load?: unknown } }).data;
    if (typeof data?.ref !== "string")
      throw new Error(`${mpath}: config.data.ref is missing; not a model run?`);
    dataset = (await loadDatasetWithReport(data.ref, { ...((data.load ?? {}) as LoadOptions), ...load }))
      .dataset;
  }
  const hash = dataFingerprint(dataset.matrix);
  if (hash !== manifest.data.hash)
    throw new Conflict(
      `${dir}: the data no longer match ${mpath} (fingerprint ${hash.slice(0, 12)} vs ${manifest.data.hash.slice(0, 12)})`,
    );
  return dataset;
}

/** Builds a context from parts already in memory (e.g. right after `trainRun`, as `reclens demo` does). */
export function modelRunContext(
  dir: string,
  manifest: Manifest,
  dataset: Dataset,
  model: Recommender,
): ModelRunContext {
  const layout = runLayout(dir);
  const splitSettings = splitSettingsOf(manifest, layout.manifest);
  const split = splitForRun(dataset, splitSettings);
  if (model.nItems !== dataset.items.length)
    throw new RangeError(
      `${layout.model}: the model has ${model.nItems} items, the data ${dataset.items.length}`,
    );
  const modelUserIds = new Int32Array(dataset.users.length).fill(-1);
  split.trainUsers.forEach((u, r) => (modelUserIds[u] = r));
  return { dir, layout, manifest, dataset, splitSettings, split, model, modelUserIds };
}

/**
 * Opens a model run directory written by `trainRun`: reads manifest.json, reloads the data
 * (`<run>/dataset.rlds` when present, else the manifest's data reference; the fingerprint must
 * match), rebuilds the split from the recorded seed and settings, and loads model/.
 */
export async function openModelRun(dir: string, opts: OpenRunOptions = {}): Promise<ModelRunContext> {
  const manifest = readManifest(dir);
  splitSettingsOf(manifest, runLayout(dir).manifest);
  const dataset = await runDataset(dir, manifest, opts.load);
  const model = loadModel(runLayout(dir).model);
  return modelRunContext(dir, manifest, dataset, model);
}
