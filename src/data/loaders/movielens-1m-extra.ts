import { DataFormatError } from "./errors.js";
import { parseIntId, parseNumber, requireFields } from "./fields.js";
import type { InteractionBuffer, ItemMetaTable, RawInteractions } from "./raw.js";
import { readRecords, requireInteractions } from "./read-records.js";
import type { TextEncoding } from "./text-lines.js";

/** ML-1M users.dat age codes (the lower bound of each bucket) and their meaning, from the ML-1M README. */
export const ML1M_AGES: Readonly<Record<string, string>> = {
  "1": "Under 18",
  "18": "18-24",
  "25": "25-34",
  "35": "35-44",
  "45": "45-49",
  "50": "50-55",
  "56": "56+",
};

/** ML-1M users.dat occupation codes 0-20 and their meaning, from the ML-1M README (0: other or not specified). */
export const ML1M_OCCUPATIONS: readonly string[] = [
  "other",
  "academic/educator",
  "artist",
  "clerical/admin",
  "college/grad student",
  "customer service",
  "doctor/health care",
  "executive/managerial",
  "farmer",
  "homemaker",
  "K-12 student",
  "lawyer",
  "programmer",
  "retired",
  "sales/marketing",
  "scientist",
  "self-employed",
  "technician/engineer",
  "tradesman/craftsman",
  "unemployed",
  "writer",
];

/** ML-1M gender codes ("F", "M") and their meaning. */
export const ML1M_GENDERS: Readonly<Record<string, string>> = { F: "female", M: "male" };

/**
 * Reads ML-1M users.dat (`UserID::Gender::Age::Occupation::Zip-code`) into user attributes with the
 * codes spelled out: gender "female"/"male", age the bucket label ("Under 18", "18-24", ...),
 * occupation the README's label, zip the code as written. Unknown codes throw naming line and field.
 */
export async function readMl1mUsers(
  file: string,
  encoding?: TextEncoding,
): Promise<Record<string, Map<string, string>>> {
  const attrs = {
    gender: new Map<string, string>(),
    age: new Map<string, string>(),
    occupation: new Map<string, string>(),
    zip: new Map<string, string>(),
  };
  await readRecords(file, { delim: "::", encoding }, (f, line, raw) => {
    requireFields(
      f,
      5,
      file,
      line,
      "5 '::'-separated fields (UserID, Gender, Age, Occupation, Zip-code)",
      raw,
      5,
    );
    const id = String(parseIntId(f[0], file, line, "UserID"));
    const gender = ML1M_GENDERS[f[1].trim()];
    if (!gender) throw new DataFormatError({ file, line, field: "Gender" }, "expected F or M", f[1]);
    const age = ML1M_AGES[f[2].trim()];
    if (!age)
      throw new DataFormatError(
        { file, line, field: "Age" },
        `expected an age code (${Object.keys(ML1M_AGES).join(", ")})`,
        f[2],
      );
    const occ = ML1M_OCCUPATIONS[parseIntId(f[3], file, line, "Occupation")];
    if (!occ)
      throw new DataFormatError(
        { file, line, field: "Occupation" },
        "expected an occupation code 0-20",
        f[3],
      );
    attrs.gender.set(id, gender);
    attrs.age.set(id, age);
    attrs.occupation.set(id, occ);
    attrs.zip.set(id, f[4].trim());
  });
  return attrs;
}

/** items.reconstructed.csv: per itemIndex, the MovieID when pinned, or the candidate MovieIDs. */
export interface ReconstructedItem {
  readonly movieId: number | null;
  readonly candidates: number[];
}

/** Reads items.reconstructed.csv (`itemIndex,movieId,evidence,candidates`, candidates `|`-separated). */
export async function readReconstructedItems(
  file: string,
  encoding?: TextEncoding,
): Promise<Map<number, ReconstructedItem>> {
  const out = new Map<number, ReconstructedItem>();
  let header: string[] | null = null;
  await readRecords(file, { delim: ",", quoted: true, encoding }, (f, line, raw) => {
    if (!header) {
      header = f.map((x) => x.trim());
      if (header.join(",") !== "itemIndex,movieId,evidence,candidates")
        throw new DataFormatError(
          { file, line },
          "expected the header itemIndex,movieId,evidence,candidates",
          raw,
        );
      return;
    }
    requireFields(
      f,
      4,
      file,
      line,
      "4 comma-separated fields (itemIndex, movieId, evidence, candidates)",
      raw,
      4,
    );
    const index = parseIntId(f[0], file, line, "itemIndex");
    const movieId = f[1].trim() ? parseIntId(f[1], file, line, "movieId") : null;
    const candidates = f[3].trim() ? f[3].split("|").map((c) => parseIntId(c, file, line, "candidates")) : [];
    if (movieId === null && candidates.length === 0)
      throw new DataFormatError({ file, line, field: "candidates" }, "no movieId and no candidates", raw);
    out.set(index, { movieId, candidates });
  });
  return out;
}

