import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveProcessOptions } from "../options.js";
import { processRaw } from "../process.js";
import { leaveOneOutSequences } from "../splits/sequences.js";
import { fixtureDir } from "../test-utils/fixtures.js";
import { detectLoader } from "./index.js";
import { lcrecLoader } from "./lcrec.js";

const ITEMS = {
  "0": {
    title: "Hard Start Kit.",
    description: "Relay  kit.",
    brand: "Supco",
    categories: "Industrial & Scientific,Electrical,Capacitors",
  },
  "1": {
    title: "Staples",
    description: "",
    brand: "Stanley",
    categories: "Industrial & Scientific,Fasteners",
  },
  "2": {
    title: "Brush",
    description: "Wire brush.",
    brand: "",
    categories: "Industrial & Scientific,Abrasives",
  },
};

describe("LC-Rec JSON loader", () => {
  it("reads users' item lists in order, with item text and category/brand families", async () => {
    const dir = fixtureDir({
      "Sci.inter.json": JSON.stringify({ "0": [2, 0, 1], "1": [1, 2, 1, 0] }),
      "Sci.item.json": JSON.stringify(ITEMS),
    });
    expect(detectLoader(dir).format).toBe("lcrec");
    const raw = await lcrecLoader.load(dir, {});
    expect(raw.name).toBe("Sci");
    const x = raw.interactions;
    expect(Array.from(x.item, (i) => x.itemIds[i])).toEqual(["2", "0", "1", "2", "1", "0"]);
    expect(Array.from(x.time ?? [])).toEqual([1, 2, 3, 2, 3, 4]);
    expect(raw.skipped).toEqual({
      "repeated item within a user's sequence (earlier occurrences dropped)": 1,
    });
    const { dataset: d } = processRaw(raw, resolveProcessOptions());
    const split = leaveOneOutSequences(d);
    expect(Array.from(split.train[0])).toEqual([2]);
    expect([split.validation[0], split.test[0]]).toEqual([0, 1]);
    expect(Array.from(split.train[1])).toEqual([2]);
    expect([split.validation[1], split.test[1]]).toEqual([1, 0]);
    expect(d.itemText).toEqual([
      "Hard Start Kit. Relay kit. Brand: Supco. Category: Electrical, Capacitors.",
      "Staples. Brand: Stanley. Category: Fasteners.",
      "Brush. Wire brush. Category: Abrasives.",
    ]);
    expect(d.concepts.find((c) => c.kind === "category")?.names).toEqual([
      "Abrasives",
      "Capacitors",
      "Electrical",
      "Fasteners",
    ]);
    expect(d.concepts.find((c) => c.kind === "brand")?.names).toEqual(["Stanley", "Supco"]);
    expect(raw.notes).toContain('category "Industrial & Scientific" is on every item: not a concept');
  });

  it("names file, user and position for a bad item id, and the field for a bad item record", async () => {
    const dir = fixtureDir({
      "A.inter.json": JSON.stringify({ "0": [1, "2"] }),
      "A.item.json": "{}",
    });
    const file = join(dir, "A.inter.json");
    await expect(lcrecLoader.load(dir, {})).rejects.toThrow(
      `${file}, field "user "0", position 2": expected a non-negative integer item id, got "\\"2\\""`,
    );
    const dir2 = fixtureDir({
      "B.inter.json": JSON.stringify({ "0": [0] }),
      "B.item.json": JSON.stringify({ "0": { title: 5 } }),
    });
    await expect(lcrecLoader.load(join(dir2, "B.inter.json"), {})).rejects.toThrow(
      `${join(dir2, "B.item.json")}, field "item "0".title": expected a string, got "5"`,
    );
  });
});
