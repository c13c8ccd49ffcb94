import { describe, expect, it } from "vitest";
import { Csr } from "../../tensor/csr.js";
import { Rng } from "../../tensor/rng.js";
import type { Dataset } from "../types.js";
import { leaveKOutSplit } from "./leaveKOut.js";

function randomDataset(): Dataset {
  const rng = new Rng(3);
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < 60; u++) {
    for (const i of rng.permutation(30).slice(0, u % 20)) {
      r.push(u);
      c.push(i);
    }
  }
  const matrix = Csr.fromTriplets(60, 30, r, c);
  const timestamps = new Float64Array(matrix.nnz).map(() => rng.int(1000));
  return { name: "t", source: "test", users: [], items: [], matrix, timestamps, concepts: [] };
}

const rowSet = (m: Csr, u: number): number[] => Array.from(m.rowIndices(u));

describe("leaveKOutSplit", () => {
  const ds = randomDataset();

  it("holds out exactly k (+ valK) per eligible user; disjoint parts whose union is the data", () => {
    for (const order of ["random", "recent"] as const) {
      const s = leaveKOutSplit(ds, { seed: 1, k: 5, valK: 3, order });
      expect(s.train.nnz + s.validation.nnz + s.test.nnz).toBe(ds.matrix.nnz);
      for (let u = 0; u < 60; u++) {
        const n = u % 20;
        expect(s.test.rowNnz(u)).toBe(n > 5 ? 5 : 0);
        expect(s.validation.rowNnz(u)).toBe(n > 8 ? 3 : 0);
        expect(s.train.rowNnz(u)).toBe(n - s.test.rowNnz(u) - s.validation.rowNnz(u));
        const all = [...rowSet(s.train, u), ...rowSet(s.validation, u), ...rowSet(s.test, u)].sort(
          (a, b) => a - b,
        );
        expect(all).toEqual(rowSet(ds.matrix, u)); // union equals the row, no item twice
      }
      expect(Array.from(s.testUsers)).toEqual(
        Array.from({ length: 60 }, (_, u) => u).filter((u) => u % 20 > 5),
      );
      expect(Array.from(s.validationUsers)).toEqual(
        Array.from({ length: 60 }, (_, u) => u).filter((u) => u % 20 > 8),
      );
    }
  });

  it("users with <= k interactions keep everything in train", () => {
    const s = leaveKOutSplit(ds, { seed: 1, k: 5 });
    for (const u of [0, 1, 5, 20, 25]) {
      expect(s.test.rowNnz(u)).toBe(0);
      expect(rowSet(s.train, u)).toEqual(rowSet(ds.matrix, u));
    }
    expect(s.validation.nnz).toBe(0);
  });

  it("is deterministic per seed", () => {
    const a = leaveKOutSplit(ds, { seed: 9, k: 2, valK: 1 });
    const b = leaveKOutSplit(ds, { seed: 9, k: 2, valK: 1 });
    const c = leaveKOutSplit(ds, { seed: 10, k: 2, valK: 1 });
    expect(a.test.indices).toEqual(b.test.indices);
    expect(a.validation.indices).toEqual(b.validation.indices);
    expect(Array.from(a.test.indices)).not.toEqual(Array.from(c.test.indices));
  });

  it("recent picks the latest timestamps, ties broken by stored order", () => {
    // one user, items 0..5 with timestamps; items 4 and 5 tie at 50 -> 5 counts as more recent
    const matrix = Csr.fromTriplets(1, 6, [0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 4, 5]);
    const timestamps = Float64Array.from([90, 10, 70, 30, 50, 50]);
    const hand: Dataset = {
      name: "h",
      source: "h",
      users: ["a"],
      items: [],
      matrix,
      timestamps,
      concepts: [],
    };
    const s = leaveKOutSplit(hand, { seed: 0, k: 2, valK: 2, order: "recent" });
    expect(rowSet(s.test, 0)).toEqual([0, 2]); // 90, 70
    expect(rowSet(s.validation, 0)).toEqual([4, 5]); // 50, 50
    expect(rowSet(s.train, 0)).toEqual([1, 3]);
    const s1 = leaveKOutSplit(hand, { seed: 0, k: 3, order: "recent" });
    expect(rowSet(s1.test, 0)).toEqual([0, 2, 5]); // the tie goes to the later position
  });

  it("keeps values and rejects bad input", () => {
    const matrix = Csr.fromTriplets(1, 3, [0, 0, 0], [0, 1, 2], [2, 3, 4]);
    const d: Dataset = { name: "v", source: "v", users: [], items: [], matrix, concepts: [] };
    const s = leaveKOutSplit(d, { seed: 4, k: 1 });
    expect(s.test.values[0] + s.train.values[0] + s.train.values[1]).toBe(9);
    expect(s.test.values[0]).toBe(s.test.indices[0] + 2);
    expect(() => leaveKOutSplit(d, { seed: 1, order: "recent" })).toThrow(/needs timestamps/);
    expect(() => leaveKOutSplit(d, { seed: 1, k: 0 })).toThrow(/k must be an integer >= 1/);
    const bad = { ...d, timestamps: Float64Array.from([1, NaN, 3]) };
    expect(() => leaveKOutSplit(bad, { seed: 1, order: "recent" })).toThrow(/interaction 1 is NaN/);
  });
});
