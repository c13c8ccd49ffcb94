import { describe, expect, it } from "vitest";
import { Matrix, assertShape } from "./matrix.js";

describe("Matrix", () => {
  const m = (): Matrix =>
    Matrix.fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);

  it("fromRows lays values out row-major and copies them", () => {
    const src = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const a = Matrix.fromRows(src);
    expect([a.rows, a.cols, a.shape, a.size]).toEqual([2, 3, "2x3", 6]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.get(1, 0)).toBe(4);
    src[0][0] = 100;
    expect(a.get(0, 0)).toBe(1);
    expect(Matrix.fromRows([]).shape).toBe("0x0");
  });

  it("wraps a caller's buffer without copying", () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const a = new Matrix(2, 2, data);
    a.set(1, 1, 9);
    expect(data[3]).toBe(9);
  });

  it("transpose moves (i, j) to (j, i)", () => {
    const t = m().transpose();
    expect(t.shape).toBe("3x2");
    expect(t.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(t.transpose().toArray()).toEqual(m().toArray());
  });

  it("rowRange and row are views: writes show through both ways", () => {
    const a = Matrix.fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const v = a.rowRange(1, 3);
    expect(v.toArray()).toEqual([
      [3, 4],
      [5, 6],
    ]);
    v.set(0, 1, 40);
    expect(a.get(1, 1)).toBe(40);
    a.set(2, 0, 50);
    expect(v.get(1, 0)).toBe(50);
    a.row(0)[1] = 20;
    expect(a.get(0, 1)).toBe(20);
    expect(a.rowRange(2, 2).shape).toBe("0x2");
  });

  it("gatherRows copies the named rows in order, repeats allowed", () => {
    const a = Matrix.fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const g = a.gatherRows([2, 0, 2]);
    expect(g.toArray()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
    g.set(0, 0, 99);
    expect(a.get(2, 0)).toBe(5);
    const out = Matrix.full(1, 2, 7);
    expect(a.gatherRows([1], out)).toBe(out);
    expect(out.toArray()).toEqual([[3, 4]]);
  });

  it("clone is independent; eye, full and zeros hold the right values", () => {
    const a = m();
    const c = a.clone();
    c.set(0, 0, -1);
    expect(a.get(0, 0)).toBe(1);
    expect(Matrix.eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(Array.from(Matrix.full(2, 2, 0.5).data)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(Matrix.zeros(1, 3).data)).toEqual([0, 0, 0]);
  });

  it("shape errors name the operation and the shapes", () => {
    expect(() => new Matrix(2, 3, new Float32Array(5))).toThrow(
      "Matrix: data length 5 does not match shape 2x3",
    );
    expect(() => new Matrix(-1, 2)).toThrow("Matrix: invalid shape -1x2");
    expect(() => new Matrix(1.5, 2)).toThrow("Matrix: invalid shape 1.5x2");
    expect(() => Matrix.fromRows([[1, 2], [3]])).toThrow("Matrix.fromRows: row 1 has 1 values, expected 2");
    expect(() => m().rowRange(1, 3)).toThrow("Matrix.rowRange: [1, 3) out of bounds for 2x3");
    expect(() => m().rowRange(2, 1)).toThrow(/out of bounds/);
    expect(() => m().gatherRows([0, 2])).toThrow("Matrix.gatherRows: row 2 out of bounds for 2x3");
    expect(() => m().gatherRows([-1])).toThrow("Matrix.gatherRows: row -1 out of bounds for 2x3");
    expect(() => m().gatherRows([0.5])).toThrow("Matrix.gatherRows: row 0.5 out of bounds for 2x3");
    expect(() => m().gatherRows([Number.NaN])).toThrow("Matrix.gatherRows: row NaN out of bounds for 2x3");
    expect(() => m().gatherRows([0], new Matrix(2, 3))).toThrow(
      "Matrix.gatherRows: out is 2x3, expected 1x3",
    );
    expect(() => assertShape(false, "gemm", m(), Matrix.eye(2), "inner dims")).toThrow(
      "gemm: shape mismatch 2x3 vs 2x2 (inner dims)",
    );
    expect(() => assertShape(true, "gemm", m(), Matrix.eye(2))).not.toThrow();
  });
});
