import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { InputNormaliser, columnMean, geometricMedian } from "./normalise.js";

describe("input normalisation", () => {
  const y = Matrix.fromRows([
    [1, 2, 3, 6],
    [4, 4, 4, 4],
    [-2, 0, 2, 8],
  ]);

  it("per-sample: subtracts the row mean and divides by the row std, and is undone", () => {
    const n = new InputNormaliser("per-sample", 4);
    const copy = y.clone();
    const { x, rowMean, rowScale } = n.apply(y);
    expect(y.data).toEqual(copy.data);
    expect(Array.from(rowMean as Float32Array)).toEqual([3, 4, 2]);
    expect((rowScale as Float32Array)[0]).toBeCloseTo(Math.sqrt((4 + 1 + 0 + 9) / 4), 6);
    expect((rowScale as Float32Array)[1]).toBe(1); // constant row: centred only
    expect(Array.from(x.row(1))).toEqual([0, 0, 0, 0]);
    for (let r = 0; r < 3; r++) {
      let s = 0;
      let q = 0;
      for (const v of x.row(r)) {
        s += v;
        q += v * v;
      }
      expect(s).toBeCloseTo(0, 5);
      if (r !== 1) expect(q / 4).toBeCloseTo(1, 5);
    }
    const back = n.undo(x.clone(), rowMean, rowScale);
    for (let t = 0; t < y.data.length; t++) expect(back.data[t]).toBeCloseTo(y.data[t], 5);
  });

  it("dataset: centres with column means and scales to unit average norm, and is undone", () => {
    const data = new Matrix(50, 6);
    new Rng(1).fillNormal(data.data, 3, 2);
    const n = new InputNormaliser("dataset", 6);
    n.fit(data);
    const { x } = n.apply(data);
    const mean = columnMean(x);
    for (const v of mean) expect(v).toBeCloseTo(0, 5);
    let avg = 0;
    for (let r = 0; r < 50; r++) avg += Math.hypot(...x.row(r)) / 50;
    expect(avg).toBeCloseTo(1, 5);
    const back = n.undo(x.clone());
    for (let t = 0; t < data.data.length; t++) expect(back.data[t]).toBeCloseTo(data.data[t], 4);
    // The gradient of undo is the scale.
    const g = n.undoBackward(Matrix.full(1, 6, 1));
    expect(g.data[0]).toBeCloseTo(n.scale[0], 6);
  });

  it("none copies", () => {
    const n = new InputNormaliser("none", 4);
    const { x } = n.apply(y);
    expect(x.data).toEqual(y.data);
    expect(x.data).not.toBe(y.data);
  });

  it("rejects a batch of the wrong width", () => {
    expect(() => new InputNormaliser("none", 3).apply(y)).toThrow(/expected 3 columns/);
  });
});

describe("geometric median", () => {
  it("is the middle point of collinear points and robust to an outlier", () => {
    const gm = geometricMedian(
      Matrix.fromRows([
        [0, 0],
        [1, 1],
        [100, 100],
      ]),
    );
    expect(gm[0]).toBeCloseTo(1, 3);
    expect(gm[1]).toBeCloseTo(1, 3);
  });

  it("is the centre of a symmetric configuration", () => {
    const gm = geometricMedian(
      Matrix.fromRows([
        [1, 0],
        [-1, 0],
        [0, 2],
        [0, -2],
        [3, 3],
        [-3, -3],
      ]),
    );
    expect(gm[0]).toBeCloseTo(0, 4);
    expect(gm[1]).toBeCloseTo(0, 4);
  });
});
