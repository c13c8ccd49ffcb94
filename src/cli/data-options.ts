import type { Command } from "commander";
import type { ColumnRef, CsvColumnsOptions, EmptyTimePolicy } from "../data/loaders/csv.js";
import type { LoadOptions } from "../data/load.js";
import type { ValueKind } from "../data/loaders/raw.js";
import type { TextEncoding } from "../data/loaders/text-lines.js";
import type { ProcessOptionsInput } from "../data/options.js";
import { choiceArg, countArg, numberArg } from "./args.js";

/** Parsed values of the options added by {@link addLoadOptions} and {@link addCsvOptions}. */
export interface LoadCliOptions {
  dataDir?: string;
  cacheDir?: string;
  cache?: boolean;
  encoding?: TextEncoding;
  threshold?: number;
  countThreshold?: number;
  keepValues?: boolean;
  minUser?: number;
  minItem?: number;
  kCore?: boolean;
  maxTags?: number;
  maxTagsPerItem?: number;
  minTagItems?: number;
  popularityBuckets?: number;
  name?: string;
  delimiter?: string;
  header?: boolean;
  userCol?: ColumnRef;
  itemCol?: ColumnRef;
  ratingCol?: ColumnRef;
  rating?: boolean;
  timeCol?: ColumnRef;
  valueKind?: ValueKind;
  emptyTime?: EmptyTimePolicy;
  ratingsFile?: string;
}

function columnArg(v: string): ColumnRef {
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** Adds data folder, cache and processing options (binarisation, filters, tag vocabulary). */
export function addLoadOptions(cmd: Command): Command {
  return cmd
    .option(
      "--data-dir <dir>",
      "folder of fetched datasets (default: $RECLENS_DATA_DIR or ~/.cache/reclens/data)",
    )
    .option(
      "--cache-dir <dir>",
      "folder of processed caches (default: $RECLENS_CACHE_DIR or ~/.cache/reclens/processed)",
    )
    .option("--no-cache", "neither read nor write the processed cache")
    .option(
      "--encoding <enc>",
      "text encoding: auto, utf8, latin1",
      choiceArg(["auto", "utf8", "latin1"] as const),
    )
    .option("--threshold <r>", "keep ratings >= r (default 4)", numberArg)
    .option("--count-threshold <c>", "keep play counts > c (default 0)", numberArg)
    .option("--keep-values", "store ratings/counts in the matrix instead of 1")
    .option("--min-user <n>", "drop users with fewer interactions", countArg)
    .option("--min-item <n>", "drop items with fewer interactions", countArg)
    .option("--k-core", "repeat the user/item filters until both hold")
    .option("--max-tags <n>", "tag vocabulary size (default 1000)", countArg)
    .option("--max-tags-per-item <n>", "keep each item's n most applied tags (default 20, 0 = all)", countArg)
    .option("--min-tag-items <n>", "a tag must be on at least n items (default 2)", countArg)
    .option("--popularity-buckets <n>", "popularity quantile buckets (default 5)", countArg)
    .option("--name <name>", "dataset display name")
    .option(
      "--ratings-file <file>",
      "MovieLens 1M folder: ratings file to read (e.g. ratings.users-0001-2999.dat, time-ordered users 1-2999)",
    );
}

/** Adds the column-layout options of generic CSV/TSV files. */
export function addCsvOptions(cmd: Command): Command {
  return cmd
    .option("--delimiter <d>", "field separator (default: detected; use \\t for tab)")
    .option("--header", "the first line names the columns (default: detected)")
    .option("--no-header", "the first line is data")
    .option("--user-col <col>", "user column: header name or 0-based index", columnArg)
    .option("--item-col <col>", "item column: header name or 0-based index", columnArg)
    .option("--rating-col <col>", "rating/count column: header name or 0-based index", columnArg)
    .option("--no-rating", "no value column (implicit feedback)")
    .option("--time-col <col>", "timestamp column: header name or 0-based index", columnArg)
    .option(
      "--value-kind <kind>",
      "rating, count or implicit",
      choiceArg(["rating", "count", "implicit"] as const),
    )
    .option(
      "--empty-time <policy>",
      "empty timestamp cells: drop-timestamps (keep rows, no timestamps; default), skip-rows or error",
      choiceArg(["drop-timestamps", "skip-rows", "error"] as const),
    );
}

/** Converts parsed CLI options into {@link LoadOptions} (undefined values leave the defaults). */
export function toLoadOptions(o: LoadCliOptions, format?: string): LoadOptions {
  const proc: ProcessOptionsInput = {};
  if (o.threshold !== undefined) proc.ratingThreshold = o.threshold;
  if (o.countThreshold !== undefined) proc.countThreshold = o.countThreshold;
  if (o.keepValues) proc.keepValues = true;
  if (o.minUser !== undefined) proc.minUserInteractions = o.minUser;
  if (o.minItem !== undefined) proc.minItemInteractions = o.minItem;
  if (o.kCore) proc.kCore = true;
  if (o.maxTags !== undefined) proc.maxTags = o.maxTags;
  if (o.maxTagsPerItem !== undefined) proc.maxTagsPerItem = o.maxTagsPerItem;
  if (o.minTagItems !== undefined) proc.minTagItems = o.minTagItems;
  if (o.popularityBuckets !== undefined) proc.popularityBuckets = o.popularityBuckets;
  const csv: CsvColumnsOptions = {};
  if (o.delimiter !== undefined)
    csv.delimiter = o.delimiter === "\\t" || o.delimiter === "tab" ? "\t" : o.delimiter;
  if (o.header !== undefined) csv.header = o.header;
  if (o.userCol !== undefined) csv.user = o.userCol;
  if (o.itemCol !== undefined) csv.item = o.itemCol;
  if (o.ratingCol !== undefined) csv.rating = o.ratingCol;
  if (o.rating === false) csv.rating = null;
  if (o.timeCol !== undefined) csv.timestamp = o.timeCol;
  if (o.valueKind !== undefined) csv.valueKind = o.valueKind;
  if (o.emptyTime !== undefined) csv.emptyTime = o.emptyTime;
  return {
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
    cache: o.cache !== false,
    ...(format ? { format } : {}),
    loader: {
      ...(o.encoding ? { encoding: o.encoding } : {}),
      ...(o.name ? { name: o.name } : {}),
      ...(o.ratingsFile ? { ratingsFile: o.ratingsFile } : {}),
      ...(Object.keys(csv).length ? { csv } : {}),
    },
    process: proc,
  };
}
