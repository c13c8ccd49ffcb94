import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseIntId, requireFields } from "./fields.js";
import {
  nameReconstructedItems,
  readMl1mUsers,
  readReconstructedItems,
  readReconstructedRatings,
} from "./movielens-1m-extra.js";
import { InteractionBuffer, ItemMetaTable, tagSkips, yearFromTitle, type RawDataset } from "./raw.js";
import { assertPresent, isDirectory, pick, readInteractionFile, readRecords } from "./read-records.js";
import type { DatasetLoader, LoaderOptions, SourceFiles } from "./spec.js";

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

/** The offline reconstruction of all ML-1M ratings (no timestamps for users >= 3000). */
export const RECONSTRUCTED_RATINGS = "ratings.reconstructed.csv";
const RECONSTRUCTED_ITEMS = "items.reconstructed.csv";
const RATINGS_FILE = /^ratings.*\.dat$/;

/** Folder and ratings file for `path` (a folder, or a `ratings*.dat` / reconstructed CSV file inside one). */
function locate(path: string, opts: LoaderOptions): { dir: string; ratings: string | null } {
  if (!isDirectory(path)) return { dir: dirname(path), ratings: existsSync(path) ? basename(path) : null };
  if (opts.ratingsFile)
    return { dir: path, ratings: existsSync(join(path, opts.ratingsFile)) ? opts.ratingsFile : null };
  for (const f of ["ratings.dat", RECONSTRUCTED_RATINGS])
    if (existsSync(join(path, f))) return { dir: path, ratings: f };
  return { dir: path, ratings: null };
}

/**
 * MovieLens 1M (and 10M) `::`-separated files, latin-1 in the original release: ratings.dat
 * (UserID::MovieID::Rating::Timestamp), movies.dat (MovieID::Title (Year)::Genre|Genre), users.dat
 * (UserID::Gender::Age::Occupation::Zip-code, read into user attributes gender/age/occupation/zip
 * with the codes spelled out) and, for 10M, tags.dat (UserID::MovieID::Tag::Timestamp).
 *
 * Without ratings.dat, a folder with `ratings.reconstructed.csv` (all 1,000,209 ML-1M ratings,
 * `userId,movieId,rating,timestamp,itemIndex`, see /work/shared/data/README.md) is read instead:
 * items are keyed by itemIndex and shown by MovieID (`idx<k>` with a placeholder title naming the
 * candidates from items.reconstructed.csv for the ambiguous ones); its timestamps are empty for
 * users >= 3000, so the dataset then has NO timestamps (not time-ordered) and a note says so. For
 * time-ordered work, point at another ratings file: the path of `ratings.users-0001-2999.dat` (or
 * the `ratingsFile` option); the dataset is then named "<folder> (users 1-2999)".
 */
