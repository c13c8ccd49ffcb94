import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import type { Variable } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const rng = new Rng(41);

describe("reductions", () => {
  const x = Matrix.fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const t = new Tape();
  const arr = (v: Variable): number[][] => v.value.toArray();

  it("forward values", () => {
    expect(arr(t.sum(x))).toEqual([[21]]);
    expect(arr(t.mean(x))).toEqual([[3.5]]);
    expect(arr(t.sumRows(x))).toEqual([[6], [15]]);
    expect(arr(t.meanRows(x))).toEqual([[2], [5]]);
    expect(arr(t.sumCols(x))).toEqual([[5, 7, 9]]);
    expect(arr(t.meanCols(x))).toEqual([[2.5, 3.5, 4.5]]);
  });

  const ops = ["sum", "mean", "sumRows", "meanRows", "sumCols", "meanCols"] as const;
  for (const op of ops) {
    it(`${op} gradient`, () => expectGradientsMatch((tp, [v]) => tp[op](v), [uniform(rng, 3, 4)]));
  }
});

describe("concat, slice, transpose, reshape", () => {
  it("concatCols forward and gradient", () => {
    const a = Matrix.fromRows([[1], [2]]);
    const b = Matrix.fromRows([
      [3, 4],
      [5, 6],
    ]);
    expect(new Tape().concatCols([a, b]).value.toArray()).toEqual([
      [1, 3, 4],
      [2, 5, 6],
    ]);
    expectGradientsMatch(
      (t, xs) => t.concatCols(xs),
      [uniform(rng, 3, 2), uniform(rng, 3, 1), uniform(rng, 3, 3)],
    );
  });

  it("concatRows forward and gradient", () => {
    const a = Matrix.fromRows([[1, 2]]);
    const b = Matrix.fromRows([
      [3, 4],
      [5, 6],
    ]);
    expect(new Tape().concatRows([a, b]).value.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expectGradientsMatch(
      (t, xs) => t.concatRows(xs),
      [uniform(rng, 2, 3), uniform(rng, 1, 3), uniform(rng, 3, 3)],
    );
  });

  it("concat shape errors name the op and both shapes", () => {
    expect(() => new Tape().concatCols([new Matrix(2, 1), new Matrix(3, 1)])).toThrow(
      /concatCols: shape mismatch 2x1 vs 3x1/,
    );
    expect(() => new Tape().concatRows([new Matrix(2, 1), new Matrix(2, 2)])).toThrow(
      /concatRows: shape mismatch 2x1 vs 2x2/,
    );
  });

  it("sliceCols forward and gradient", () => {
    const x = Matrix.fromRows([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(new Tape().sliceCols(x, 1, 3).value.toArray()).toEqual([
      [2, 3],
      [6, 7],
    ]);
    expectGradientsMatch((t, [v]) => t.sliceCols(v, 1, 4), [uniform(rng, 3, 5)]);
    expect(() => new Tape().sliceCols(x, 2, 5)).toThrow(
      /sliceCols: column range \[2, 5\) out of bounds for 2x4/,
    );
  });

  it("sliceRows forward and gradient", () => {
    const x = Matrix.fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(new Tape().sliceRows(x, 1, 3).value.toArray()).toEqual([
      [3, 4],
      [5, 6],
    ]);
    expectGradientsMatch((t, [v]) => t.sliceRows(v, 2, 4), [uniform(rng, 5, 3)]);
  });

  it("slices of one variable recombine into the full gradient", () => {
    expectGradientsMatch((t, [v]) => t.mul(t.sliceCols(v, 0, 2), t.sliceCols(v, 2, 4)), [uniform(rng, 3, 4)]);
  });

  it("transpose forward and gradient", () => {
    expect(new Tape().transpose(Matrix.fromRows([[1, 2, 3]])).value.toArray()).toEqual([[1], [2], [3]]);
    expectGradientsMatch((t, [v]) => t.transpose(v), [uniform(rng, 3, 4)]);
  });

  it("reshape forward, gradient and error", () => {
    expect(
      new Tape()
        .reshape(
          Matrix.fromRows([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          3,
          2,
        )
        .value.toArray(),
    ).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expectGradientsMatch(
      (t, [v]) => t.mul(t.reshape(v, 2, 6), uniform(new Rng(3), 2, 6)),
      [uniform(rng, 4, 3)],
    );
    expect(() => new Tape().reshape(new Matrix(2, 3), 4, 2)).toThrow(/reshape: shape mismatch 2x3 vs 4x2/);
  });
});
