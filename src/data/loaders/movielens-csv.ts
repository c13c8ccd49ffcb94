import { basename } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseIntId, parseNumber, requireFields } from "./fields.js";
import { setMovie } from "./movielens-dat.js";
import { InteractionBuffer, ItemMetaTable, tagSkips, type RawDataset } from "./raw.js";
import {
  assertPresent,
  isIdField,
  pick,
  readNumericRecords,
  readRecords,
  requireInteractions,
  sourceFiles,
} from "./read-records.js";
import type { DatasetLoader, LoaderOptions } from "./spec.js";

/**
 * Maps the columns of a MovieLens CSV: with a header row (detected by a non-numeric first field)
 * the named columns are looked up, otherwise the canonical order is assumed. Records may have as
 * many fields as the header names (extra named columns are fine), or the canonical count without
 * a header; more is an error (e.g. two records joined on one line).
 */
class Columns {
  private idx: number[] | null = null;
  private count: number;

  /** `canonical`: the release's number of columns (used without a header). */
  constructor(
    private readonly file: string,
    private readonly names: string[],
    canonical = names.length,
  ) {
    this.count = canonical;
  }

  /** Most fields a record may have: the header's column count, or the canonical count. */
  get maxFields(): number {
    return this.count;
  }

  /** Consumes the header if `fields` is one; returns true when the record was a header. */
  header(fields: string[], line: number): boolean {
    if (this.idx) return false;
    const first = fields[0].trim();
    if (/^\d+$/.test(first)) {
      this.idx = this.names.map((_, k) => k);
      return false;
    }
    const lower = fields.map((f) => f.trim().toLowerCase());
    this.count = fields.length;
    this.idx = this.names.map((n) => {
      const k = lower.indexOf(n.toLowerCase());
      if (k < 0) {
        throw new DataFormatError(
          { file: this.file, line, field: n },
          `header has no "${n}" column (expected ${this.names.join(",")})`,
          fields.join(","),
        );
      }
      return k;
    });
    return true;
  }

  /** Column index of the k-th expected name. */
  at(k: number): number {
    return this.idx ? this.idx[k] : k;
  }

  /** Number of fields a record must have. */
  get width(): number {
    return this.idx ? Math.max(...this.idx) + 1 : this.names.length;
  }
}

/**
 * MovieLens CSV releases (ml-latest-small, ml-20m, ml-25m, ml-latest): ratings.csv
 * (userId,movieId,rating,timestamp), movies.csv (movieId,title,genres; quoted titles with commas),
 * tags.csv (userId,movieId,tag,timestamp). links.csv and the tag genome are not used.
 */
export const movielensCsvLoader: DatasetLoader = {
  format: "ml-csv",
  description: "MovieLens CSV releases: latest-small, 20M, 25M (ratings.csv, movies.csv, tags.csv)",
  detect: (entries) => entries.includes("ratings.csv") && entries.includes("movies.csv"),
  files: (dir) => sourceFiles(dir, ["ratings.csv"], ["movies.csv", "tags.csv"]),
  async load(dir: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(dir, opts);
    assertPresent(this.format, dir, files, opts.skipInteractions);
    const encoding = opts.encoding;
    const fmt = { delim: ",", quoted: true, encoding };
    const buf = new InteractionBuffer("rating", true);
    const ratings = pick(files, "ratings.csv");
    if (ratings && !opts.skipInteractions) {
      const cols = new Columns(ratings, ["userId", "movieId", "rating", "timestamp"]);
      let cu = 0,
        ci = 1,
        cr = 2,
        ct = 3,
        width = 4,
        max = 4;
      const before = buf.length;
      await readNumericRecords(
        ratings,
        fmt,
        (v) => {
          // the fast path keeps only the first v.values.length fields: wider layouts take the checked path
          if (
            v.count < width ||
            v.count > max ||
            width > v.values.length ||
            !isIdField(v, cu) ||
            !isIdField(v, ci)
          )
            return false;
          buf.push(
            buf.users.intern(v.values[cu]),
            buf.items.intern(v.values[ci]),
            v.values[cr],
            v.values[ct],
          );
          return true;
        },
        (f, line, raw) => {
          if (line <= 1 && cols.header(f, line)) {
            [cu, ci, cr, ct, width] = [cols.at(0), cols.at(1), cols.at(2), cols.at(3), cols.width];
            max = cols.maxFields;
            return;
          }
          requireFields(
            f,
            width,
            ratings,
            line,
            `${width} comma-separated fields (userId, movieId, rating, timestamp)`,
            raw,
            max,
          );
          const u = parseIntId(f[cu], ratings, line, "userId");
          const i = parseIntId(f[ci], ratings, line, "movieId");
          const r = parseNumber(f[cr], ratings, line, "rating");
          const t = parseNumber(f[ct], ratings, line, "timestamp");
          buf.push(buf.users.intern(u), buf.items.intern(i), r, t);
        },
      );
      requireInteractions(ratings, buf.length - before);
    }
    const items = new ItemMetaTable();
    const notes: string[] = [];
    const movies = pick(files, "movies.csv");
    if (movies) {
      const cols = new Columns(movies, ["movieId", "title", "genres"]);
      await readRecords(movies, fmt, (f, line, raw) => {
        if (line <= 1 && cols.header(f, line)) return;
        requireFields(
          f,
          cols.width,
          movies,
          line,
          "3 comma-separated fields (movieId, title, genres)",
          raw,
          cols.maxFields,
        );
        const id = String(parseIntId(f[cols.at(0)], movies, line, "movieId"));
        setMovie(items, id, f[cols.at(1)], f[cols.at(2)]);
      });
    } else {
      notes.push("movies.csv absent: no titles, years or genres");
    }
    const tags = pick(files, "tags.csv");
    if (tags) {
      const cols = new Columns(tags, ["userId", "movieId", "tag"], 4);
      await readRecords(tags, fmt, (f, line, raw) => {
        if (line <= 1 && cols.header(f, line)) return;
        requireFields(
          f,
          cols.width,
          tags,
          line,
          "4 comma-separated fields (userId, movieId, tag, timestamp)",
          raw,
          cols.maxFields,
        );
        items.addTag(String(parseIntId(f[cols.at(1)], tags, line, "movieId")), f[cols.at(2)]);
      });
    }
    return {
      format: this.format,
      name: opts.name ?? basename(dir),
      source: dir,
      interactions: buf.finish(),
      items,
      notes,
      ...(items.blankTags ? { skipped: tagSkips(items) } : {}),
    };
  },
};
