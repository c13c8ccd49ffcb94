import { describe, expect, it } from "vitest";
import { Csr } from "../../tensor/csr.js";
import type { Dataset } from "../types.js";
import { leaveOneOutSequences, sequenceInputs, sequencesToCsr, targetsToCsr } from "./sequences.js";

/** rows[u] = [item, timestamp][] in any order. */
function dataset(rows: [number, number][][], nItems: number): Dataset {
  const r: number[] = [];
  const c: number[] = [];
  rows.forEach((row, u) => row.forEach(([i]) => (r.push(u), c.push(i))));
  const matrix = Csr.fromTriplets(rows.length, nItems, r, c);
  const timestamps = new Float64Array(matrix.nnz);
  rows.forEach((row, u) => {
    for (const [i, t] of row) {
      const p = matrix.indptr[u] + matrix.rowIndices(u).indexOf(i);
      timestamps[p] = t;
    }
  });
  return { name: "s", source: "s", users: [], items: [], matrix, timestamps, concepts: [] };
}

describe("leaveOneOutSequences", () => {
  const ds = dataset(
    [
      [
        [3, 30],
        [1, 10],
        [4, 40],
        [0, 20],
      ], // order 1, 0, 3, 4
      [
        [2, 5],
        [5, 5],
        [1, 5],
      ], // all tie -> stored order 1, 2, 5
      [
        [6, 1],
        [2, 2],
      ], // too short with validation
      [],
    ],
    7,
  );

  it("orders by time (stable ties) and holds out the last two", () => {
    const s = leaveOneOutSequences(ds);
    expect(Array.from(s.train[0])).toEqual([1, 0]);
    expect(s.validation[0]).toBe(3);
    expect(s.test[0]).toBe(4);
    expect(Array.from(s.train[1])).toEqual([1]);
    expect([s.validation[1], s.test[1]]).toEqual([2, 5]);
    expect(Array.from(s.train[2])).toEqual([6, 2]);
    expect([s.validation[2], s.test[2]]).toEqual([-1, -1]);
    expect(s.train[3].length).toBe(0);
    expect(s.test[3]).toBe(-1);
  });

  it("without validation holds out only the last item; users need 2 interactions", () => {
    const s = leaveOneOutSequences(ds, { validation: false });
    expect(Array.from(s.train[0])).toEqual([1, 0, 3]);
    expect(s.test[0]).toBe(4);
    expect(Array.from(s.train[2])).toEqual([6]);
    expect(s.test[2]).toBe(2);
    expect(Array.from(s.validation)).toEqual([-1, -1, -1, -1]);
  });

  it("union of train, validation and test is each user's history", () => {
    const s = leaveOneOutSequences(ds);
    for (let u = 0; u < 4; u++) {
      const all = [...s.train[u], s.validation[u], s.test[u]].filter((i) => i >= 0).sort((a, b) => a - b);
      expect(all).toEqual(Array.from(ds.matrix.rowIndices(u)));
    }
  });

  it("builds inputs and matrices for evaluation", () => {
    const s = leaveOneOutSequences(ds);
    const inputs = sequenceInputs(s, "test");
    expect(Array.from(inputs[0])).toEqual([1, 0, 3]);
    expect(Array.from(inputs[2])).toEqual([6, 2]);
    expect(sequenceInputs(s, "validation")[0]).toBe(s.train[0]);
    const hist = sequencesToCsr(inputs, 7);
    expect(Array.from(hist.rowIndices(0))).toEqual([0, 1, 3]);
    const t = targetsToCsr(s.test, 7);
    expect(t.toDense().toArray()[0]).toEqual([0, 0, 0, 0, 1, 0, 0]);
    expect(t.rowNnz(2)).toBe(0);
  });

  it("requires timestamps", () => {
    const { timestamps: _t, ...rest } = ds;
    expect(() => leaveOneOutSequences(rest)).toThrow(/no timestamps/);
  });
});
