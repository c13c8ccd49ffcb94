import { existsSync } from "node:fs";
import { csvLoader } from "./csv.js";
import { lastfmLoader } from "./lastfm.js";
import { movielens100kLoader } from "./movielens-100k.js";
import { movielensCsvLoader } from "./movielens-csv.js";
import { movielensDatLoader } from "./movielens-dat.js";
import { isDirectory, listDir } from "./read-records.js";
import { lcrecLoader } from "./lcrec.js";
import { recboleLoader } from "./recbole.js";
import { s3recLoader } from "./s3rec.js";
import type { DatasetLoader } from "./spec.js";

export type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";
export { DataFileMissingError, DataFormatError } from "./errors.js";

/** All loaders, in detection order. */
export const LOADERS: readonly DatasetLoader[] = [
  lastfmLoader,
  movielens100kLoader,
  movielensCsvLoader,
  movielensDatLoader,
  recboleLoader,
  lcrecLoader,
  s3recLoader,
  csvLoader,
];

/** Other names accepted for formats (`data import movielens-1m ...`). */
const ALIASES: Record<string, string> = {
  "ml-latest-small": "ml-csv",
  "ml-latest": "ml-csv",
  "ml-20m": "ml-csv",
  "ml-25m": "ml-csv",
  "ml-10m": "ml-1m",
  "lastfm-2k": "lastfm",
  hetrec: "lastfm",
  tsv: "csv",
  "s3-rec": "s3rec",
  sequences: "s3rec",
  "lc-rec": "lcrec",
};

/** Format keys accepted by {@link loaderFor}, including aliases and "movielens" (auto-detect the release). */
export function formatNames(): string[] {
  return [...LOADERS.map((l) => l.format), "movielens", ...Object.keys(ALIASES)];
}

/**
 * The loader for a format key. "movielens" picks the MovieLens release from the files in `path`;
 * "auto" (or undefined) detects any format.
 */
export function loaderFor(format: string | undefined, path: string): DatasetLoader {
  if (format === undefined || format === "auto") return detectLoader(path);
  const key = ALIASES[format] ?? format;
  if (key === "movielens") {
    const l = detectLoader(path);
    if (!l.format.startsWith("ml-"))
      throw new Error(`${path} does not look like a MovieLens release (detected ${l.format})`);
    return l;
  }
  const l = LOADERS.find((x) => x.format === key);
  if (!l) throw new Error(`unknown data format "${format}" (known: ${formatNames().join(", ")})`);
  return l;
}

/**
 * Detects the format of a directory from its file names, or of a file from its name and first lines
 * (a loader's `detectFile`: S3-Rec sequences, LC-Rec .inter.json, MovieLens ratings*.dat beside
 * movies.dat), else its extension (.inter: RecBole, anything else: generic CSV).
 */
export function detectLoader(path: string): DatasetLoader {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  if (!isDirectory(path)) {
    if (path.endsWith(".inter")) return recboleLoader;
    return LOADERS.find((l) => l.detectFile?.(path)) ?? csvLoader;
  }
  const entries = listDir(path);
  const l = LOADERS.find((x) => x.detect(entries));
  if (!l) {
    throw new Error(
      `cannot tell the data format of ${path} (files: ${entries.join(", ") || "none"}); ` +
        `expected MovieLens (u.data / ratings.dat / ratings.csv / movies.dat), HetRec Last.FM (user_artists.dat), ` +
        `RecBole (*.inter), LC-Rec (*.inter.json + *.item.json) or S3-Rec (<name>.txt + <name>_item2attributes.json; or pass the .txt file)`,
    );
  }
  return l;
}
