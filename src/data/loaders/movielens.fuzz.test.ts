import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalId,
  expectSomeInteractions,
  expectWidths,
  fuzzParams,
  fuzzTimeout,
  mutationsArb,
  plainRecords,
  quotedRecords,
  Scratch,
  tuples,
  type ModelRecord,
} from "../test-utils/fuzz.js";
import { runLoaderCase, type CaseFiles } from "../test-utils/fuzz-loader.js";
import { movielens100kLoader } from "./movielens-100k.js";
import { movielensCsvLoader } from "./movielens-csv.js";
import { movielensDatLoader } from "./movielens-dat.js";
import { BLANK_TAG, type RawDataset } from "./raw.js";

/**
 * Fuzz tests of the MovieLens readers: valid small releases get random byte and line mutations;
 * every load must either fail with a documented error naming file and line, or return exactly the
 * interactions and item ids the test reads from the mutated text by itself.
 */

const RUNS = 200;
const scratch = new Scratch();

/** Expected (user, item, value, time) tuples from records with the given column indices. */
function expectedTuples(
  records: ModelRecord[],
  [cu, ci, cv, ct]: number[],
): [string | null, string | null, number, number | null][] {
  return records.map(({ fields: f }) => [
    canonicalId(f[cu] ?? ""),
    canonicalId(f[ci] ?? ""),
    Math.fround(Number(f[cv])),
    ct < 0 ? null : Number(f[ct]),
  ]);
}

/** Ids of the first field of each record. */
function firstIds(records: ModelRecord[], col = 0): Set<string | null> {
  return new Set(records.map((r) => canonicalId(r.fields[col] ?? "")));
}

function itemKeys(raw: RawDataset): Set<string> {
  return new Set(raw.items.byId.keys());
}

