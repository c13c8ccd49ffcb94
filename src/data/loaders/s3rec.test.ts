import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveProcessOptions } from "../options.js";
import { processRaw } from "../process.js";
import { leaveOneOutSequences } from "../splits/sequences.js";
import { fixtureDir } from "../test-utils/fixtures.js";
import { decodeHtmlEntities, parsePythonList, readAmazonItemFile } from "./amazon-items.js";
import { detectLoader } from "./index.js";
import { s3recLoader } from "./s3rec.js";
import { REPEATED_IN_SEQUENCE } from "./sequence.js";

const ITEM_HEADER =
  "item_id:token\ttitle:token\tsales_type:token\tsales_rank:float\tcategories:token_seq\tprice:float\tbrand:token\n";
const ITEM_FILE =
  ITEM_HEADER +
  "A1\tRed Lipstick\tBeauty\t10.0\t'Beauty', 'Makeup', 'Lips'\t5.5\tL&#39;Oreal Paris\n" +
  // a quoted title spanning two lines, categories with "" quotes inside a quoted cell
  'A2\t"Neem Cream 2 oz\nVanilla"\t\t\t"\'Beauty\', \'Fragrance\', ""Women\'s"""\t\tOrganix\n' +
  // a tab inside a quoted title; empty price and brand
  "A3\t\"Gel\tExtra\"\tBeauty\t3.0\t'Beauty', 'Hair Care', 'Creams, Gels & Lotions'\t\t\n" +
  // empty title
  "A4\t\tBeauty\t7.0\t'Beauty', 'Makeup'\t2\tCOKA\n";
const MAPS = JSON.stringify({ id2item: { "1": "A1", "2": "A2", "3": "A3", "4": "A4" } });

