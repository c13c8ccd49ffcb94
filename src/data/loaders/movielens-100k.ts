import { basename } from "node:path";
import { DataFormatError } from "./errors.js";
import { parseIntId, requireFields } from "./fields.js";
import { InteractionBuffer, ItemMetaTable, yearFromTitle, type RawDataset } from "./raw.js";
import { assertPresent, pick, readInteractionFile, readRecords, sourceFiles } from "./read-records.js";
import type { DatasetLoader, LoaderOptions } from "./spec.js";

/** The 19 genre columns of u.item, in file order (used when u.genre is absent). */
export const ML100K_GENRES = [
  "unknown",
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];

/** Upper bound on u.genre indices (the release has 19). */
const MAX_GENRES = 1 << 16;

const MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split(" ");

/**
 * MovieLens 100K: u.data (user, item, rating, timestamp; tab-separated), u.item (pipe-separated,
 * latin-1: id|title|release date|video release date|IMDb URL|19 genre flags) and u.genre
 * (name|index). The "unknown" genre flag is treated as no genre.
 */
export const movielens100kLoader: DatasetLoader = {
  format: "ml-100k",
  description: "MovieLens 100K (u.data, u.item, u.genre)",
  detect: (entries) => entries.includes("u.data") || entries.includes("u.item"),
  files: (dir) => sourceFiles(dir, ["u.data"], ["u.item", "u.genre"]),
  async load(dir: string, opts: LoaderOptions): Promise<RawDataset> {
    const files = this.files(dir, opts);
    assertPresent(this.format, dir, files, opts.skipInteractions);
    const encoding = opts.encoding;
    const buf = new InteractionBuffer("rating", true);
    const data = pick(files, "u.data");
    if (data && !opts.skipInteractions) {
      await readInteractionFile(
        data,
        { delim: "\t", encoding },
        { columns: ["user id", "item id", "rating", "timestamp"], delimName: "tab-separated" },
        buf,
      );
    }
    let genres = ML100K_GENRES;
    const genreFile = pick(files, "u.genre");
    if (genreFile) {
      const named: string[] = [];
      await readRecords(genreFile, { delim: "|", encoding }, (f, line, raw) => {
        requireFields(f, 2, genreFile, line, "2 pipe-separated fields (genre name, index)", raw, 2);
        const k = parseIntId(f[1], genreFile, line, "genre index");
        // a huge index is no array element (named[2 ** 32] is a plain property): it would vanish
        if (k >= MAX_GENRES)
          throw new DataFormatError(
            { file: genreFile, line, field: "genre index" },
            `expected an index below ${MAX_GENRES}`,
            f[1],
          );
        if (named[k] !== undefined)
          throw new DataFormatError(
            { file: genreFile, line, field: "genre index" },
            "duplicate genre index",
            f[1],
          );
        named[k] = f[0];
      });
      for (let k = 0; k < named.length; k++) {
        if (named[k] === undefined)
          throw new DataFormatError(
            { file: genreFile, line: 0, field: "genre index" },
            `index ${k} is missing`,
          );
      }
      genres = named;
    }
    const items = new ItemMetaTable();
    const itemFile = pick(files, "u.item");
    if (itemFile) {
      const g = genres.length;
      await readRecords(itemFile, { delim: "|", encoding }, (f, line, raw) => {
        requireFields(
          f,
          5 + g,
          itemFile,
          line,
          `${5 + g} pipe-separated fields (id, title, release date, video date, URL, ${g} genre flags)`,
          raw,
          5 + g,
        );
        const id = String(parseIntId(f[0], itemFile, line, "movie id"));
        const m = items.get(id);
        m.title = f[1];
        const year = yearFromDate(f[2]) || yearFromTitle(f[1]);
        if (year) m.year = year;
        const gs: string[] = [];
        for (let k = 0; k < g; k++) {
          const flag = f[5 + k];
          if (flag !== "0" && flag !== "1") {
            throw new DataFormatError(
              { file: itemFile, line, field: `genre flag ${genres[k]}` },
              "expected 0 or 1",
              flag,
            );
          }
          if (flag === "1" && genres[k] !== "unknown") gs.push(genres[k]);
        }
        m.genres = gs;
      });
    }
    return {
      format: this.format,
      name: opts.name ?? basename(dir),
      source: dir,
      interactions: buf.finish(),
      items,
      genreOrder: genres.filter((x) => x !== "unknown"),
      notes: itemFile ? [] : ["u.item absent: no titles, years or genres"],
    };
  },
};

/** Year of a "01-Jan-1995" release date; 0 when empty or unparseable. */
function yearFromDate(s: string): number {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s.trim());
  return m && MONTHS.includes(m[2].toLowerCase()) ? Number(m[3]) : 0;
}
