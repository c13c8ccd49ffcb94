import { basename } from "node:path";
import { parseIntId, requireFields } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, yearFromTitle, type RawDataset } from "./raw.js";
import { assertPresent, pick, readInteractionFile, readRecords, sourceFiles } from "./read-records.js";
import type { DatasetLoader, LoaderOptions } from "./spec.js";

/** Genre placeholders that mean "no genre". */
export const NO_GENRE = new Set(["(no genres listed)", "unknown", ""]);

/**
 * Records a MovieLens movie: the trimmed title, the year from its "(1995)" suffix when present and
 * the "|"-separated genres without the {@link NO_GENRE} placeholders.
 */
export function setMovie(items: ItemMetaTable, id: string, title: string, genres: string): void {
  const m = items.get(id);
  m.title = title.trim();
  const year = yearFromTitle(m.title);
  if (year) m.year = year;
  m.genres = genres.split("|").filter((g) => !NO_GENRE.has(g));
}

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
      await readInteractionFile(
        ratings,
        { delim: "::", encoding },
        { columns: ["UserID", "MovieID", "Rating", "Timestamp"], delimName: "'::'-separated" },
        buf,
      );
    }
    const items = new ItemMetaTable();
    const notes: string[] = [];
    const movies = pick(files, "movies.dat");
    if (movies) {
      await readRecords(movies, { delim: "::", encoding }, (f, line, raw) => {
        requireFields(f, 3, movies, line, "3 '::'-separated fields (MovieID, Title, Genres)", raw);
        const id = String(parseIntId(f[0], movies, line, "MovieID"));
        setMovie(items, id, f[1], f[2]);
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
