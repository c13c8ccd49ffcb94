import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { InputNormaliser, LAYER_NORM_EPS, columnMean, geometricMedian } from "./normalise.js";

describe("input normalisation", () => {
  const y = Matrix.fromRows([
    [1, 2, 3, 6],
    [4, 4, 4, 4],
    [-2, 0, 2, 8],
  ]);

  it("per-sample is SAELens's layer_norm: sample std (n - 1), +1e-5 on the way in, none on the way out", () => {
    const n = new InputNormaliser("per-sample", 4);
    const copy = y.clone();
    const { x, rowMean, rowScale } = n.apply(y);
    expect(y.data).toEqual(copy.data);
    expect(Array.from(rowMean as Float32Array)).toEqual([3, 4, 2]);
    const s0 = Math.sqrt((4 + 1 + 0 + 9) / 3); // torch.std: unbiased
    expect((rowScale as Float32Array)[0]).toBeCloseTo(s0, 6);
    expect((rowScale as Float32Array)[1]).toBe(0); // constant row: centred, 0 / (0 + 1e-5) = 0
    expect(Array.from(x.row(1))).toEqual([0, 0, 0, 0]);
    const want0 = [-2, -1, 0, 3].map((d) => d / (s0 + LAYER_NORM_EPS));
    for (let c = 0; c < 4; c++) expect(x.get(0, c)).toBeCloseTo(want0[c], 6);
    // Row 2: mean 2, deviations -4 -2 0 6, sample std sqrt(56 / 3).
    expect(x.get(2, 3)).toBeCloseTo(6 / (Math.sqrt(56 / 3) + 1e-5), 6);
    // Undone as x * std + mean (SAELens's run_time_activation_ln_out), so nearly but not exactly y.
    const back = n.undo(x.clone(), rowMean, rowScale);
    expect(back.get(0, 3)).toBeCloseTo(want0[3] * s0 + 3, 6);
    for (let t = 0; t < y.data.length; t++) expect(back.data[t]).toBeCloseTo(y.data[t], 4);
  });

  it("per-sample-v1 (reclens 0.1 folders) divides by the population std without epsilon", () => {
    const n = new InputNormaliser("per-sample-v1", 4);
    const { x, rowScale } = n.apply(y);
    expect((rowScale as Float32Array)[0]).toBeCloseTo(Math.sqrt(14 / 4), 6);
    expect((rowScale as Float32Array)[1]).toBe(1); // constant row: centred only
    expect(x.get(0, 3)).toBeCloseTo(3 / Math.sqrt(14 / 4), 6);
    const back = n.undo(x.clone(), n.apply(y).rowMean, rowScale);
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