export const movielensDatLoader: DatasetLoader = {
  format: "ml-1m",
  description: "MovieLens 1M/10M (ratings.dat or ratings.reconstructed.csv, movies.dat, users.dat, tags.dat)",
  detect: (entries) =>
    entries.includes("ratings.dat") ||
    (entries.includes("movies.dat") && !entries.includes("user_artists.dat")),
  detectFile: (path) =>
    (RATINGS_FILE.test(basename(path)) || basename(path) === RECONSTRUCTED_RATINGS) &&
    existsSync(join(dirname(path), "movies.dat")),
  files(path: string, opts: LoaderOptions): SourceFiles {
    const { dir, ratings } = locate(path, opts);
    const optional = ["movies.dat", "users.dat", "tags.dat"];
    if (ratings === RECONSTRUCTED_RATINGS) optional.push(RECONSTRUCTED_ITEMS);
    const read = [...(ratings ? [ratings] : []), ...optional.filter((f) => existsSync(join(dir, f)))];
    return {
      read: read.map((f) => join(dir, f)),
      missing: ratings ? [] : [opts.ratingsFile ?? "ratings.dat"],
    };
  },
  async load(path: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(path, opts);
    const { dir, ratings: ratingsName } = locate(path, opts);
    assertPresent(this.format, dir, files, opts.skipInteractions);
    const encoding = opts.encoding;
    const reconstructed = ratingsName === RECONSTRUCTED_RATINGS;
    const buf = new InteractionBuffer("rating", true);
    const notes: string[] = [];
    const skipped: Record<string, number> = {};
    const ratings = ratingsName ? join(dir, ratingsName) : undefined;
    let rec: Awaited<ReturnType<typeof readReconstructedRatings>> | null = null;
    if (ratings && !opts.skipInteractions) {
      if (reconstructed) rec = await readReconstructedRatings(ratings, buf, encoding);
      else
        await readInteractionFile(
          ratings,
          { delim: "::", encoding },
          { columns: ["UserID", "MovieID", "Rating", "Timestamp"], delimName: "'::'-separated" },
          buf,
        );
    }
    const items = new ItemMetaTable();
    const movies = pick(files, "movies.dat");
    if (movies) {
      await readRecords(movies, { delim: "::", encoding }, (f, line, raw) => {
        requireFields(f, 3, movies, line, "3 '::'-separated fields (MovieID, Title, Genres)", raw, 3);
        const id = String(parseIntId(f[0], movies, line, "MovieID"));
        setMovie(items, id, f[1], f[2]);
      });
    } else {
      notes.push("movies.dat absent: no titles, years or genres");
    }
    const tags = pick(files, "tags.dat");
    if (tags) {
      await readRecords(tags, { delim: "::", encoding }, (f, line, raw) => {
        requireFields(f, 3, tags, line, "4 '::'-separated fields (UserID, MovieID, Tag, Timestamp)", raw, 4);
        items.addTag(String(parseIntId(f[1], tags, line, "MovieID")), f[2]);
      });
    }
    const usersFile = pick(files, "users.dat");
    const userAttributes = usersFile ? await readMl1mUsers(usersFile, encoding) : undefined;
    let interactions = buf.finish();
    if (rec) {
      const itemsFile = pick(files, RECONSTRUCTED_ITEMS);
      const table = itemsFile ? await readReconstructedItems(itemsFile, encoding) : null;
      const named = nameReconstructedItems(interactions, rec.movieIdOf, table, items, ratings as string);
      interactions = { ...interactions, itemIds: named.itemIds };
      notes.push(
        `ratings from ${RECONSTRUCTED_RATINGS} (offline reconstruction of ML-1M; items keyed by itemIndex, shown by MovieID)`,
      );
      if (named.ambiguous)
        notes.push(
          `${named.ambiguous} items have an ambiguous MovieID: ids idx<itemIndex>, placeholder titles name the candidates`,
        );
      if (rec.emptyTimestamps) {
        interactions = { ...interactions, time: null };
        skipped["rating with an empty timestamp (row kept, all timestamps dropped)"] = rec.emptyTimestamps;
        notes.push(
          `${rec.emptyTimestamps.toLocaleString("en-US")} ratings have no timestamp (users >= 3000): the dataset has NO timestamps and is not time-ordered; ` +
            `for time-ordered splits load ${join(dir, "ratings.users-0001-2999.dat")} (users 1-2999)`,
        );
      }
    }
    Object.assign(skipped, tagSkips(items));
    const partial = ratingsName !== null && /users-0*1-0*2999/.test(ratingsName);
    const folderName = basename(dir);
    return {
      format: this.format,
      name: opts.name ?? (partial ? `${folderName} (users 1-2999)` : folderName),
      source: ratingsName && ratingsName !== "ratings.dat" ? join(dir, ratingsName) : dir,
      interactions,
      items,
      notes: partial ? [`ratings from ${ratingsName}: users 1-2999 only, with timestamps`, ...notes] : notes,
      ...(userAttributes ? { userAttributes } : {}),
      ...(Object.keys(skipped).length ? { skipped } : {}),
    };
  },
};
