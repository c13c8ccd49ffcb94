import { basename } from "node:path";
import { parseIntId, parseNumber, requireFields } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, yearFromTitle, type RawDataset } from "./raw.js";
import {
  assertPresent,
  isIdField,
  pick,
  readNumericRecords,
  readRecords,
  sourceFiles,
} from "./read-records.js";
import type { DatasetLoader, LoaderOptions } from "./spec.js";

/** Genre placeholders that mean "no genre". */
export const NO_GENRE = new Set(["(no genres listed)", "unknown", ""]);

/**
 * MovieLens 1M (and 10M) `::`-separated files, latin-1 in the original release: ratings.dat
 * (UserID::MovieID::Rating::Timestamp), movies.dat (MovieID::Title (Year)::Genre|Genre) and, for
 * 10M, tags.dat (UserID::MovieID::Tag::Timestamp). users.dat is not used.
 */
export const movielensDatLoader: DatasetLoader = {
  format: "ml-1m",
  description: "MovieLens 1M/10M (ratings.dat, movies.dat, tags.dat; '::'-separated)",
  detect: (entries) =>
    entries.includes("ratings.dat") ||
    (entries.includes("movies.dat") && !entries.includes("user_artists.dat")),
  files: (dir) => sourceFiles(dir, ["ratings.dat"], ["movies.dat", "tags.dat"]),
  async load(dir: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(dir, opts);
    assertPresent(this.format, dir, files, opts.skipInteractions);
    const encoding = opts.encoding;
    const buf = new InteractionBuffer("rating", true);
    const ratings = pick(files, "ratings.dat");
    if (ratings && !opts.skipInteractions) {
      await readNumericRecords(
        ratings,
        { delim: "::", encoding },
        (v) => {
          if (v.count < 4 || !isIdField(v, 0) || !isIdField(v, 1)) return false;
          buf.push(buf.users.intern(v.values[0]), buf.items.intern(v.values[1]), v.values[2], v.values[3]);
          return true;
        },
        (f, line, raw) => {
          requireFields(
            f,
            4,
            ratings,
            line,
            "4 '::'-separated fields (UserID, MovieID, Rating, Timestamp)",
            raw,
          );
          const u = parseIntId(f[0], ratings, line, "UserID");
          const i = parseIntId(f[1], ratings, line, "MovieID");
          const r = parseNumber(f[2], ratings, line, "Rating");
          const t = parseNumber(f[3], ratings, line, "Timestamp");
          buf.push(buf.users.intern(u), buf.items.intern(i), r, t);
        },
      );
    }
    const items = new ItemMetaTable();
    const notes: string[] = [];
    const movies = pick(files, "movies.dat");
    if (movies) {
      await readRecords(movies, { delim: "::", encoding }, (f, line, raw) => {
        requireFields(f, 3, movies, line, "3 '::'-separated fields (MovieID, Title, Genres)", raw);
        const id = String(parseIntId(f[0], movies, line, "MovieID"));
        const m = items.get(id);
        m.title = f[1].trim();
        const year = yearFromTitle(m.title);
        if (year) m.year = year;
        m.genres = f[2].split("|").filter((g) => !NO_GENRE.has(g));
      });
    } else {
      notes.push("movies.dat absent: no titles, years or genres");
    }
    const tags = pick(files, "tags.dat");
    if (tags) {
      await readRecords(tags, { delim: "::", encoding }, (f, line, raw) => {
        requireFields(f, 3, tags, line, "4 '::'-separated fields (UserID, MovieID, Tag, Timestamp)", raw);
        items.addTag(String(parseIntId(f[1], tags, line, "MovieID")), f[2]);
      });
    }
    return {
      format: this.format,
      name: opts.name ?? basename(dir),
      source: dir,
      interactions: buf.finish(),
      items,
      notes,
    };
  },
};
