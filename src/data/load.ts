import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { cacheKey, readDatasetCache, writeDatasetCache } from "./cache.js";
import { loaderFor, type DatasetLoader, type LoaderOptions } from "./loaders/index.js";
import type { RawDataset } from "./loaders/raw.js";
import { resolveProcessOptions, type ProcessOptionsInput } from "./options.js";
import { processRaw, type Processed } from "./process.js";
import { defaultCacheDir, defaultDataDir, registeredDataset, registeredDatasets } from "./registry.js";
import type { Dataset } from "./types.js";

/** Options of {@link loadDataset}. */
export interface LoadOptions {
  /** Folder holding fetched datasets (default: RECLENS_DATA_DIR or ~/.cache/reclens/data). */
  dataDir?: string;
  /** Folder for processed caches (default: RECLENS_CACHE_DIR or ~/.cache/reclens/processed). */
  cacheDir?: string;
  /** Read and write the processed cache (default true). */
  cache?: boolean;
  /** Force a format instead of detecting it (a loader format key or alias). */
  format?: string;
  loader?: LoaderOptions;
  process?: ProcessOptionsInput;
}

/** A loaded dataset with its processing report and where it came from. */
export interface LoadResult extends Processed {
  /** Whether it came from the cache rather than the source files. */
  readonly cacheHit: boolean;
  /** Cache file used or written (null with cache off). */
  readonly cachePath: string | null;
  /** Source path (folder or file). */
  readonly path: string;
  /** Loader format key ("cache" for a .rlds file loaded directly). */
  readonly format: string;
}

/** A dataset reference resolved to a path, a loader and a display name. */
export interface ResolvedSource {
  readonly path: string;
  readonly loader: DatasetLoader;
  readonly name?: string;
}

/**
 * Resolves a dataset reference: a registered name (looked up in the data folder, at its
 * `localPath` when it has one), `<format>:<path>` (recbole, csv, s3rec, lcrec), a folder or file path (format detected from its files), or a folder name inside
 * the data folder.
 */
export function resolveSource(nameOrPath: string, opts: LoadOptions = {}): ResolvedSource {
  const dataDir = opts.dataDir ?? defaultDataDir();
  const prefixed = /^(recbole|csv|s3rec|lcrec):(.+)$/.exec(nameOrPath);
  if (prefixed) {
    const path = resolve(prefixed[2]);
    return { path, loader: loaderFor(prefixed[1], path) };
  }
  const reg = registeredDataset(nameOrPath);
  if (reg && !existsSync(nameOrPath)) {
    const path = join(dataDir, reg.localPath ?? reg.name);
    if (!existsSync(path)) {
      throw new Error(
        reg.archive
          ? `dataset ${reg.name} is not in ${dataDir}: run \`reclens data fetch ${reg.name}\` or pass --data-dir`
          : `dataset ${reg.name} is not at ${path}: copy its files there (no download is registered) or pass --data-dir`,
      );
    }
    return { path, loader: loaderFor(opts.format ?? reg.format, path), name: reg.name };
  }
  const candidates = [nameOrPath, join(dataDir, nameOrPath)];
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    const names = registeredDatasets()
      .map((d) => d.name)
      .join(", ");
    throw new Error(
      `no dataset "${nameOrPath}": not a registered name (${names}), not a path, not in ${dataDir}`,
    );
  }
  return { path: resolve(path), loader: loaderFor(opts.format, resolve(path)) };
}

/** Reads a source with its loader, without processing (e.g. to inspect metadata of an incomplete folder). */
export async function loadRawDataset(nameOrPath: string, opts: LoadOptions = {}): Promise<RawDataset> {
  const src = resolveSource(nameOrPath, opts);
  return src.loader.load(src.path, { ...(src.name ? { name: src.name } : {}), ...opts.loader });
}

/**
 * Loads and processes a dataset, using the binary cache when a valid entry exists (keyed by the
 * source files' fingerprints, the format and all options) and writing one otherwise. A path to a
 * `.rlds` file (a cache file, e.g. written by `data synth`) is read as it is.
 */
export async function loadDatasetWithReport(nameOrPath: string, opts: LoadOptions = {}): Promise<LoadResult> {
  if (nameOrPath.endsWith(".rlds") && existsSync(nameOrPath)) {
    const cached = await readDatasetCache(nameOrPath);
    if (!cached)
      throw new Error(
        `${nameOrPath} is not a readable reclens dataset file (damaged or another cache version)`,
      );
    return {
      ...cached,
      cacheHit: true,
      cachePath: resolve(nameOrPath),
      path: resolve(nameOrPath),
      format: "cache",
    };
  }
  const src = resolveSource(nameOrPath, opts);
  const loaderOpts: LoaderOptions = {
    ...(src.name ? { name: src.name } : {}),
    ...opts.loader,
    skipInteractions: false,
  };
  const processOpts = resolveProcessOptions(opts.process);
  const useCache = opts.cache ?? true;
  let cachePath: string | null = null;
  let key = "";
  if (useCache) {
    const files = src.loader.files(src.path, loaderOpts);
    if (files.missing.length === 0) {
      key = await cacheKey(src.loader.format, files.read, { loader: loaderOpts, process: processOpts });
      const label = (loaderOpts.name ?? src.path.split(/[\\/]/).filter(Boolean).pop() ?? "dataset").replace(
        /[^A-Za-z0-9._-]+/g,
        "_",
      );
      cachePath = join(opts.cacheDir ?? defaultCacheDir(), `${label}-${key.slice(0, 16)}.rlds`);
      const hit = await readDatasetCache(cachePath, key);
      if (hit) return { ...hit, cacheHit: true, cachePath, path: src.path, format: src.loader.format };
    }
  }
  const raw = await src.loader.load(src.path, loaderOpts);
  const processed = processRaw(raw, processOpts);
  if (cachePath) await writeDatasetCache(cachePath, processed, key);
  return { ...processed, cacheHit: false, cachePath, path: src.path, format: src.loader.format };
}

/** Loads and processes a dataset by registered name or path (see {@link loadDatasetWithReport}). */
export async function loadDataset(nameOrPath: string, opts: LoadOptions = {}): Promise<Dataset> {
  return (await loadDatasetWithReport(nameOrPath, opts)).dataset;
}
