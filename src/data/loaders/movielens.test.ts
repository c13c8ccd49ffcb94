import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir, latin1 } from "../test-utils/fixtures.js";
import { DataFileMissingError } from "./errors.js";
import { movielens100kLoader } from "./movielens-100k.js";
import { movielensCsvLoader } from "./movielens-csv.js";
import { movielensDatLoader } from "./movielens-dat.js";
import type { RawDataset } from "./raw.js";

/** (userId, itemId, value, time) tuples in file order. */
function triples(r: RawDataset): [string, string, number, number][] {
  const x = r.interactions;
  return Array.from(x.user, (u, t) => [
    x.userIds[u],
    x.itemIds[x.item[t]],
    x.value[t],
    x.time ? x.time[t] : NaN,
  ]);
}

describe("MovieLens 100K loader", () => {
  const dir = fixtureDir({
    "u.data": "1\t10\t5\t881250949\n1\t20\t3\t881250950\n2\t10\t4\t881250951\n3\t30\t1\t881250952\n",
    "u.genre": "unknown|0\nAction|1\nComedy|2\n\n",
    "u.item": latin1(
      "10|Misérables, Les (1995)|01-Jan-1995||http://x|0|0|1\n20|Toy Story (1995)|05-Feb-1994||http://y|0|1|1\n30|unknown||||1|0|0\n",
    ),
  });

  it("reads ratings with timestamps, latin-1 titles, release years and genre flags", async () => {
    const r = await movielens100kLoader.load(dir, {});
    expect(triples(r)).toEqual([
      ["1", "10", 5, 881250949],
      ["1", "20", 3, 881250950],
      ["2", "10", 4, 881250951],
      ["3", "30", 1, 881250952],
    ]);
    expect(r.interactions.valueKind).toBe("rating");
    expect(r.items.byId.get("10")).toEqual({
      title: "Misérables, Les (1995)",
      year: 1995,
      genres: ["Comedy"],
    });
    // the release date wins over the title's year; "unknown" is no genre
    expect(r.items.byId.get("20")).toEqual({
      title: "Toy Story (1995)",
      year: 1994,
      genres: ["Action", "Comedy"],
    });
    expect(r.items.byId.get("30")).toEqual({ title: "unknown", genres: [] });
    expect(r.genreOrder).toEqual(["Action", "Comedy"]);
  });

  it("rejects genre flags other than 0/1 naming the genre", async () => {
    const bad = fixtureDir({
      "u.data": "1\t10\t5\t1\n",
      "u.genre": "unknown|0\nAction|1\n",
      "u.item": "10|T (1995)|||u|0|yes\n",
    });
    await expect(movielens100kLoader.load(bad, {})).rejects.toThrow(
      `${join(bad, "u.item")} line 1, field "genre flag Action": expected 0 or 1, got "yes"`,
    );
  });
});

describe("MovieLens 1M loader", () => {
  it("reads '::' files with latin-1 titles and pipe genres", async () => {
    const dir = fixtureDir({
      "ratings.dat": "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n",
      "movies.dat": latin1(
        "73::Misérables, Les (1995)::Drama|Musical\n1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n",
      ),
      "users.dat": "1::F::1::10::48067\n",
    });
    const r = await movielensDatLoader.load(dir, {});
    expect(triples(r)).toEqual([
      ["1", "1193", 5, 978300760],
      ["1", "661", 3, 978302109],
      ["2", "1193", 4, 978298413],
    ]);
    expect(r.items.byId.get("73")).toEqual({
      title: "Misérables, Les (1995)",
      year: 1995,
      genres: ["Drama", "Musical"],
    });
    expect(r.items.byId.get("661")?.genres).toEqual(["Animation", "Children's", "Musical"]);
  });

  it("says clearly that ratings.dat is missing, and still reads metadata when asked", async () => {
    const dir = fixtureDir({
      "movies.dat": "1::Toy Story (1995)::Animation\n",
      "users.dat": "1::F::1::10::48067\n",
      README: "x",
    });
    const err = await movielensDatLoader.load(dir, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileMissingError);
    expect((err as Error).message).toBe(
      `ml-1m at ${dir}: ratings.dat is missing (found: README, movies.dat, users.dat); interactions cannot be loaded`,
    );
    const meta = await movielensDatLoader.load(dir, { skipInteractions: true });
    expect(meta.interactions.user.length).toBe(0);
    expect(meta.items.byId.get("1")).toEqual({
      title: "Toy Story (1995)",
      year: 1995,
      genres: ["Animation"],
    });
  });
});

describe("MovieLens CSV loader (latest-small / 20M / 25M)", () => {
  const dir = fixtureDir({
    "ratings.csv":
      "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n7,31,4.5,1260759200\n",
    "movies.csv":
      'movieId,title,genres\n31,Dangerous Minds (1995),Drama\n1029,"American President, The (1995)",Comedy|Drama|Romance\n' +
      '5000,"Say ""Cheese"" (2010) ",(no genres listed)\n6000,No Year Film,Documentary\n',
    "tags.csv":
      'userId,movieId,tag,timestamp\n15,31,Teacher,1\n16,31,teacher ,2\n17,31,"school, inner city",3\n18,1029,"multi\nline",4\n',
    "links.csv": "movieId,imdbId,tmdbId\n31,0112792,9909\n",
  });

  it("reads quoted titles with commas, years, genres and normalised tag counts", async () => {
    const r = await movielensCsvLoader.load(dir, {});
    expect(triples(r)).toEqual([
      ["1", "31", 2.5, 1260759144],
      ["1", "1029", 3, 1260759179],
      ["7", "31", 4.5, 1260759200],
    ]);
    const m1029 = r.items.byId.get("1029");
    expect(m1029?.title).toBe("American President, The (1995)");
    expect(m1029?.genres).toEqual(["Comedy", "Drama", "Romance"]);
    expect([...(m1029?.tags ?? [])]).toEqual([["multi line", 1]]);
    expect(r.items.byId.get("5000")).toEqual({ title: 'Say "Cheese" (2010)', year: 2010, genres: [] });
    expect(r.items.byId.get("6000")).toEqual({ title: "No Year Film", genres: ["Documentary"] });
    expect([...(r.items.byId.get("31")?.tags ?? [])]).toEqual([
      ["teacher", 2],
      ["school, inner city", 1],
    ]);
  });

  it("reads files without a header row in the canonical column order", async () => {
    const d = fixtureDir({ "ratings.csv": "3,4,5,100\n3,5,1,101\n", "movies.csv": "4,Film (2001),Drama\n" });
    const r = await movielensCsvLoader.load(d, {});
    expect(triples(r)).toEqual([
      ["3", "4", 5, 100],
      ["3", "5", 1, 101],
    ]);
    expect(r.items.byId.get("4")?.year).toBe(2001);
  });

  it("maps columns by header name in any order", async () => {
    const d = fixtureDir({
      "ratings.csv": "timestamp,rating,movieId,userId\n100,4,9,2\n",
      "movies.csv": "movieId,title,genres\n9,X (1999),Drama\n",
    });
    expect(triples(await movielensCsvLoader.load(d, {}))).toEqual([["2", "9", 4, 100]]);
  });
});
