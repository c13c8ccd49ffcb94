import { homedir } from "node:os";
import { join } from "node:path";

/** Where `data fetch` downloads an archive from, and what it must hash to. */
export interface ArchiveSpec {
  /** Path below the base URL, e.g. "movielens/ml-100k.zip". */
  readonly path: string;
  /** Pinned SHA-256 of the archive; null means unknown, and fetch then refuses unless verification is turned off. */
  readonly sha256: string | null;
  /** MD5 published by GroupLens next to the archive (checked too when known). */
  readonly md5?: string;
  /** Archive size in bytes, when known (for the progress bar before the server says). */
  readonly bytes?: number;
}

/** A dataset known by name. */
export interface RegisteredDataset {
  readonly name: string;
  /** Loader format key. */
  readonly format: string;
  readonly description: string;
  /** Where `data fetch` downloads it; absent for datasets that must be placed in the data folder by hand. */
  readonly archive?: ArchiveSpec;
  /** Path inside the data folder (a folder or a file) when it is not `<name>`, e.g. "amazon-s3rec/Beauty.txt". */
  readonly localPath?: string;
  /** Terms of use, shown by fetch. */
  readonly terms: string;
}

/** Official download host; override with --base-url or RECLENS_DATA_BASE_URL (tests serve fixtures from 127.0.0.1). */
export const DEFAULT_BASE_URL = "https://files.grouplens.org/datasets";

const GROUPLENS_TERMS =
  "MovieLens data: research use, no redistribution; cite Harper & Konstan 2015 (ACM TiiS 5(4)).";

const AMAZON_TERMS =
  "Amazon review data: research use only; cite McAuley et al. SIGIR 2015 / Ni et al. EMNLP 2019 and the preprocessing (S3-Rec, LC-Rec).";

/** S3-Rec's preprocessed sequence files (no public archive with a pinned hash: place them in the data folder). */
const S3REC_DATASETS: readonly RegisteredDataset[] = [
  [
    "beauty",
    "Beauty",
    "Amazon Beauty 2014 5-core (S3-Rec): 22,363 users, 12,101 items, 198,502 interactions in time order; titles, categories, brands, prices from Beauty_datamaps.json + Amazon_Beauty.item",
  ],
  [
    "sports",
    "Sports_and_Outdoors",
    "Amazon Sports and Outdoors 2014 5-core (S3-Rec): 35,598 users, 18,357 items, 296,337 interactions in time order; no item text",
  ],
  [
    "toys",
    "Toys_and_Games",
    "Amazon Toys and Games 2014 5-core (S3-Rec): 19,412 users, 11,924 items, 167,597 interactions in time order; no item text",
  ],
  [
    "yelp",
    "Yelp",
    "Yelp (S3-Rec): 30,431 users, 20,033 items, 316,354 events in time order (11,830 repeats of an item within a user's sequence dropped); no item text",
  ],
].map(([name, stem, description]) => ({
  name,
  format: "s3rec",
  description,
  localPath: `amazon-s3rec/${stem}.txt`,
  terms: name === "yelp" ? "Yelp Open Dataset terms: academic, non-commercial use." : AMAZON_TERMS,
}));

/*
 * SHA-256 provenance: GroupLens publishes only MD5 files (<archive>.md5), not SHA-256. The SHA-256
 * values below were not computed here (no network access to GroupLens from this workspace); each
 * was found pinned identically in several independent public projects' download code and docs
 * (e.g. OmniRec's data loaders, and separate reproducibility write-ups), and where GroupLens
 * publishes an MD5 it is pinned too and checked as well, so a download must match both.
 */
const DATASETS: readonly RegisteredDataset[] = [
  {
    name: "ml-100k",
    format: "ml-100k",
    description: "MovieLens 100K: 100,000 ratings, 943 users, 1,682 movies, genres (1998)",
    archive: {
      path: "movielens/ml-100k.zip",
      sha256: "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
      md5: "0e33842e24a9c977be4e0107933c0723",
      bytes: 4924029,
    },
    terms: GROUPLENS_TERMS,
  },
  {
    name: "ml-1m",
    format: "ml-1m",
    description: "MovieLens 1M: 1,000,209 ratings, 6,040 users, 3,900 movies, genres (2003)",
    archive: {
      path: "movielens/ml-1m.zip",
      sha256: "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
      md5: "c4d9eecfca2ab87c1945afe126590906",
    },
    terms: GROUPLENS_TERMS,
  },
  {
    name: "ml-latest-small",
    format: "ml-csv",
    description:
      "MovieLens latest-small: ~100,000 ratings and ~3,600 tags, 610 users, 9,700 movies (2018 release)",
    archive: {
      path: "movielens/ml-latest-small.zip",
      sha256: "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
      bytes: 978202,
    },
    terms: GROUPLENS_TERMS,
  },
  {
    name: "ml-20m",
    format: "ml-csv",
    description: "MovieLens 20M: 20,000,263 ratings, 138,493 users, 27,278 movies, 465,564 tags",
    archive: {
      path: "movielens/ml-20m.zip",
      sha256: "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3",
      md5: "cd245b17a1ae2cc31bb14903e1204af3",
      bytes: 198702078,
    },
    terms: GROUPLENS_TERMS,
  },
  {
    name: "ml-25m",
    format: "ml-csv",
    description: "MovieLens 25M: 25,000,095 ratings, 162,541 users, 62,423 movies, 1,093,360 tags",
    archive: {
      path: "movielens/ml-25m.zip",
      sha256: "8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa",
      md5: "6b51fb2759a8657d3bfcbfc42b592ada",
      bytes: 261978986,
    },
    terms: GROUPLENS_TERMS,
  },
  {
    name: "lastfm-2k",
    format: "lastfm",
    description:
      "HetRec 2011 Last.FM: 92,834 user-artist play counts, 1,892 users, 17,632 artists, user tags",
    archive: {
      path: "hetrec2011/hetrec2011-lastfm-2k.zip",
      sha256: "6738f48195667ff03caaab4d32ca9a3133d8cc026b7c3cdaf6ce1010e913c59c",
    },
    terms: "HetRec 2011 Last.FM: non-commercial research use; cite Cantador et al., HetRec 2011.",
  },
  ...S3REC_DATASETS,
  {
    name: "scientific",
    format: "lcrec",
    description:
      "Amazon 2018 Industrial & Scientific (LC-Rec JSON): 8,317 users, 4,344 items, 58,492 interactions in time order; titles, descriptions, brands, categories",
    localPath: "amazon-scientific-lcrec",
    terms: AMAZON_TERMS,
  },
];

/** Every registered dataset, in a stable order. */
export function registeredDatasets(): readonly RegisteredDataset[] {
  return DATASETS;
}

/** The registered dataset called `name`, if any. */
export function registeredDataset(name: string): RegisteredDataset | undefined {
  return DATASETS.find((d) => d.name === name);
}

/** Raw data folder: RECLENS_DATA_DIR, else ~/.cache/reclens/data. */
export function defaultDataDir(): string {
  return process.env.RECLENS_DATA_DIR || join(homedir(), ".cache", "reclens", "data");
}

/** Processed-dataset cache folder: RECLENS_CACHE_DIR, else ~/.cache/reclens/processed. */
export function defaultCacheDir(): string {
  return process.env.RECLENS_CACHE_DIR || join(homedir(), ".cache", "reclens", "processed");
}

/** Download base URL: RECLENS_DATA_BASE_URL, else the GroupLens server. */
export function defaultBaseUrl(): string {
  return process.env.RECLENS_DATA_BASE_URL || DEFAULT_BASE_URL;
}
