import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import {
  deadFraction,
  firingRates,
  fractionVarianceExplained,
  LatentActivity,
  meanCosineSimilarity,
  meanL0,
  meanSquaredError,
} from "./sae.js";

describe("reconstruction metrics", () => {
  const x = Matrix.fromRows([
    [1, 0],
    [3, 4],
  ]);
  const xHat = Matrix.fromRows([
    [1, 1],
    [3, 2],
  ]);

  it("FVE = 1 - SSE/SST around per-dimension means", () => {
    // means (2, 2); SST = 1 + 4 + 1 + 4 = 10; SSE = 0 + 1 + 0 + 4 = 5
    expect(fractionVarianceExplained(x, xHat)).toBeCloseTo(0.5, 12);
    expect(fractionVarianceExplained(x, x)).toBe(1);
    expect(() => fractionVarianceExplained(Matrix.full(3, 2, 7), Matrix.full(3, 2, 7))).toThrow(
      /no variance/,
    );
    expect(() => fractionVarianceExplained(x, new Matrix(2, 3))).toThrow(/shape mismatch 2x2 vs 2x3/);
  });

  it("MSE and mean cosine", () => {
    expect(meanSquaredError(x, xHat)).toBeCloseTo(5 / 4, 12);
    // row 0: (1*1 + 0) / (1 * sqrt 2); row 1: (9 + 8) / (5 * sqrt 13)
    expect(meanCosineSimilarity(x, xHat)).toBeCloseTo((1 / Math.SQRT2 + 17 / (5 * Math.sqrt(13))) / 2, 6);
    const z = Matrix.fromRows([
      [0, 0],
      [1, 0],
    ]);
    expect(
      meanCosineSimilarity(
        z,
        Matrix.fromRows([
          [0, 0],
          [0, 2],
        ]),
      ),
    ).toBeCloseTo(0.5, 12); // 1 and 0
  });
});

describe("latent activity", () => {
  const dense = Matrix.fromRows([
    [0, 2, 0, 0.5],
    [0, 1, 0, 0],
    [0, 0, 0, 3],
  ]);

  it("L0, firing rates and dead fraction on dense and sparse codes", () => {
    expect(meanL0(dense)).toBeCloseTo(4 / 3, 12);
    expect(Array.from(firingRates(dense))).toEqual([0, 2 / 3, 0, 2 / 3]);
    expect(deadFraction(dense)).toBe(0.5);
    const sparse = Csr.fromDense(dense);
    expect(meanL0(sparse)).toBeCloseTo(4 / 3, 12);
    expect(deadFraction(sparse)).toBe(0.5);
    const explicitZero = new Csr(
      1,
      4,
      Int32Array.from([0, 2]),
      Int32Array.from([0, 2]),
      Float32Array.from([0, 1]),
    );
    expect(meanL0(explicitZero)).toBe(1); // a stored 0 is not active
  });

  it("accumulates over batches", () => {
    const acc = new LatentActivity(4).add(dense.rowRange(0, 1)).add(dense.rowRange(1, 3));
    expect(acc.rows).toBe(3);
    expect(acc.meanL0()).toBeCloseTo(4 / 3, 12);
    acc.add(Matrix.fromRows([[1, 0, 0, 0]]));
    expect(acc.deadFraction()).toBe(0.25);
    expect(() => new LatentActivity(4).meanL0()).toThrow(/no codes added/);
    expect(() => acc.add(new Matrix(1, 3))).toThrow(/3 latents, expected 4/);
  });
});
