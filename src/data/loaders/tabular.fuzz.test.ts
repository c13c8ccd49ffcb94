import { join } from "node:path";
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
import { csvLoader } from "./csv.js";
import { lastfmLoader } from "./lastfm.js";
import { BLANK_TAG, type RawDataset } from "./raw.js";
import { recboleLoader } from "./recbole.js";

/**
 * Fuzz tests of the Last.FM, RecBole and generic CSV readers: a valid small file set gets random
 * byte and line mutations; a load must fail with a documented error naming file and line, or
 * return exactly the interactions (and item ids) the test reads from the mutated text itself.
 */

const RUNS = 300;
const scratch = new Scratch();

/** Drops a header record: line 1 whose first field is not a plain integer (HetRec files). */
function dropHetrecHeader(records: ModelRecord[]): ModelRecord[] {
  const first = records[0];
  return first && first.line === 1 && !/^\s*\d+\s*$/.test(first.fields[0]) ? records.slice(1) : records;
}

describe("HetRec Last.FM loader under fuzzing", () => {
  const base = {
    "user_artists.dat": "userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t0\n4\t53\t7\n",
    "artists.dat":
      "id\tname\turl\tpictureURL\n51\tDuran Duran\thttp://a\thttp://p\n52\tMorcheeba\thttp://b\t\n",
    "tags.dat": "tagID\ttagValue\n1\tmetal\n2\tnew wave\n3\trock\n",
    "user_taggedartists.dat":
      "userID\tartistID\ttagID\tday\tmonth\tyear\n2\t51\t2\t1\t4\t2009\n3\t51\t2\t1\t4\t2009\n3\t51\t3\t1\t4\t2009\n2\t52\t1\t1\t4\t2009\n",
  };
  const check = (raw: RawDataset, { lines }: CaseFiles): void => {
    const ua = dropHetrecHeader(plainRecords(lines["user_artists.dat"], "\t"));
    expectSomeInteractions(ua);
    expectWidths(ua, 3);
    expectWidths(dropHetrecHeader(plainRecords(lines["artists.dat"], "\t")), 2, 4);
    expectWidths(dropHetrecHeader(plainRecords(lines["tags.dat"], "\t")), 2);
    const allTagged = dropHetrecHeader(plainRecords(lines["user_taggedartists.dat"], "\t"));
    expectWidths(allTagged, 3, 6);
    expect(tuples(raw.interactions)).toEqual(
      ua.map(({ fields: f }) => [canonicalId(f[0]), canonicalId(f[1]), Math.fround(Number(f[2])), null]),
    );
    const names = new Map<string | null, string>();
    for (const r of dropHetrecHeader(plainRecords(lines["tags.dat"], "\t")))
      names.set(canonicalId(r.fields[0]), r.fields[1]);
    const tagged = dropHetrecHeader(plainRecords(lines["user_taggedartists.dat"], "\t")).filter(
      (r) => (names.get(canonicalId(r.fields[2])) ?? "").trim() !== "",
    );
    const artists = dropHetrecHeader(plainRecords(lines["artists.dat"], "\t"));
    const ids = new Set(
      [...artists, ...tagged].map((r, k) => canonicalId(r.fields[k < artists.length ? 0 : 1])),
    );
    expect(new Set(raw.items.byId.keys())).toEqual(ids);
    let applied = 0;
    for (const m of raw.items.byId.values()) for (const n of m.tags?.values() ?? []) applied += n;
    expect(applied).toBe(tagged.length);
    expect(raw.skipped?.[BLANK_TAG] ?? 0).toBe(allTagged.length - tagged.length);
  };
  it(
    "fails cleanly or reads exactly what the mutated text holds",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            "user_artists.dat",
            "user_artists.dat",
            "artists.dat",
            "tags.dat",
            "user_taggedartists.dat",
          ),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base,
              target,
              mutations,
              delim: "\t",
              load: (d) => lastfmLoader.load(d, {}),
              check,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});

