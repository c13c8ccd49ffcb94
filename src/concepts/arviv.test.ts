import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import {
  conceptCoverage,
  lastfmStyleConcepts,
  ml1mArvivConcepts,
  readLastfmTagCounts,
} from "./arviv-concepts.js";
import { arvivTable } from "./arviv-table.js";

function flags(rows: number[][], cols: number): Csr {
  const r: number[] = [];
  const c: number[] = [];
  rows.forEach((row, i) => row.forEach((j) => (r.push(i), c.push(j))));
  return Csr.fromTriplets(rows.length, cols, r, c);
}

const has = (m: ItemConcepts, item: number): string[] => {
  const out: string[] = [];
  for (let p = m.matrix.indptr[item]; p < m.matrix.indptr[item + 1]; p++)
    out.push(m.names[m.matrix.indices[p]]);
  return out;
};

describe("Arviv et al. concepts", () => {
  it("adds Golden-Age and genre-and-decade compounds to the ML-1M genres", () => {
    const genres: ItemConcepts = {
      kind: "genre",
      names: ["Action", "Comedy", "Drama"],
      matrix: flags([[1], [0, 2], [1], [2], []], 3),
    };
    const c = ml1mArvivConcepts(genres, Int32Array.of(1965, 1995, 1985, 1970, 0));
    expect(has(c, 0)).toEqual(["Comedy", "Golden-Age"]);
    expect(has(c, 1)).toEqual(["Action", "Drama", "90's Drama", "90's Action"]);
    expect(has(c, 2)).toEqual(["Comedy", "80's Comedy"]);
    expect(has(c, 3)).toEqual(["Drama"]); // 1970 is not before 1970
    expect(has(c, 4)).toEqual([]); // unknown year: no compound
    expect(conceptCoverage(c)).toEqual([1, 2, 2, 1, 1, 0, 1, 1]);
  });

  it("gives an artist a style when one of its 4 most applied tags is in the group", () => {
    const counts = [
      new Map([
        ["rock", 5],
        ["pop", 4],
        ["80s", 3],
        ["british", 2],
        ["metal", 1],
      ]), // metal is 5th
      new Map([
        ["death metal", 9],
        ["electronic", 1],
      ]),
      new Map([["dance", 2]]), // Trance and Pop both contain dance
    ];
    const s = lastfmStyleConcepts(counts);
    expect(has(s, 0)).toEqual(["Pop", "Rock"]);
    expect(has(s, 1)).toEqual(["Electronic", "Metal", "Trance"]);
    expect(has(s, 2)).toEqual(["Trance", "Pop"]);
  });

  it("counts tag applications per artist from HetRec files", () => {
    const dir = mkdtempSync(join(tmpdir(), "reclens-arviv-"));
    try {
      writeFileSync(join(dir, "tags.dat"), "tagID\ttagValue\n1\tMetal\n2\trock\n");
      writeFileSync(
        join(dir, "user_taggedartists.dat"),
        "userID\tartistID\ttagID\tday\tmonth\tyear\n1\t10\t1\t1\t1\t2009\n2\t10\t1\t1\t1\t2009\n2\t10\t2\t1\t1\t2009\n3\t99\t2\t1\t1\t2009\n",
      );
      const c = readLastfmTagCounts(dir, ["10", "11"]);
      expect([...c[0]]).toEqual([
        ["metal", 2],
        ["rock", 1],
      ]);
      expect(c[1].size).toBe(0);
      expect(() => readLastfmTagCounts(join(dir, "nope"), [])).toThrow(/tags.dat/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Table 1 best-neuron rule", () => {
  // 60 items: concept 0 on items 0-29, concept 1 on items 30-59. Popularity: item i has 60 - i uses.
  const concepts: ItemConcepts = {
    kind: "genre",
    names: ["x", "y"],
    matrix: flags(
      Array.from({ length: 60 }, (_, i) => [i < 30 ? 0 : 1]),
      2,
    ),
  };
  const counts = Array.from({ length: 60 }, (_, i) => 60 - i);
  // Neuron 0: fires on all items, strongest on 0-29 (pure x at 10 and 20, 30/50 at 50).
  // Neuron 1: fires on 55 items, strongest on 30-59 -> y purity 1, 1, 30/50.
  // Neuron 2: fires on 10 items only (not eligible even though it is purest).
  const z = new Matrix(60, 3);
  for (let i = 0; i < 60; i++) {
    z.set(i, 0, i < 30 ? 2 + (30 - i) / 30 : 1 + (60 - i) / 60);
    if (i >= 5) z.set(i, 1, i >= 30 ? 2 + i / 60 : 1 + i / 60);
    if (i < 10) z.set(i, 2, 5);
  }
  const t = arvivTable(z, concepts, counts, 50);

  it("picks among neurons with >= 50 activating items the highest mean purity@10/20/50", () => {
    expect(t.candidates).toBe(2);
    expect(t.rows[0]).toEqual({ concept: "x", items: 30, neuron: 0, purity: [1, 1, 0.6] });
    expect(t.rows[1]).toEqual({ concept: "y", items: 30, neuron: 1, purity: [1, 1, 0.6] });
  });

  it("reports the popularity neuron as the mean popularity percentile (0 = most popular) of its top items", () => {
    // Neuron 0's top 10 are items 0-9: mid-rank percentiles from the top are 0/59 .. 9/59 -> mean 4.5/59.
    expect(t.popularity.neuron).toBe(0);
    expect(t.popularity.percentile?.[0]).toBeCloseTo(4.5 / 59, 6);
    expect(t.popularity.percentile?.[1]).toBeCloseTo(9.5 / 59, 6);
  });
});