describe("MovieLens 100K loader under fuzzing", () => {
  const base = {
    "u.data": "1\t10\t5\t881250949\n1\t20\t3\t881250950\n2\t10\t4\t881250951\n3\t30\t1.5\t881250952\n",
    "u.genre": "unknown|0\nAction|1\nComedy|2\n",
    "u.item":
      "10|Heat (1995)|01-Jan-1995||http://x|0|0|1\n20|Toy Story (1995)|05-Feb-1994||http://y|0|1|1\n30|unknown||||1|0|0\n",
  };
  const check = (raw: RawDataset, { lines }: CaseFiles): void => {
    const data = plainRecords(lines["u.data"], "\t");
    expectSomeInteractions(data);
    expectWidths(data, 4);
    const genreRecords = plainRecords(lines["u.genre"], "|");
    expectWidths(genreRecords, 2);
    expectWidths(plainRecords(lines["u.item"], "|"), 5 + genreRecords.length);
    expect(tuples(raw.interactions)).toEqual(expectedTuples(data, [0, 1, 2, 3]));
    expect(raw.interactions.userIds.length).toBe(firstIds(data, 0).size);
    expect(raw.interactions.itemIds.length).toBe(firstIds(data, 1).size);
    const genres = plainRecords(lines["u.genre"], "|")
      .map((r) => ({ name: r.fields[0], k: Number(canonicalId(r.fields[1])) }))
      .sort((a, b) => a.k - b.k)
      .map((g) => g.name);
    expect(raw.genreOrder).toEqual(genres.filter((g) => g !== "unknown"));
    expect(itemKeys(raw)).toEqual(firstIds(plainRecords(lines["u.item"], "|")));
  };
  it(
    "fails cleanly or reads exactly what the mutated text holds",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("u.data", "u.data", "u.item", "u.genre"),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base,
              target,
              mutations,
              delim: target === "u.data" ? "\t" : "|",
              load: (dir) => movielens100kLoader.load(dir, {}),
              check,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});

describe("MovieLens 1M loader under fuzzing", () => {
  const base = {
    "ratings.dat": "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n3::7::2::978298414\n",
    "movies.dat":
      "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Musical\n7::Sabrina (1995)::Comedy\n",
    "users.dat": "1::F::1::10::48067\n2::M::56::16::70072\n3::M::25::0::55117\n",
  };
  const check = (raw: RawDataset, { lines }: CaseFiles): void => {
    const data = plainRecords(lines["ratings.dat"], "::");
    expectSomeInteractions(data);
    expectWidths(data, 4);
    expectWidths(plainRecords(lines["movies.dat"], "::"), 3);
    expectWidths(plainRecords(lines["users.dat"], "::"), 5);
    expect(tuples(raw.interactions)).toEqual(expectedTuples(data, [0, 1, 2, 3]));
    expect(itemKeys(raw)).toEqual(firstIds(plainRecords(lines["movies.dat"], "::")));
    const users = firstIds(plainRecords(lines["users.dat"], "::"));
    expect(new Set(raw.userAttributes?.gender.keys())).toEqual(users);
    expect(raw.userAttributes?.zip.size).toBe(users.size);
  };
  it(
    "fails cleanly or reads exactly what the mutated text holds",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("ratings.dat", "ratings.dat", "movies.dat", "users.dat"),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base,
              target,
              mutations,
              delim: "::",
              load: (dir) => movielensDatLoader.load(dir, {}),
              check,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );

  const recon = {
    "movies.dat":
      "1::Toy Story (1995)::Animation\n5::Heat (1995)::Action\n7::Sabrina (1995)::Comedy\n8::X (1995)::Drama\n",
    "ratings.reconstructed.csv":
      "userId,movieId,rating,timestamp,itemIndex\n1,1,5,978824268,1\n1,5,3,978824100,2\n2,7,4,978300000,3\n3000,5,2,,2\n3000,,4,,4\n",
    "items.reconstructed.csv":
      "itemIndex,movieId,evidence,candidates\n1,1,prefix,\n2,5,prefix,\n3,7,order,\n4,,ambiguous,7|8\n",
  };
  const checkRecon = (raw: RawDataset, { lines }: CaseFiles): void => {
    const data = plainRecords(lines["ratings.reconstructed.csv"], ",").slice(1);
    expectSomeInteractions(data);
    expectWidths(data, 5);
    const x = raw.interactions;
    expect(x.user.length).toBe(data.length);
    expect(Array.from(x.user, (u) => x.userIds[u])).toEqual(data.map((r) => canonicalId(r.fields[0])));
    expect(Array.from(x.value)).toEqual(data.map((r) => Math.fround(Number(r.fields[2]))));
    const empty = data.filter((r) => r.fields[3].trim() === "").length;
    expect(raw.skipped?.["rating with an empty timestamp (row kept, all timestamps dropped)"] ?? 0).toBe(
      empty,
    );
    if (empty) expect(x.time).toBeNull();
    else expect(Array.from(x.time ?? [])).toEqual(data.map((r) => Number(r.fields[3])));
    // one item per distinct itemIndex
    expect(x.itemIds.length).toBe(firstIds(data, 4).size);
  };
  it(
    "reads ratings.reconstructed.csv: fails cleanly or counts rows and empty timestamps exactly",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            "ratings.reconstructed.csv",
            "ratings.reconstructed.csv",
            "items.reconstructed.csv",
          ),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base: recon,
              target,
              mutations,
              delim: ",",
              load: (dir) => movielensDatLoader.load(dir, {}),
              check: checkRecon,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});

/**
 * Records of a headed CSV, the indices of `names` (lower-cased) in its header and the number of
 * header fields (undefined without a header), as the test reads them.
 */
function headedCsv(
  lines: string[],
  names: string[],
  quoted: boolean,
): { records: ModelRecord[]; cols: number[]; headerWidth?: number } {
  let records: ModelRecord[];
  if (quoted) records = quotedRecords(lines, ",") ?? [];
  else
    records = plainRecords(lines, ",").map((r) => ({
      line: r.line,
      fields: quotedRecords([lines[r.line - 1]], ",")?.[0]?.fields ?? r.fields,
    }));
  const first = records[0];
  if (first && first.line === 1 && !/^\d+$/.test(first.fields[0].trim())) {
    const lower = first.fields.map((f) => f.trim().toLowerCase());
    return {
      records: records.slice(1),
      cols: names.map((n) => lower.indexOf(n)),
      headerWidth: first.fields.length,
    };
  }
  return { records, cols: names.map((_, k) => k) };
}

describe("MovieLens CSV loader under fuzzing", () => {
  const base = {
    "ratings.csv":
      "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n7,31,4.5,1260759200\n8,6000,1,1260759201\n",
    "movies.csv":
      'movieId,title,genres\n31,Dangerous Minds (1995),Drama\n1029,"American President, The (1995)",Comedy|Drama\n6000,"Say ""Cheese""",(no genres listed)\n',
    "tags.csv":
      'userId,movieId,tag,timestamp\n15,31,Teacher,1\n17,31,"school, inner city",3\n18,1029,"multi\nline",4\n',
  };
  const check = (raw: RawDataset, { lines }: CaseFiles): void => {
    const r = headedCsv(lines["ratings.csv"], ["userid", "movieid", "rating", "timestamp"], false);
    expectSomeInteractions(r.records);
    // named columns: as many fields as the header (extra named columns are fine), no more
    expectWidths(r.records, 0, r.headerWidth ?? 4);
    expect(tuples(raw.interactions)).toEqual(expectedTuples(r.records, r.cols));
    const movies = headedCsv(lines["movies.csv"], ["movieid"], true);
    expectWidths(movies.records, 0, movies.headerWidth ?? 3);
    const tags = headedCsv(lines["tags.csv"], ["userid", "movieid", "tag"], true);
    expectWidths(tags.records, 0, tags.headerWidth ?? 4);
    const tagged = tags.records.filter((t) => t.fields[tags.cols[2]].trim() !== "");
    expect(raw.skipped?.[BLANK_TAG] ?? 0).toBe(tags.records.length - tagged.length);
    const ids = new Set([...firstIds(movies.records, movies.cols[0]), ...firstIds(tagged, tags.cols[1])]);
    expect(itemKeys(raw)).toEqual(ids);
  };
  it(
    "fails cleanly or reads exactly what the mutated text holds (headers, quotes, columns)",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("ratings.csv", "ratings.csv", "movies.csv", "tags.csv"),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base,
              target,
              mutations,
              delim: ",",
              load: (dir) => movielensCsvLoader.load(dir, {}),
              check,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});