describe("RecBole atomic loader under fuzzing", () => {
  const interHeader = "user_id:token\titem_id:token\trating:float\ttimestamp:float";
  const itemHeader = "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq";
  const base = {
    "tiny.inter": `${interHeader}\n196\t242\t3\t881250949\n186\t302\t3\t891717742\nu7\t302\t5.5\t881250950\n`,
    "tiny.item": `${itemHeader}\n242\tKolya\t1996\tComedy\n302\tL.A. Confidential\t1997\tCrime Film-Noir\n`,
  };
  const check = (raw: RawDataset, { lines }: CaseFiles): void => {
    const inter = plainRecords(lines["tiny.inter"], "\t");
    // the header is line 1, never a later line; an empty or header-only file is an error
    expect(inter[0]?.line).toBe(1);
    const rows = inter.slice(1);
    expectSomeInteractions(rows);
    expectWidths(rows, inter[0].fields.length);
    const itemRecords = plainRecords(lines["tiny.item"], "\t");
    if (itemRecords.length) expectWidths(itemRecords.slice(1), itemRecords[0].fields.length);
    expect(raw.interactions.user.length).toBe(rows.length);
    if (lines["tiny.inter"][0] === interHeader) {
      expect(tuples(raw.interactions)).toEqual(
        rows.map(({ fields: f }) => [f[0].trim(), f[1].trim(), Math.fround(Number(f[2])), Number(f[3])]),
      );
    }
    if (lines["tiny.item"][0] === itemHeader) {
      const items = plainRecords(lines["tiny.item"], "\t").slice(1);
      expect(new Set(raw.items.byId.keys())).toEqual(new Set(items.map((r) => r.fields[0].trim())));
    }
  };
  it(
    "fails cleanly or reads exactly what the mutated text holds",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom("tiny.inter", "tiny.inter", "tiny.item"),
          mutationsArb(),
          async (target, mutations) =>
            runLoaderCase({
              scratch,
              base,
              target,
              mutations,
              delim: "\t",
              folder: "tiny",
              load: (d) => recboleLoader.load(d, {}),
              check,
            }),
        ),
        fuzzParams(RUNS),
      );
    },
    fuzzTimeout(RUNS),
  );
});

describe("generic CSV loader under fuzzing", () => {
  const header = "user,item,rating,timestamp";
  const base = {
    "data.csv": `${header}\nalice,i1,4,2020-01-02T00:00:00Z\nbob,i2,2.5,100\n"carol, jr",i1,1,101\ndave,"i,3",5,\n`,
  };
  /** Expected tuples when the header is intact (times: seconds, ISO dates, or none if any is empty). */
  const expected = (rows: ModelRecord[]): { t: unknown[]; empty: number } => {
    const empty = rows.filter((r) => r.fields.length === 3 || r.fields[3].trim() === "").length;
    const time = (s: string): number =>
      Number.isFinite(Number(s.trim())) ? Number(s.trim()) : Date.parse(s.trim()) / 1000;
    const t = rows.map(({ fields: f }) => [
      f[0].trim(),
      f[1].trim(),
      Math.fround(Number(f[2])),
      empty ? null : time(f[3]),
    ]);
    return { t, empty };
  };
  const check =
    (auto: boolean) =>
    (raw: RawDataset, { lines }: CaseFiles): void => {
      const records = quotedRecords(lines["data.csv"], ",");
      expect(records, "an unterminated quote was accepted").not.toBeNull();
      const all = records as ModelRecord[];
      const n = raw.interactions.user.length;
      expect(n, "a file without interactions was accepted").toBeGreaterThan(0);
      if (auto) expect([all.length, all.length - 1]).toContain(n);
      else expect(n).toBe(all.length - 1);
      const plain = lines["data.csv"].slice(0, 2).every((l) => !/[\t;| ]/.test(l));
      // columns may go unused, but no row is wider than the first (the header)
      if (!auto || plain) expectWidths(all, 0, all[0]?.fields.length ?? 0);
      if (all[0]?.fields.join(",") !== header || (auto && !plain)) return;
      const { t, empty } = expected(all.slice(1));
      expect(tuples(raw.interactions)).toEqual(t);
      const key = 'empty timestamp cell ("timestamp"): all timestamps dropped, rows kept';
      expect(raw.skipped?.[key] ?? 0).toBe(empty);
    };
  for (const auto of [false, true]) {
    it(
      `fails cleanly or reads exactly what the mutated text holds (${auto ? "detected" : "given"} layout)`,
      async () => {
        await fc.assert(
          fc.asyncProperty(mutationsArb(), async (mutations) =>
            runLoaderCase({
              scratch,
              base,
              target: "data.csv",
              mutations,
              delim: ",",
              load: (d) =>
                csvLoader.load(join(d, "data.csv"), auto ? {} : { csv: { delimiter: ",", header: true } }),
              check: check(auto),
            }),
          ),
          fuzzParams(RUNS / 2),
        );
      },
      fuzzTimeout(RUNS),
    );
  }
});
