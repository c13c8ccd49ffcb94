import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { ItemMetaTable, type ItemMeta } from "./loaders/raw.js";
import {
  buildItemMetadata,
  decadeConcepts,
  describeItem,
  genreConcepts,
  popularityConcepts,
  tagConcepts,
} from "./metadata.js";
import { resolveProcessOptions } from "./options.js";
import type { ItemConcepts } from "./types.js";

const rowsOf = (c: ItemConcepts): [string, number][][] =>
  Array.from({ length: c.matrix.rows }, (_, i) =>
    Array.from(c.matrix.rowIndices(i), (j, k) => [c.names[j], c.matrix.rowValues(i)[k]]),
  );

const tags = (pairs: [string, number][]): ItemMeta => ({ tags: new Map(pairs) });

describe("item concepts", () => {
  it("genre flags follow the source order, keeping only genres present", () => {
    const c = genreConcepts(
      [{ genres: ["Drama", "Action"] }, undefined, { genres: ["Comedy"] }],
      ["Action", "Adventure", "Comedy", "Drama"],
    );
    expect(c?.names).toEqual(["Action", "Comedy", "Drama"]);
    expect(rowsOf(c as ItemConcepts)).toEqual([
      [
        ["Action", 1],
        ["Drama", 1],
      ],
      [],
      [["Comedy", 1]],
    ]);
    expect(genreConcepts([{ genres: ["b", "a"] }])?.names).toEqual(["a", "b"]);
    expect(genreConcepts([{}, undefined])).toBeNull();
  });

  it("tags: per-item top-k by count, then tags on >= minTagItems items, most widespread first, capped", () => {
    const metas = [
      tags([
        ["pixar", 5],
        ["funny", 3],
        ["cute", 1],
      ]),
      tags([
        ["funny", 2],
        ["pixar", 1],
        ["dark", 4],
      ]),
      tags([
        ["dark", 1],
        ["funny", 1],
      ]),
      tags([["rare", 9]]),
    ];
    const c = tagConcepts(metas, { maxTags: 10, maxTagsPerItem: 2, minTagItems: 2 }) as ItemConcepts;
    // kept per item: {pixar, funny}, {dark, funny}, {dark, funny}, {rare}; df: funny 3, dark 2, pixar 1, rare 1
    expect(c.names).toEqual(["funny", "dark"]);
    expect(rowsOf(c)).toEqual([
      [["funny", 3]],
      [
        ["funny", 2],
        ["dark", 4],
      ],
      [
        ["funny", 1],
        ["dark", 1],
      ],
      [],
    ]);
    expect(tagConcepts(metas, { maxTags: 1, maxTagsPerItem: 0, minTagItems: 1 })?.names).toEqual(["funny"]);
    // ties in item count broken by total applications: pixar (6) before dark (5)
    expect(tagConcepts(metas, { maxTags: 3, maxTagsPerItem: 0, minTagItems: 2 })?.names).toEqual([
      "funny",
      "pixar",
      "dark",
    ]);
  });

  it("decades from years, unknown years left out", () => {
    const c = decadeConcepts(Int32Array.from([1995, 0, 2001, 1999])) as ItemConcepts;
    expect(c.names).toEqual(["1990s", "2000s"]);
    expect(rowsOf(c)).toEqual([[["1990s", 1]], [], [["2000s", 1]], [["1990s", 1]]]);
  });

  it("popularity buckets by rank, equal counts sharing a bucket, empty buckets dropped", () => {
    const counts = [1, 13, 1, 2, 8, 1, 2, 3, 5, 1];
    const r: number[] = [];
    const c: number[] = [];
    counts.forEach((n, j) => {
      for (let u = 0; u < n; u++) {
        r.push(u);
        c.push(j);
      }
    });
    const pop = popularityConcepts(Csr.fromTriplets(13, counts.length, r, c), 5) as ItemConcepts;
    expect(pop.names).toEqual(["popularity 1", "popularity 2", "popularity 3-5", "popularity 8-13"]);
    expect(rowsOf(pop).map((row) => row[0][0])).toEqual([
      "popularity 1",
      "popularity 8-13",
      "popularity 1",
      "popularity 2",
      "popularity 8-13",
      "popularity 1",
      "popularity 2",
      "popularity 3-5",
      "popularity 3-5",
      "popularity 1",
    ]);
  });

  it("item text joins title, year, genres and top tags", () => {
    expect(
      describeItem(
        {
          title: "Toy Story (1995)",
          year: 1995,
          genres: ["Animation", "Comedy"],
          tags: new Map([
            ["pixar", 3],
            ["fun", 5],
          ]),
        },
        10,
      ),
    ).toBe("Toy Story (1995). Genres: Animation, Comedy. Tags: fun, pixar.");
    expect(describeItem({ title: "Kolya", year: 1996 }, 10)).toBe("Kolya. Released 1996.");
    expect(describeItem(undefined, 10)).toBe("");
  });

  it("builds titles (id fallback), years and concept families for the final item order", () => {
    const table = new ItemMetaTable();
    Object.assign(table.get("7"), { title: "Seven (1995)", year: 1995, genres: ["Crime"] });
    table.addTag("7", " Twist  Ending ");
    table.addTag("3", "twist ending");
    const m = buildItemMetadata(
      ["3", "7"],
      Csr.fromTriplets(1, 2, [0, 0], [0, 1]),
      table,
      undefined,
      resolveProcessOptions({}),
    );
    expect(m.itemTitles).toEqual(["3", "Seven (1995)"]);
    expect(Array.from(m.itemYears ?? [])).toEqual([0, 1995]);
    expect(m.itemText).toEqual(["Tags: twist ending.", "Seven (1995). Genres: Crime. Tags: twist ending."]);
    expect(m.concepts.map((c) => [c.kind, c.names])).toEqual([
      ["genre", ["Crime"]],
      ["tag", ["twist ending"]],
      ["decade", ["1990s"]],
      ["popularity", ["popularity 1"]],
    ]);
  });
});
