import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir } from "../test-utils/fixtures.js";
import { csvLoader } from "./csv.js";
import { DataFormatError } from "./errors.js";
import { movielens100kLoader } from "./movielens-100k.js";
import { movielensCsvLoader } from "./movielens-csv.js";
import { recboleLoader } from "./recbole.js";
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

  it("generic CSV: an undetectable separator is a DataFormatError naming the file", async () => {
    const dir = fixtureDir({ "x.csv": "user\u0000item\n" });
    const err = await csvLoader.load(join(dir, "x.csv"), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toBe(
      `${join(dir, "x.csv")} line 1: cannot detect the field separator from "user\\u0000item": pass a delimiter`,
    );
  });
});
