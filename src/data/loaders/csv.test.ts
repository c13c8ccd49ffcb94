import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureDir } from "../test-utils/fixtures.js";
import { csvLoader, detectDelimiter, type CsvColumnsOptions } from "./csv.js";
import type { RawDataset } from "./raw.js";

function rows(r: RawDataset): [string, string, number, number | undefined][] {
  const x = r.interactions;
  return Array.from(x.user, (u, t) => [x.userIds[u], x.itemIds[x.item[t]], x.value[t], x.time?.[t]]);
}

async function load(content: string, csv?: CsvColumnsOptions): Promise<RawDataset> {
  const dir = fixtureDir({ "data.txt": content });
  return csvLoader.load(join(dir, "data.txt"), csv ? { csv } : {});
}

describe("generic CSV loader", () => {
  it("detects separators", () => {
    expect(detectDelimiter(["a\tb\tc", "1\t2\t3"])).toBe("\t");
    expect(detectDelimiter(["a;b", "1;2"])).toBe(";");
    expect(detectDelimiter(['1,"x, y",3', "2,z,4"])).toBe(",");
    expect(detectDelimiter(["1 2 3", "4 5 6"])).toBe(" ");
    expect(() => detectDelimiter(["justone"])).toThrow(/cannot detect the field separator/);
  });

  it("reads a headed CSV by column aliases, ISO timestamps included", async () => {
    const r = await load(
      "user_id,item_id,rating,timestamp\nalice,i1,4,2020-01-02T00:00:00Z\nbob,i2,2.5,100\n",
    );
    expect(rows(r)).toEqual([
      ["alice", "i1", 4, Date.UTC(2020, 0, 2) / 1000],
      ["bob", "i2", 2.5, 100],
    ]);
    expect(r.interactions.valueKind).toBe("rating");
  });

  it("reads a headerless TSV positionally, and two columns as implicit feedback", async () => {
    expect(rows(await load("1\t10\t5\t99\n2\t11\t3\t98\n"))).toEqual([
      ["1", "10", 5, 99],
      ["2", "11", 3, 98],
    ]);
    const implicit = await load("u1,i1\nu2,i1\n", { header: false });
    expect(implicit.interactions.valueKind).toBe("implicit");
    expect(rows(implicit)).toEqual([
      ["u1", "i1", 1, undefined],
      ["u2", "i1", 1, undefined],
    ]);
  });

  it("maps columns by name or index; a weight column reads as counts", async () => {
    const named = await load("plays;artist;listener\n7;a1;u1\n", {
      user: "listener",
      item: "artist",
      rating: "plays",
    });
    expect(rows(named)).toEqual([["u1", "a1", 7, undefined]]);
    expect(named.interactions.valueKind).toBe("count");
    const indexed = await load("x|u9|i9|3\n", {
      delimiter: "|",
      header: false,
      user: 1,
      item: 2,
      rating: 3,
      timestamp: null,
    });
    expect(rows(indexed)).toEqual([["u9", "i9", 3, undefined]]);
  });

  it("names file, line and field for bad input", async () => {
    const dir = fixtureDir({
      "short.csv": "user,item,rating\n1,2,3\n4,5\n",
      "nohead.csv": "user,item,rating\n1,2,3\n",
      "badrating.csv": "1,2,x\n",
    });
    await expect(csvLoader.load(join(dir, "short.csv"), {})).rejects.toThrow(
      `${join(dir, "short.csv")} line 3: expected 3 ","-separated fields (user, item, rating), found 2 fields (wrong separator or truncated line?), got "4,5"`,
    );
    await expect(csvLoader.load(join(dir, "nohead.csv"), { csv: { user: "customer" } })).rejects.toThrow(
      `${join(dir, "nohead.csv")} line 1, field "user": header has no column "customer", got "user,item,rating"`,
    );
    await expect(csvLoader.load(join(dir, "badrating.csv"), { csv: { header: false } })).rejects.toThrow(
      `${join(dir, "badrating.csv")} line 1, field "rating": expected a number, got "x"`,
    );
  });

  it("reads a UTF-8 BOM + CRLF file with quoted fields holding delimiters, quotes and newlines", async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const text =
      'user id,"item",rating,timestamp\r\n' +
      '"Ann, B",i1,4,100\r\n' +
      'bob,"say ""hi""",3,200\r\n' +
      'cat,"two\r\nlines",5,300\r\n';
    const dir = fixtureDir({ "x.csv": Buffer.concat([bom, Buffer.from(text, "utf8")]) });
    const r = await csvLoader.load(join(dir, "x.csv"), {});
    expect(rows(r)).toEqual([
      ["Ann, B", "i1", 4, 100],
      ["bob", 'say "hi"', 3, 200],
      ["cat", "two\nlines", 5, 300],
    ]);
    // columns chosen by header name, the BOM does not garble the first one
    const named = await csvLoader.load(join(dir, "x.csv"), {
      csv: { user: "user id", item: "item", timestamp: "timestamp" },
    });
    expect(rows(named)[0]).toEqual(["Ann, B", "i1", 4, 100]);
  });

  it("a partly empty time column: no timestamps (counted), or rows skipped, or an error naming the cell", async () => {
    const text = "user,item,rating,time\nu1,a,4,10\nu1,b,5,\nu2,a,3\nu2,c,2,30\n";
    const r = await load(text);
    expect(r.interactions.time).toBeNull();
    expect(rows(r).map((x) => x.slice(0, 3))).toEqual([
      ["u1", "a", 4],
      ["u1", "b", 5],
      ["u2", "a", 3],
      ["u2", "c", 2],
    ]);
    expect(r.skipped).toEqual({ 'empty timestamp cell ("time"): all timestamps dropped, rows kept': 2 });
    expect(r.notes[0]).toMatch(/^2 rows have an empty "time" cell: the dataset has NO timestamps/);
    const skip = await load(text, { emptyTime: "skip-rows" });
    expect(rows(skip)).toEqual([
      ["u1", "a", 4, 10],
      ["u2", "c", 2, 30],
    ]);
    expect(skip.skipped).toEqual({ 'row with an empty timestamp cell ("time")': 2 });
    const dir = fixtureDir({ "t.csv": text });
    await expect(csvLoader.load(join(dir, "t.csv"), { csv: { emptyTime: "error" } })).rejects.toThrow(
      `${join(dir, "t.csv")} line 3, field "time": empty timestamp (emptyTime policy "error"; use "drop-timestamps" or "skip-rows"), got ""`,
    );
  });

  it("names a bad cell by its header name, and reports repeated user-item rows after processing", async () => {
    const dir = fixtureDir({ "s.csv": "customer,product,stars\nc1,p1,5\nc2,p2,five\n" });
    await expect(
      csvLoader.load(join(dir, "s.csv"), { csv: { user: "customer", item: "product", rating: "stars" } }),
    ).rejects.toThrow(`${join(dir, "s.csv")} line 3, field "stars": expected a number, got "five"`);
    const r = await load("user,item,rating\nu,a,5\nu,a,3\nu,b,5\n");
    const { processRaw } = await import("../process.js");
    const { resolveProcessOptions } = await import("../options.js");
    const p = processRaw(r, resolveProcessOptions());
    expect(p.report.duplicatesMerged).toBe(1);
    // the later record wins: (u, a) is rated 3, below the threshold of 4
    expect(p.dataset.matrix.nnz).toBe(1);
  });
});
