import { describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import { param } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const rng = new Rng(23);

describe("matmul", () => {
  // op(A) is 3x4, op(B) is 4x5 in every case.
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`gradients with transA=${transA}, transB=${transB}`, () => {
        const a = transA ? uniform(rng, 4, 3) : uniform(rng, 3, 4);
        const b = transB ? uniform(rng, 5, 4) : uniform(rng, 4, 5);
        expectGradientsMatch((t, [x, y]) => t.matmul(x, y, { transA, transB }), [a, b]);
      });
    }
  }

  it("forward matches the hand-computed product for every flag combination", () => {
    const t = new Tape();
    const a = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    const b = Matrix.fromRows([
      [5, 6],
      [7, 8],
    ]);
    expect(t.matmul(a, b).value.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(t.matmul(a, b, { transA: true }).value.toArray()).toEqual([
      [26, 30],
      [38, 44],
    ]);
    expect(t.matmul(a, b, { transB: true }).value.toArray()).toEqual([
      [17, 23],
      [39, 53],
    ]);
    expect(t.matmul(a, b, { transA: true, transB: true }).value.toArray()).toEqual([
      [23, 31],
      [34, 46],
    ]);
  });

  it("x^T x through the same variable accumulates both gradient paths", () => {
    expectGradientsMatch((t, [x]) => t.matmul(x, x, { transA: true }), [uniform(rng, 4, 3)]);
  });

  it("throws a RangeError naming the op and both shapes", () => {
    const t = new Tape();
    expect(() => t.matmul(new Matrix(2, 3), new Matrix(4, 5))).toThrow(/matmul: shape mismatch 2x3 vs 4x5/);
    expect(() => t.matmul(new Matrix(2, 3), new Matrix(2, 5), { transB: true })).toThrow(
      /matmul: shape mismatch 2x3 vs 2x5/,
    );
  });
});

describe("csrMatmul", () => {
  const s = Csr.fromTriplets(3, 4, [0, 0, 1, 2, 2], [0, 3, 2, 1, 3], [1.5, -2, 0.5, 3, 1]);

  it("gradient of S X with respect to X", () => {
    expectGradientsMatch((t, [x]) => t.csrMatmul(s, x), [uniform(rng, 4, 2)]);
  });

  it("gradient of S^T X with respect to X", () => {
    expectGradientsMatch((t, [x]) => t.csrMatmul(s, x, { transS: true }), [uniform(rng, 3, 2)]);
  });

  it("forward equals the dense product", () => {
    const x = uniform(rng, 4, 2);
    const got = new Tape().csrMatmul(s, x).value;
    const want = new Tape().matmul(s.toDense(), x).value;
    got.data.forEach((v, k) => expect(v).toBeCloseTo(want.data[k], 6));
  });

  it("accumulates into an existing gradient instead of overwriting it", () => {
    const x = param(uniform(rng, 4, 2));
    const t = new Tape();
    const y = t.add(t.sum(t.csrMatmul(s, x)), t.sum(x));
    t.backward(y);
    // d/dx sum(S x) = column sums of S, broadcast over x's columns; plus 1 from sum(x)
    const colSums = [1.5, 3, 0.5, -1];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 2; j++) expect(x.grad?.get(i, j)).toBeCloseTo(colSums[i] + 1, 6);
  });

  it("throws naming the op and both shapes", () => {
    expect(() => new Tape().csrMatmul(s, new Matrix(3, 2))).toThrow(/csrMatmul: shape mismatch 3x4 vs 3x2/);
  });
});
