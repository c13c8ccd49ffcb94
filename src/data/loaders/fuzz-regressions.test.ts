import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir } from "../test-utils/fixtures.js";
import { csvLoader } from "./csv.js";
import { DataFormatError } from "./errors.js";
import { movielens100kLoader } from "./movielens-100k.js";
import { movielensCsvLoader } from "./movielens-csv.js";
import { recboleLoader } from "./recbole.js";
import { lastfmLoader } from "./lastfm.js";
import { movielensDatLoader } from "./movielens-dat.js";
import { BLANK_TAG } from "./raw.js";
import { forEachLine } from "./text-lines.js";

/** Plain regression tests for the reader bugs the fuzz tests (*.fuzz.test.ts) found. */
describe("reader bugs found by fuzzing", () => {
  it("ml-csv reads rating and timestamp columns past the 32nd column (was NaN from the fast path)", async () => {
    const names = Array.from({ length: 40 }, (_, k) => `c${k}`);
    [names[0], names[1], names[35], names[36]] = ["userId", "movieId", "rating", "timestamp"];
    const row = (u: number, r: number, t: number): string =>
      names.map((_, k) => (k === 0 ? u : k === 1 ? 5 : k === 35 ? r : k === 36 ? t : 0)).join(",");
    const dir = fixtureDir({ "ratings.csv": `${names.join(",")}\n${row(1, 4, 100)}\n${row(2, 2.5, 101)}\n` });
    const x = (await movielensCsvLoader.load(dir, {})).interactions;
    expect(Array.from(x.value)).toEqual([4, 2.5]);
    expect(Array.from(x.time ?? [])).toEqual([100, 101]);
  });

  it("ml-100k rejects a u.genre index of 2^32 or more (the genre silently vanished)", async () => {
    const dir = fixtureDir({
      "u.data": "1\t10\t5\t1\n",
      "u.genre": "unknown|0\nAction|1\nComedy|4294967296\n",
      "u.item": "10|T (1995)|||u|0|1|1\n",
    });
    await expect(movielens100kLoader.load(dir, {})).rejects.toThrow(
      `${join(dir, "u.genre")} line 3, field "genre index": expected an index below 65536, got "4294967296"`,
    );
  });

  it("keeps a U+FEFF that starts a later line, whether or not another line is latin-1", async () => {
    const read = async (bytes: Buffer): Promise<string[]> => {
      const dir = fixtureDir({ "f.txt": bytes });
      const out: string[] = [];
      await forEachLine(join(dir, "f.txt"), (l) => out.push(l));
      return out;
    };
    const bom = Buffer.from("\ufeff", "utf8");
    // the file's own BOM is dropped; the one on line 2 is text
    expect(await read(Buffer.concat([bom, Buffer.from("a\n"), bom, Buffer.from("b\n")]))).toEqual([
      "a",
      "\ufeffb",
    ]);
    // same when line 1 is latin-1 (the line-by-line decoder used to drop it)
    expect(await read(Buffer.concat([Buffer.from([0xe9, 0x0a]), bom, Buffer.from("b\n")]))).toEqual([
      "é",
      "\ufeffb",
    ]);
  });

  it("RecBole: a blank first line or an item file without a token column is a DataFormatError, not a TypeError", async () => {
    const dir = fixtureDir({ "a.inter": "\nuser_id:token\titem_id:token\n1\t2\n" });
    await expect(recboleLoader.load(dir, {})).rejects.toThrow(
      `${join(dir, "a.inter")} line 2: expected the name:type header on line 1 (the file starts with a blank line), got "user_id:token\\titem_id:token"`,
    );
    const dir2 = fixtureDir({
      "b.inter": "user_id:token\titem_id:token\n1\t2\n",
      "b.item": "code:float\tname:token_seq\n2\tX\n",
    });
    await expect(recboleLoader.load(dir2, {})).rejects.toThrow(
      `${join(dir2, "b.item")} line 1: no item id column (item_id, or any column of type token)`,
    );
  });

  it("ml-100k: two u.data lines joined into one are an error naming the extra value (one rating was lost)", async () => {
    // "1\t10\t5\t881250949" and "2\t20\t3\t881250950" with the newline lost
    const dir = fixtureDir({ "u.data": "1\t10\t5\t8812509492\t20\t3\t881250950\n3\t30\t4\t1\n" });
    const err = await movielens100kLoader.load(dir, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).line).toBe(1);
    expect((err as Error).message).toBe(
      `${join(dir, "u.data")} line 1: expected 4 tab-separated fields (user id, item id, rating, timestamp), ` +
        `found 7 fields: extra value "20" in field 5 (two records joined on one line, or a stray separator?), ` +
        `got "1\\t10\\t5\\t8812509492\\t20\\t3\\t881250950"`,
    );
    // the numeric fast path and the checked path agree: a trailing extra field on a later line too
    const dir2 = fixtureDir({ "u.data": "1\t10\t5\t1\n2\t20\t3\t2\t9\n" });
    await expect(movielens100kLoader.load(dir2, {})).rejects.toThrow(
      /u\.data line 2: expected 4 tab-separated fields .* found 5 fields: extra value "9" in field 5/,
    );
  });

  it("extra fields are errors in the other fixed layouts, but fine as named columns of ml-csv", async () => {
    const ml1m = fixtureDir({
      "ratings.dat": "1::10::5::100\n",
      "movies.dat": "10::T (1995)::Drama::Comedy\n",
    });
    await expect(movielensDatLoader.load(ml1m, {})).rejects.toThrow(
      `${join(ml1m, "movies.dat")} line 1: expected 3 '::'-separated fields (MovieID, Title, Genres), found 4 fields: extra value "Comedy" in field 4`,
    );
    const recbole = fixtureDir({ "r.inter": "user_id:token\titem_id:token\n1\t2\n3\t4\t5\t6\n" });
    await expect(recboleLoader.load(recbole, {})).rejects.toThrow(
      `${join(recbole, "r.inter")} line 3: expected 2 tab-separated fields (user_id, item_id), found 4 fields: extra value "5" in field 3`,
    );
    const lastfm = fixtureDir({ "user_artists.dat": "userID\tartistID\tweight\n2\t51\t13\t3\t52\t7\n" });
    await expect(lastfmLoader.load(lastfm, {})).rejects.toThrow(
      `${join(lastfm, "user_artists.dat")} line 2: expected 3 tab-separated fields (userID, artistID, weight), found 6 fields: extra value "3" in field 4`,
    );
    // a headed ml-csv file may carry extra named columns ...
    const named = fixtureDir({ "ratings.csv": "userId,movieId,rating,timestamp,source\n1,5,4,100,web\n" });
    expect((await movielensCsvLoader.load(named, {})).interactions.user.length).toBe(1);
    // ... but no row may be wider than its header
    const wide = fixtureDir({ "ratings.csv": "userId,movieId,rating,timestamp\n1,5,4,100,2,6,3,101\n" });
    await expect(movielensCsvLoader.load(wide, {})).rejects.toThrow(
      `${join(wide, "ratings.csv")} line 2: expected 4 comma-separated fields (userId, movieId, rating, timestamp), found 8 fields: extra value "2" in field 5`,
    );
    // generic CSV: unused columns are fine, rows wider than the header are not
    const csv = fixtureDir({ "x.csv": "user,item,note\na,b,hi\nc,d,x,e\n" });
    await expect(csvLoader.load(join(csv, "x.csv"), {})).rejects.toThrow(
      `${join(csv, "x.csv")} line 3: expected 2 ","-separated fields (user, item), found 4 fields: extra value "e" in field 4`,
    );
  });

  it("an interaction file without interactions is an error naming it (it loaded as 0 interactions)", async () => {
    const message = "no interactions: the file is empty or holds only blank lines or a header";
    const inter = fixtureDir({ "a.inter": "" });
    await expect(recboleLoader.load(inter, {})).rejects.toThrow(`${join(inter, "a.inter")}: ${message}`);
    const headerOnly = fixtureDir({ "a.inter": "user_id:token\titem_id:token\n\n" });
    await expect(recboleLoader.load(headerOnly, {})).rejects.toThrow(
      `${join(headerOnly, "a.inter")}: ${message}`,
    );
    const udata = fixtureDir({ "u.data": "\n \n" });
    await expect(movielens100kLoader.load(udata, {})).rejects.toThrow(`${join(udata, "u.data")}: ${message}`);
    const csv = fixtureDir({ "ratings.csv": "userId,movieId,rating,timestamp\n", "movies.csv": "" });
    await expect(movielensCsvLoader.load(csv, {})).rejects.toThrow(`${join(csv, "ratings.csv")}: ${message}`);
    const generic = fixtureDir({ "x.csv": "user,item\n" });
    await expect(csvLoader.load(join(generic, "x.csv"), {})).rejects.toThrow(
      `${join(generic, "x.csv")}: ${message}`,
    );
    // metadata-only loads still read no interactions without complaint
    expect((await recboleLoader.load(inter, { skipInteractions: true })).interactions.user.length).toBe(0);
  });

  it("counts whitespace-only tags in skipped instead of dropping them silently", async () => {
    const dir = fixtureDir({
      "ratings.csv": "userId,movieId,rating,timestamp\n1,5,4,100\n",
      "tags.csv": 'userId,movieId,tag,timestamp\n1,5,funny,1\n1,5,"  ",2\n2,5,\t,3\n2,5,Funny ,4\n',
    });
    const raw = await movielensCsvLoader.load(dir, {});
    expect(raw.skipped).toEqual({ [BLANK_TAG]: 2 });
    expect(Object.fromEntries(raw.items.byId.get("5")?.tags ?? [])).toEqual({ funny: 2 });
    const lastfm = fixtureDir({
      "user_artists.dat": "2\t51\t13\n",
      "tags.dat": "1\trock\n2\t \n",
      "user_taggedartists.dat": "2\t51\t1\t1\t4\t2009\n2\t51\t2\t1\t4\t2009\n3\t51\t2\t1\t4\t2009\n",
    });
    expect((await lastfmLoader.load(lastfm, {})).skipped).toEqual({ [BLANK_TAG]: 2 });
    const ml10m = fixtureDir({ "ratings.dat": "1::10::5::100\n", "tags.dat": "1::10:: ::5\n1::10::x::6\n" });
    expect((await movielensDatLoader.load(ml10m, {})).skipped).toEqual({ [BLANK_TAG]: 1 });
  });

  it("generic CSV: an undetectable separator is a DataFormatError naming the file", async () => {
    const dir = fixtureDir({ "x.csv": "user\u0000item\n" });
    const err = await csvLoader.load(join(dir, "x.csv"), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toBe(
      `${join(dir, "x.csv")} line 1: cannot detect the field separator from "user\\u0000item": pass a delimiter`,
    );
  });
});