describe("S3-Rec sequence loader", () => {
  it("reads lines in file order with position timestamps, so leave-one-out keeps the file's order", async () => {
    // item ids chosen so that id order differs from time order
    const dir = fixtureDir({ "Seq.txt": "1 9 3 7 5\n2 5 9\n3 3\n" });
    const raw = await s3recLoader.load(join(dir, "Seq.txt"), {});
    const x = raw.interactions;
    expect(Array.from(x.user, (u) => x.userIds[u])).toEqual(["1", "1", "1", "1", "2", "2", "3"]);
    expect(Array.from(x.item, (i) => x.itemIds[i])).toEqual(["9", "3", "7", "5", "5", "9", "3"]);
    expect(Array.from(x.time ?? [])).toEqual([1, 2, 3, 4, 1, 2, 1]);
    const { dataset } = processRaw(raw, resolveProcessOptions());
    const split = leaveOneOutSequences(dataset);
    const ids = (a: ArrayLike<number>): string[] => Array.from(a, (i) => dataset.items[i]);
    expect(ids(split.train[0])).toEqual(["9", "3"]);
    expect(dataset.items[split.validation[0]]).toBe("7");
    expect(dataset.items[split.test[0]]).toBe("5");
    // 2 items: kept whole in train, no targets (SASRec protocol)
    expect(ids(split.train[1])).toEqual(["5", "9"]);
    expect(split.test[1]).toBe(-1);
  });

  it("keeps the last occurrence of a repeated item and reports how many were dropped", async () => {
    const dir = fixtureDir({ "Seq.txt": "1 4 6 4 8 6\n2 1 1 1\n" });
    const raw = await s3recLoader.load(join(dir, "Seq.txt"), {});
    const x = raw.interactions;
    expect(Array.from(x.item, (i) => x.itemIds[i])).toEqual(["4", "8", "6", "1"]);
    expect(Array.from(x.time ?? [])).toEqual([3, 4, 5, 3]);
    expect(raw.skipped).toEqual({ [REPEATED_IN_SEQUENCE]: 4 });
    const { dataset, report } = processRaw(raw, resolveProcessOptions());
    expect(report.skipped).toEqual({ [REPEATED_IN_SEQUENCE]: 4 });
    const split = leaveOneOutSequences(dataset);
    expect(Array.from(split.train[0], (i) => dataset.items[i])).toEqual(["4"]);
    expect(dataset.items[split.test[0]]).toBe("6");
  });

  it("names file, line, token position and value for a bad token or a repeated user", async () => {
    const dir = fixtureDir({ "bad.txt": "1 2 3\n2 4 x5 6\n", "dup.txt": "1 2 3\n1 4\n" });
    await expect(s3recLoader.load(join(dir, "bad.txt"), {})).rejects.toThrow(
      `${join(dir, "bad.txt")} line 2, field "token 3 (item)": expected a non-negative integer id, got "x5"`,
    );
    await expect(s3recLoader.load(join(dir, "dup.txt"), {})).rejects.toThrow(
      `${join(dir, "dup.txt")} line 2, field "token 1 (user)": user already has a sequence on line 1, got "1"`,
    );
  });

  it("is detected for a sequence file and a folder with <name>_item2attributes.json", () => {
    const dir = fixtureDir({
      "Beauty.txt": "1 1 2\n2 3 4 5\n",
      "Beauty_item2attributes.json": "{}",
      "ratings.txt": "1 10 5 99\n1 11 3 98\n",
    });
    expect(detectLoader(join(dir, "Beauty.txt")).format).toBe("s3rec");
    expect(detectLoader(dir).format).toBe("s3rec");
    // a space-separated ratings file (constant width, repeated user ids) stays generic CSV
    expect(detectLoader(join(dir, "ratings.txt")).format).toBe("csv");
  });

  it("joins Beauty item text: id -> ASIN -> quoted multi-line .item records", async () => {
    const dir = fixtureDir({
      "Beauty.txt": "1 1 2 3\n2 4 1\n",
      "Beauty_datamaps.json": MAPS,
      "Amazon_Beauty.item": ITEM_FILE,
    });
    const raw = await s3recLoader.load(join(dir, "Beauty.txt"), {});
    expect(raw.items.byId.get("2")).toEqual({
      title: "Neem Cream 2 oz Vanilla",
      families: { category: ["Fragrance", "Women's"], brand: ["Organix"] },
    });
    expect(raw.items.byId.get("1")).toEqual({
      title: "Red Lipstick",
      families: { category: ["Makeup", "Lips"], brand: ["L'Oreal Paris"] },
      numbers: { price: 5.5 },
    });
    expect(raw.items.byId.get("3")?.title).toBe("Gel Extra");
    expect(raw.items.byId.get("4")?.title).toBeUndefined();
    expect(raw.notes).toContain(
      "item text from Beauty_datamaps.json + Amazon_Beauty.item: 4 of 4 items joined (1 with an empty title)",
    );
    const { dataset: d } = processRaw(raw, resolveProcessOptions());
    expect(d.items).toEqual(["1", "2", "3", "4"]);
    expect(d.itemTitles).toEqual(["Red Lipstick", "Neem Cream 2 oz Vanilla", "Gel Extra", "4"]);
    expect(d.itemText?.[0]).toBe("Red Lipstick. Category: Makeup, Lips. Brand: L'Oreal Paris.");
    expect(Array.from(d.itemAttributes?.price ?? [])).toEqual([5.5, NaN, NaN, 2]);
    const cat = d.concepts.find((c) => c.kind === "category");
    // "Beauty" is on every item, so it is not a concept
    expect(cat?.names).toEqual([
      "Creams, Gels & Lotions",
      "Fragrance",
      "Hair Care",
      "Lips",
      "Makeup",
      "Women's",
    ]);
    expect(cat?.matrix.toDense().data).toEqual(
      Float32Array.from([0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
    );
    const brand = d.concepts.find((c) => c.kind === "brand");
    expect(brand?.names).toEqual(["COKA", "L'Oreal Paris", "Organix"]);
    expect(brand?.matrix.nnz).toBe(3);
  });

  it("rejects an .item row with a wrong field count naming file and line", async () => {
    const dir = fixtureDir({
      "a.item": ITEM_HEADER + "A1\tT\tB\t1\t'x'\t2\n",
      "b.item": ITEM_HEADER + "A1\tT\tx\tB\t1\t'x'\t2\tz\n",
    });
    await expect(readAmazonItemFile(join(dir, "a.item"))).rejects.toThrow(
      `${join(dir, "a.item")} line 2: expected 7 tab-separated fields (item_id, title, sales_type, sales_rank, categories, price, brand), found 6 fields`,
    );
    await expect(readAmazonItemFile(join(dir, "b.item"))).rejects.toThrow(
      /line 2, field "brand": expected 7 tab-separated fields, found 8/,
    );
  });

  it("parses Python-style lists and HTML entities", () => {
    expect(parsePythonList(`'Beauty', 'Fragrance', "Women's", 'Eau de Parfum'`, "f", 1, "c")).toEqual([
      "Beauty",
      "Fragrance",
      "Women's",
      "Eau de Parfum",
    ]);
    expect(parsePythonList(`['a, b', 'it\\'s']`, "f", 1, "c")).toEqual(["a, b", "it's"]);
    expect(() => parsePythonList("'open", "f.item", 3, "categories")).toThrow(
      `f.item line 3, field "categories": unterminated '-quoted list item, got "'open"`,
    );
    expect(decodeHtmlEntities("L&#39;Oreal &amp; Co &#x263A; &bogus;")).toBe("L'Oreal & Co ☺ &bogus;");
  });
});
