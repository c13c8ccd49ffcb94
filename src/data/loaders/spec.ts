import type { RawDataset } from "./raw.js";
import type { TextEncoding } from "./text-lines.js";
import type { CsvColumnsOptions, RecboleOptions } from "./options.js";

/** Options every loader accepts (format-specific ones are ignored by the others). */
export interface LoaderOptions {
  /** Text encoding of the source files; "auto" (default) reads UTF-8 and falls back to latin-1 per line. */
  encoding?: TextEncoding;
  /** Read only item metadata (used by `data info` on folders whose interaction file is missing). */
  skipInteractions?: boolean;
  /** Display name of the dataset (defaults to the folder or file name). */
  name?: string;
  /** Column layout of a generic CSV/TSV file. */
  csv?: CsvColumnsOptions;
  /**
   * MovieLens 1M folders: the ratings file to read inside the folder instead of ratings.dat /
   * ratings.reconstructed.csv (e.g. "ratings.users-0001-2999.dat", time-ordered users 1-2999).
   */
  ratingsFile?: string;
  /** Field names of RecBole atomic files. */
  recbole?: RecboleOptions;
}

/** Which source files a load would read. */
export interface SourceFiles {
  /** Files that exist and will be read (absolute paths). */
  readonly read: string[];
  /** Required files that are absent (bare names). */
  readonly missing: string[];
}

/** One on-disk format: how to recognise it, which files it reads and how to read them. */
export interface DatasetLoader {
  /** Format key, e.g. "ml-100k", "ml-csv", "lastfm", "recbole", "csv". */
  readonly format: string;
  /** One line for help texts. */
  readonly description: string;
  /** Whether a directory with these file names holds this format. */
  detect(entries: string[]): boolean;
  /** Whether a single file (not a folder) holds this format, from its name or first lines. */
  detectFile?(path: string): boolean;
  /** Source files for `path` (a directory, or a file for single-file formats). */
  files(path: string, opts: LoaderOptions): SourceFiles;
  /** Reads `path`; throws DataFileMissingError / DataFormatError on bad input. */
  load(path: string, opts: LoaderOptions): Promise<RawDataset>;
}
