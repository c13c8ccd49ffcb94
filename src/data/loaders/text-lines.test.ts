import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir, latin1 } from "../test-utils/fixtures.js";
import { DataFormatError } from "./errors.js";
import { forEachLine, type LineReaderOptions } from "./text-lines.js";

async function lines(
  content: string | Uint8Array,
  opts: LineReaderOptions = {},
): Promise<[string, number][]> {
  const dir = fixtureDir({ "f.txt": content });
  const out: [string, number][] = [];
  const n = await forEachLine(join(dir, "f.txt"), (l, k) => out.push([l, k]), opts);
  expect(n).toBe(out.length);
  return out;
}

describe("forEachLine", () => {
  it("splits LF and CRLF lines, keeps blank lines, includes a last line without newline", async () => {
    expect(await lines("a\r\nb\n\nc")).toEqual([
      ["a", 1],
      ["b", 2],
      ["", 3],
      ["c", 4],
    ]);
    expect(await lines("x\n")).toEqual([["x", 1]]);
    expect(await lines("")).toEqual([]);
  });

  it("gives the same lines whatever the chunk size, including multi-byte characters across chunk edges", async () => {
    const text = "Misérables, Les\nCafé au Lait\r\nKådisbellan\nlast";
    const expected = [
      ["Misérables, Les", 1],
      ["Café au Lait", 2],
      ["Kådisbellan", 3],
      ["last", 4],
    ];
    for (const chunkBytes of [1, 2, 3, 5, 7, 64]) expect(await lines(text, { chunkBytes })).toEqual(expected);
  });

  it("drops a UTF-8 byte-order mark", async () => {
    expect(await lines(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("id\n1")]))).toEqual([
      ["id", 1],
      ["1", 2],
    ]);
  });

  it("auto: decodes latin-1 lines inside an otherwise UTF-8 file", async () => {
    const mixed = Buffer.concat([
      Buffer.from("Café\n", "utf8"),
      latin1("Misérables\n"),
      Buffer.from("Kådis", "utf8"),
    ]);
    expect(await lines(mixed)).toEqual([
      ["Café", 1],
      ["Misérables", 2],
      ["Kådis", 3],
    ]);
    expect(await lines(latin1("Misérables"), { encoding: "latin1" })).toEqual([["Misérables", 1]]);
  });

  it("utf8: invalid bytes are an error naming file, line and byte", async () => {
    const dir = fixtureDir({
      "movies.dat": Buffer.concat([Buffer.from("ok\n"), latin1("73::Misérables\n")]),
    });
    const p = join(dir, "movies.dat");
    const err = await forEachLine(p, () => undefined, { encoding: "utf8" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toContain(`${p} line 2: invalid UTF-8 (byte 0xE9 at column 8)`);
    expect((err as Error).message).toContain("Misérables");
  });

  it("rejects binary / UTF-16 files", async () => {
    const dir = fixtureDir({
      "u16.csv": Buffer.from("\ufeffuser,item\n", "utf16le"),
      "bin.dat": Buffer.from("1\t2\n3\t\u0000\n"),
    });
    await expect(forEachLine(join(dir, "u16.csv"), () => undefined)).rejects.toThrow(
      /u16\.csv line 1: UTF-16 byte-order mark/,
    );
    await expect(forEachLine(join(dir, "bin.dat"), () => undefined)).rejects.toThrow(
      /bin\.dat line 2: NUL byte/,
    );
  });
});
