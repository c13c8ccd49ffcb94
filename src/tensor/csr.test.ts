import { describe, expect, it } from "vitest";
import { Csr } from "./csr.js";
import { Matrix } from "./matrix.js";
import { Rng } from "./rng.js";

function randomSparse(rng: Rng, rows: number, cols: number, density: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let t = 0; t < m.size; t++) if (rng.uniform() < density) m.data[t] = rng.int(9) + 1;
  return m;
}

describe("Csr.fromTriplets", () => {
  it("sorts each row by column and sums duplicates (hand example)", () => {
    // Entries (row, col, value), unsorted, with (0,3) and (2,1) given twice:
    const r = [2, 0, 0, 2, 0, 1];
    const c = [1, 3, 1, 1, 3, 0];
    const v = [1, 2, 3, 4, 5, -1];
    const a = Csr.fromTriplets(3, 4, r, c, v);
    // row 0: (1, 3), (3, 2 + 5); row 1: (0, -1); row 2: (1, 1 + 4)
    expect(Array.from(a.indptr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(a.indices)).toEqual([1, 3, 0, 1]);
    expect(Array.from(a.values)).toEqual([3, 7, -1, 5]);
    expect(a.nnz).toBe(4);
    expect([a.rowNnz(0), a.rowNnz(1), a.rowNnz(2)]).toEqual([2, 1, 1]);
    expect(Array.from(a.rowIndices(0))).toEqual([1, 3]);
    expect(Array.from(a.rowValues(0))).toEqual([3, 7]);
  });

  it("defaults values to 1, so duplicates count occurrences; empty rows are kept", () => {
    const a = Csr.fromTriplets(3, 2, [2, 2, 0], [1, 1, 0]);
    expect(a.toDense().toArray()).toEqual([
      [1, 0],
      [0, 0],
      [0, 2],
    ]);
    expect(Array.from(a.indptr)).toEqual([0, 1, 1, 2]);
  });

  it("names the entry of an out-of-range or non-integer coordinate", () => {
    expect(() => Csr.fromTriplets(2, 3, [0, 1, 2], [0, 0, 0])).toThrow(
      "Csr.fromTriplets: row 2 at entry 2 out of range [0, 2)",
    );
    expect(() => Csr.fromTriplets(2, 3, [0, 1], [0, 3])).toThrow(
      "Csr.fromTriplets: col 3 at entry 1 out of range [0, 3)",
    );
    expect(() => Csr.fromTriplets(2, 3, [-1], [0])).toThrow("row -1 at entry 0");
    expect(() => Csr.fromTriplets(2, 3, [0.5], [0])).toThrow("row 0.5 at entry 0");
    expect(() => Csr.fromTriplets(2, 3, [0], [Number.NaN])).toThrow("col NaN at entry 0");
    expect(() => Csr.fromTriplets(2, 3, [0, 1], [0])).toThrow(/arrays differ in length \(2, 1, undefined\)/);
  });
});

describe("Csr operations match their dense counterparts", () => {
  const rng = new Rng(5);
  const dense = randomSparse(rng, 7, 5, 0.35);
  const a = Csr.fromDense(dense);

  it("fromDense keeps exactly the non-zeros and toDense round-trips", () => {
    let nz = 0;
    for (const x of dense.data) if (x !== 0) nz++;
    expect(nz).toBeGreaterThan(5);
    expect(a.nnz).toBe(nz);
    expect(a.toDense().data).toEqual(dense.data);
    expect(Csr.fromDense(a.toDense()).indices).toEqual(a.indices);
  });

  it("transpose equals the dense transpose with sorted rows", () => {
    const t = a.transpose();
    expect(t.shape).toBe("5x7");
    expect(t.toDense().toArray()).toEqual(dense.transpose().toArray());
    for (let i = 0; i < t.rows; i++) {
      const idx = t.rowIndices(i);
      for (let p = 1; p < idx.length; p++) expect(idx[p]).toBeGreaterThan(idx[p - 1]);
    }
    expect(t.transpose().toDense().data).toEqual(dense.data);
  });

  it("rowRange equals the dense row range and shares storage", () => {
    const r = a.rowRange(2, 6);
    expect(r.toDense().toArray()).toEqual(dense.rowRange(2, 6).toArray());
    expect(a.rowRange(3, 3).nnz).toBe(0);
    const own = Csr.fromDense(dense);
    const view = own.rowRange(1, 7);
    view.values[0] = 123;
    expect(own.values[own.indptr[1]]).toBe(123);
    expect(() => a.rowRange(5, 8)).toThrow("Csr.rowRange: [5, 8) out of bounds for 7x5");
  });

  it("gatherRows equals dense gatherRows (order and repeats kept) and copies", () => {
    const ids = [6, 0, 3, 3];
    const g = a.gatherRows(ids);
    expect(g.toDense().toArray()).toEqual(dense.gatherRows(ids).toArray());
    if (g.nnz > 0) {
      g.values[0] = -5;
      expect(a.values).not.toContain(-5);
    }
    expect(() => a.gatherRows([7])).toThrow("Csr.gatherRows: row 7 out of bounds for 7x5");
    expect(() => a.gatherRows([Number.NaN])).toThrow("Csr.gatherRows: row NaN out of bounds for 7x5");
  });

  it("the constructor validates array lengths", () => {
    const ip = new Int32Array([0, 1, 2]);
    expect(() => new Csr(3, 2, ip, new Int32Array(2), new Float32Array(2))).toThrow(
      "Csr: indptr length 3, expected 4",
    );
    expect(() => new Csr(2, 2, ip, new Int32Array(2), new Float32Array(1))).toThrow(
      "Csr: 2 indices but 1 values",
    );
    expect(() => new Csr(2, 2, ip, new Int32Array(3), new Float32Array(3))).toThrow(
      "Csr: indptr ends at 2 but 3 values are stored",
    );
  });
});
