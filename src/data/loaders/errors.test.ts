import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir, latin1 } from "../test-utils/fixtures.js";
import { DataFormatError } from "./errors.js";
import { lastfmLoader } from "./lastfm.js";
import { movielens100kLoader } from "./movielens-100k.js";
import { movielensCsvLoader } from "./movielens-csv.js";
import { movielensDatLoader } from "./movielens-dat.js";
import type { DatasetLoader, LoaderOptions } from "./spec.js";

async function failure(
  loader: DatasetLoader,
  files: Record<string, string | Uint8Array>,
  opts: LoaderOptions = {},
): Promise<{ err: DataFormatError; dir: string }> {
  const dir = fixtureDir(files);
  const err = await loader.load(dir, opts).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataFormatError);
  return { err: err as DataFormatError, dir };
}

describe("bad input names file, line, field and value", () => {
  it("non-numeric id where MovieLens expects a number", async () => {
    const { err, dir } = await failure(movielens100kLoader, {
      "u.data": "1\t10\t5\t881250949\nabc\t10\t5\t881250949\n",
    });
    expect(err.message).toBe(
      `${join(dir, "u.data")} line 2, field "user id": expected a non-negative integer id, got "abc"`,
    );
    expect([err.line, err.field, err.value]).toEqual([2, "user id", "abc"]);
  });

  it("a fractional id is rejected even though it parses as a number", async () => {
    const { err, dir } = await failure(movielens100kLoader, { "u.data": "1\t10.5\t5\t881250949\n" });
    expect(err.message).toBe(
      `${join(dir, "u.data")} line 1, field "item id": expected a non-negative integer id, got "10.5"`,
    );
  });

  it("wrong separator", async () => {
    const { err, dir } = await failure(movielensDatLoader, { "ratings.dat": "1\t1193\t5\t978300760\n" });
    expect(err.message).toBe(
      `${join(dir, "ratings.dat")} line 1: expected 4 '::'-separated fields (UserID, MovieID, Rating, Timestamp), found 1 field (wrong separator or truncated line?), got "1\\t1193\\t5\\t978300760"`,
    );
  });

  it("truncated last line", async () => {
    const { err, dir } = await failure(movielensCsvLoader, {
      "ratings.csv": "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,10",
      "movies.csv": "",
    });
    expect(err.message).toMatch(
      new RegExp(`^${join(dir, "ratings.csv")} line 3: expected 4 comma-separated fields .* found 2 fields`),
    );
  });

  it("missing column in a header", async () => {
    const { err, dir } = await failure(movielensCsvLoader, {
      "ratings.csv": "userId,movieId,timestamp\n1,31,1\n",
      "movies.csv": "",
    });
    expect(err.message).toBe(
      `${join(dir, "ratings.csv")} line 1, field "rating": header has no "rating" column (expected userId,movieId,rating,timestamp), got "userId,movieId,timestamp"`,
    );
  });

  it("non-numeric play count", async () => {
    const { err, dir } = await failure(lastfmLoader, {
      "user_artists.dat": "userID\tartistID\tweight\n2\t51\tlots\n",
    });
    expect(err.message).toBe(
      `${join(dir, "user_artists.dat")} line 2, field "weight": expected a number, got "lots"`,
    );
  });

  it("wrong encoding when strict UTF-8 is requested", async () => {
    const { err, dir } = await failure(
      movielensDatLoader,
      {
        "ratings.dat": "1::73::5::1\n",
        "movies.dat": latin1("1::Toy Story (1995)::Comedy\n73::Misérables, Les (1995)::Drama\n"),
      },
      { encoding: "utf8" },
    );
    expect(err.message).toMatch(
      new RegExp(`^${join(dir, "movies.dat")} line 2: invalid UTF-8 \\(byte 0xE9 at column 8\\)`),
    );
  });
});
