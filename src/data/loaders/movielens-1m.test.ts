import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readDatasetCache, writeDatasetCache } from "../cache.js";
import { resolveProcessOptions } from "../options.js";
import { processRaw } from "../process.js";
import { leaveOneOutSequences } from "../splits/sequences.js";
import { fixtureDir, latin1 } from "../test-utils/fixtures.js";
import { detectLoader } from "./index.js";
import { movielensDatLoader } from "./movielens-dat.js";

const MOVIES = latin1(
  "1::Toy Story (1995)::Animation|Comedy\n5::Misérables, Les (1995)::Drama\n7::Heat (1995)::Action\n8::Two Bits (1995)::Drama\n",
);
const USERS = "1::F::1::10::48067\n2::M::56::16::70072\n3000::M::25::0::55117\n";
const RECON =
  "userId,movieId,rating,timestamp,itemIndex\n" +
  "1,1,5,978824268,1\n1,5,3,978824100,2\n2,7,4,978300000,3\n" +
  "3000,5,2,,2\n3000,,4,,4\n";
const ITEMS =
  "itemIndex,movieId,evidence,candidates\n1,1,prefix,\n2,5,prefix,\n3,7,order,\n4,,ambiguous,7|8\n";

describe("MovieLens 1M offline (reconstructed ratings, users.dat)", () => {
  const dir = fixtureDir({
    "movies.dat": MOVIES,
    "users.dat": USERS,
    "ratings.reconstructed.csv": RECON,
    "items.reconstructed.csv": ITEMS,
    "ratings.users-0001-2999.dat": "1::1::5::978824268\n1::5::3::978824100\n2::7::4::978300000\n",
  });

  it("loads every reconstructed rating, keys items by itemIndex and names the ambiguous one", async () => {
    expect(detectLoader(dir).format).toBe("ml-1m");
    const raw = await movielensDatLoader.load(dir, {});
    expect(raw.source).toBe(join(dir, "ratings.reconstructed.csv"));
    const x = raw.interactions;
    expect(Array.from(x.item, (i) => x.itemIds[i])).toEqual(["1", "5", "7", "5", "idx4"]);
    expect(Array.from(x.value)).toEqual([5, 3, 4, 2, 4]);
    // empty timestamps for user 3000: no timestamps at all, counted and said
    expect(x.time).toBeNull();
    expect(raw.skipped).toEqual({ "rating with an empty timestamp (row kept, all timestamps dropped)": 2 });
    expect(
      raw.notes.some((n) =>
        n.startsWith("2 ratings have no timestamp (users >= 3000): the dataset has NO timestamps"),
      ),
    ).toBe(true);
    expect(raw.items.byId.get("idx4")?.title).toBe(
      '[ambiguous ML-1M item 4: MovieID 7 "Heat (1995)" or 8 "Two Bits (1995)"]',
    );
    expect(raw.items.byId.get("5")?.title).toBe("Misérables, Les (1995)");

    const { dataset: d, report } = processRaw(raw, resolveProcessOptions({ ratingThreshold: -1e300 }));
    expect([d.users.length, d.items.length, d.matrix.nnz]).toEqual([3, 4, 5]);
    expect(d.timestamps).toBeUndefined();
    expect(() => leaveOneOutSequences(d)).toThrow(/has no timestamps/);
    expect(report.skipped).toEqual(raw.skipped);
    expect(d.userAttributes).toEqual({
      gender: ["female", "male", "male"],
      age: ["Under 18", "56+", "25-34"],
      occupation: ["K-12 student", "self-employed", "other"],
      zip: ["48067", "70072", "55117"],
    });
  });

  it("the users-1-2999 file, by path or by option, is time-ordered and says so in its name", async () => {
    const file = join(dir, "ratings.users-0001-2999.dat");
    expect(detectLoader(file).format).toBe("ml-1m");
    for (const raw of [
      await movielensDatLoader.load(file, {}),
      await movielensDatLoader.load(dir, { ratingsFile: "ratings.users-0001-2999.dat" }),
    ]) {
      expect(raw.name).toBe(`${dir.split("/").pop()} (users 1-2999)`);
      expect(raw.source).toBe(file);
      const { dataset: d } = processRaw(raw, resolveProcessOptions({ ratingThreshold: 0 }));
      // user 1 rated movie 5 before movie 1
      const split = leaveOneOutSequences(d, { validation: false });
      expect(Array.from(split.train[0], (i) => d.items[i])).toEqual(["5"]);
      expect(d.items[split.test[0]]).toBe("1");
    }
  });

  it("rejects bad rows naming file, line, field and value", async () => {
    const bad = fixtureDir({
      "movies.dat": MOVIES,
      "ratings.reconstructed.csv": "userId,movieId,rating,timestamp,itemIndex\n1,1,5,9,1\n1,2,x,9,2\n",
      "users.dat": "1::X::1::10::48067\n",
    });
    await expect(movielensDatLoader.load(bad, {})).rejects.toThrow(
      `${join(bad, "ratings.reconstructed.csv")} line 3, field "rating": expected a number, got "x"`,
    );
    const badUsers = fixtureDir({
      "movies.dat": MOVIES,
      "ratings.dat": "1::1::5::1\n",
      "users.dat": "1::F::17::10::48067\n",
    });
    await expect(movielensDatLoader.load(badUsers, {})).rejects.toThrow(
      `${join(badUsers, "users.dat")} line 1, field "Age": expected an age code (1, 18, 25, 35, 45, 50, 56), got "17"`,
    );
    const clash = fixtureDir({
      "ratings.reconstructed.csv": "userId,movieId,rating,timestamp,itemIndex\n1,1,5,9,1\n2,3,5,9,1\n",
      "movies.dat": MOVIES,
    });
    await expect(movielensDatLoader.load(clash, {})).rejects.toThrow(
      /line 3, field "movieId": itemIndex 1 was movieId 1 on an earlier row, got "3"/,
    );
  });

  it("user attributes and numeric item attributes survive the processed cache", async () => {
    const raw = await movielensDatLoader.load(dir, {});
    const processed = processRaw(raw, resolveProcessOptions());
    const withPrice = {
      ...processed,
      dataset: { ...processed.dataset, itemAttributes: { price: Float64Array.from([1.5, NaN]) } },
    };
    const path = join(fixtureDir({}), "x.rlds");
    await writeDatasetCache(path, withPrice, "k");
    const back = await readDatasetCache(path, "k");
    expect(back?.dataset.userAttributes).toEqual(processed.dataset.userAttributes);
    expect(Array.from(back?.dataset.itemAttributes?.price ?? [])).toEqual([1.5, NaN]);
    expect(back?.report.skipped).toEqual(raw.skipped);
  });
});