/** What {@link readReconstructedRatings} found besides the ratings. */
export interface ReconstructedReport {
  /** Ratings whose timestamp cell is empty. */
  readonly emptyTimestamps: number;
  /** MovieID per itemIndex as seen in the ratings (rows with an empty movieId excluded). */
  readonly movieIdOf: Map<number, number>;
}

const RATINGS_HEADER = "userId,movieId,rating,timestamp,itemIndex";

/**
 * Reads ratings.reconstructed.csv (`userId,movieId,rating,timestamp,itemIndex`) into `buf`, interning
 * items by itemIndex (movieId is empty for a few ratings). Timestamps are stored where present and
 * counted where empty; the caller drops them all when any is empty. A movieId that disagrees with an
 * earlier row of the same itemIndex is an error.
 */
export async function readReconstructedRatings(
  file: string,
  buf: InteractionBuffer,
  encoding?: TextEncoding,
): Promise<ReconstructedReport> {
  let headerSeen = false;
  let emptyTimestamps = 0;
  const movieIdOf = new Map<number, number>();
  await readRecords(file, { delim: ",", encoding }, (f, line, raw) => {
    if (!headerSeen) {
      headerSeen = true;
      if (f.map((x) => x.trim()).join(",") !== RATINGS_HEADER)
        throw new DataFormatError({ file, line }, `expected the header ${RATINGS_HEADER}`, raw);
      return;
    }
    requireFields(
      f,
      5,
      file,
      line,
      `5 comma-separated fields (${RATINGS_HEADER.split(",").join(", ")})`,
      raw,
      5,
    );
    const user = parseIntId(f[0], file, line, "userId");
    const index = parseIntId(f[4], file, line, "itemIndex");
    if (f[1] !== "") {
      const movie = parseIntId(f[1], file, line, "movieId");
      const known = movieIdOf.get(index);
      if (known === undefined) movieIdOf.set(index, movie);
      else if (known !== movie)
        throw new DataFormatError(
          { file, line, field: "movieId" },
          `itemIndex ${index} was movieId ${known} on an earlier row`,
          f[1],
        );
    }
    const rating = parseNumber(f[2], file, line, "rating");
    let t = NaN;
    if (f[3].trim() === "") emptyTimestamps++;
    else t = parseNumber(f[3], file, line, "timestamp");
    buf.push(buf.users.intern(user), buf.items.intern(index), rating, t);
  });
  requireInteractions(file, buf.length);
  return { emptyTimestamps, movieIdOf };
}

/**
 * Display ids and metadata for reconstructed items: an item's id is its MovieID when known (from
 * items.reconstructed.csv or the ratings), so ids match the original ratings.dat; an ambiguous item
 * gets id `idx<itemIndex>` and a placeholder title naming its candidate MovieIDs and their titles
 * (from `items`, which must already hold movies.dat). Returns the new item id list and the number
 * of ambiguous items.
 */
export function nameReconstructedItems(
  raw: RawInteractions,
  movieIdOf: Map<number, number>,
  reconstructed: Map<number, ReconstructedItem> | null,
  items: ItemMetaTable,
  file: string,
): { itemIds: string[]; ambiguous: number } {
  let ambiguous = 0;
  const used = new Map<number, number>();
  const itemIds = raw.itemIds.map((key) => {
    const index = Number(key);
    const rec = reconstructed?.get(index);
    const movie = rec?.movieId ?? movieIdOf.get(index) ?? null;
    if (movie !== null) {
      const other = used.get(movie);
      if (other !== undefined && other !== index)
        throw new DataFormatError(
          { file, line: 0, field: "movieId" },
          `movieId ${movie} is given for itemIndex ${other} and ${index}`,
        );
      used.set(movie, index);
      return String(movie);
    }
    ambiguous++;
    const id = `idx${index}`;
    const names = (rec?.candidates ?? []).map((c) => {
      const t = items.byId.get(String(c))?.title;
      return t ? `${c} "${t}"` : String(c);
    });
    items.get(id).title = names.length
      ? `[ambiguous ML-1M item ${index}: MovieID ${names.join(" or ")}]`
      : `[ML-1M item ${index}: MovieID unknown]`;
    return id;
  });
  return { itemIds, ambiguous };
}
