import { describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { referenceKernels as K } from "./reference.js";
import type { AdamStep } from "./types.js";

const A = (): Matrix =>
  Matrix.fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
const B = (): Matrix =>
  Matrix.fromRows([
    [7, 8],
    [9, 10],
    [11, 12],
  ]);
// A*B by hand: [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12].
const AB = [
  [58, 64],
  [139, 154],
];

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i] - expected[i]), `element ${i}`).toBeLessThanOrEqual(tol);
}

describe("reference gemm", () => {
  it("multiplies a 2x3 by a 3x2 with every transpose combination", () => {
    const a = A();
    const b = B();
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const c = K.gemm(ta, tb, 1, ta ? a.transpose() : a, tb ? b.transpose() : b, 0, new Matrix(2, 2));
      expect(c.toArray(), `transA=${ta} transB=${tb}`).toEqual(AB);
    }
  });

  it("applies alpha and beta: C = 2 AB - C0", () => {
    const c = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    K.gemm(false, false, 2, A(), B(), -1, c);
    expect(c.toArray()).toEqual([
      [115, 126],
      [275, 304],
    ]);
  });

  it("beta = 0 ignores NaN already in C", () => {
    const c = Matrix.full(2, 2, Number.NaN);
    expect(K.gemm(false, false, 1, A(), B(), 0, c).toArray()).toEqual(AB);
  });

  it("names the op and both shapes on a mismatch, and rejects an output overlapping an input", () => {
    expect(() => K.gemm(false, false, 1, A(), A(), 0, new Matrix(2, 3))).toThrow(
      /gemm: shape mismatch 2x3 vs 2x3/,
    );
    expect(() => K.gemm(false, false, 1, A(), B(), 0, new Matrix(3, 3))).toThrow(
      /gemm: shape mismatch 3x3 vs 2x2/,
    );
    const sq = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    expect(() => K.gemm(false, false, 1, sq, sq, 0, sq)).toThrow(/gemm: output C overlaps input A/);
  });
});

describe("reference sparse products", () => {
  // S = [[1, 0, 2], [0, 3, 0]]
  const S = (): Csr => Csr.fromTriplets(2, 3, [0, 0, 1], [0, 2, 1], [1, 2, 3]);

  it("csrMm: S * B, with alpha and beta", () => {
    expect(K.csrMm(S(), B()).toArray()).toEqual([
      [7 + 22, 8 + 24],
      [27, 30],
    ]);
    const out = Matrix.full(2, 2, 1);
    expect(K.csrMm(S(), B(), out, 2, 3).toArray()).toEqual([
      [61, 67],
      [57, 63],
    ]);
  });

  it("csrTMm: S^T * C", () => {
    const c = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    expect(K.csrTMm(S(), c).toArray()).toEqual([
      [1, 2],
      [9, 12],
      [2, 4],
    ]);
  });

  it("csrGram: S^T S, symmetric", () => {
    // S^T S for S = [[1, 0, 2], [0, 3, 0]]: column products 1*1, 1*2, 3*3, 2*2
    expect(K.csrGram(S()).toArray()).toEqual([
      [1, 0, 2],
      [0, 9, 0],
      [2, 0, 4],
    ]);
  });

  it("scaleRows and projectRows by hand, in place too", () => {
    const g = Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);
    expect(K.scaleRows(g, Float32Array.of(2, -1)).toArray()).toEqual([
      [2, 4],
      [-3, -4],
    ]);
    // rows of a are unit vectors e1 and (0.6, 0.8): g0 loses its e1 part, g1 - (3*0.6 + 4*0.8) a1
    const a = Matrix.fromRows([
      [1, 0],
      [0.6, 0.8],
    ]);
    const p = K.projectRows(g, a, Float32Array.of(3, 1));
    expect(p.get(0, 0)).toBe(0);
    expect(p.get(0, 1)).toBe(6);
    expect(p.get(1, 0)).toBeCloseTo(3 - 5 * 0.6, 6);
    expect(p.get(1, 1)).toBeCloseTo(4 - 5 * 0.8, 6);
    const inPlace = g.clone();
    K.projectRows(inPlace, a, Float32Array.of(3, 1), inPlace);
    expect(Array.from(inPlace.data)).toEqual(Array.from(p.data));
    expect(() => K.scaleRows(g, Float32Array.of(1))).toThrow(/scaleRows: shape mismatch 2x2 vs vector of 1/);
  });

  it("denseCsrT: D * S^T", () => {
    const d = Matrix.fromRows([
      [1, 1, 1],
      [1, 2, 3],
    ]);
    expect(K.denseCsrT(d, S()).toArray()).toEqual([
      [3, 3],
      [7, 6],
    ]);
  });

  it("names the op and both shapes on a mismatch", () => {
    expect(() => K.csrMm(S(), A())).toThrow(/csrMm: shape mismatch 2x3 vs 2x3/);
    expect(() => K.csrTMm(S(), B())).toThrow(/csrTMm: shape mismatch 2x3 vs 3x2/);
    expect(() => K.denseCsrT(B(), S())).toThrow(/denseCsrT: shape mismatch 3x2 vs 2x3/);
  });
});

describe("reference row ops", () => {
  it("softmax and log-softmax of [1, 2, 3] and of a huge constant row", () => {
    const x = Matrix.fromRows([
      [1, 2, 3],
      [1000, 1000, 1000],
    ]);
    // e^(x - 3) / (e^-2 + e^-1 + 1) and x - log(e + e^2 + e^3).
    expectClose(K.softmaxRows(x).data, [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3], 1e-7);
    expectClose(
      K.logSoftmaxRows(x).data,
      [-2.40760596, -1.40760596, -0.40760596, -Math.log(3), -Math.log(3), -Math.log(3)],
      1e-6,
    );
  });

  it("top-k breaks ties by lower column and ranks NaN after -Infinity", () => {
    const x = Matrix.fromRows([
      [3, 1, 3, 2, Number.NaN, 3],
      [Number.NaN, Number.NEGATIVE_INFINITY, 0, Number.NaN, -1, 0],
    ]);
    const t3 = K.rowTopK(x, 3);
    expect(Array.from(t3.indices)).toEqual([0, 2, 5, 2, 5, 4]);
    expect(Array.from(t3.values)).toEqual([3, 3, 3, 0, 0, -1]);
    const t6 = K.rowTopK(x, 6);
    expect(Array.from(t6.indices)).toEqual([0, 2, 5, 3, 1, 4, 2, 5, 4, 1, 0, 3]);
    expect(K.rowTopK(x, 0).indices.length).toBe(0);
    expect(() => K.rowTopK(x, 7)).toThrow(/rowTopK: k=7 invalid for 2x6/);
  });
});

describe("reference elementwise ops and reductions", () => {
  const x = (): Matrix =>
    Matrix.fromRows([
      [3, -4],
      [0, 5],
    ]);
  const y = (): Matrix =>
    Matrix.fromRows([
      [1, 2],
      [3, 4],
    ]);

  it("axpby, mul, addRowVector, relu", () => {
    expect(K.axpby(2, x(), -1, y()).toArray()).toEqual([
      [5, -10],
      [-3, 6],
    ]);
    expect(K.mul(x(), y()).toArray()).toEqual([
      [3, -8],
      [0, 20],
    ]);
    expect(K.addRowVector(x(), new Float32Array([10, 20])).toArray()).toEqual([
      [13, 16],
      [10, 25],
    ]);
    expect(K.relu(x()).toArray()).toEqual([
      [3, 0],
      [0, 5],
    ]);
    expect(() => K.mul(x(), A())).toThrow(/mul: shape mismatch 2x2 vs 2x3/);
  });

  it("row/column sums and norms, total and dot", () => {
    expect(Array.from(K.sumRows(x()))).toEqual([-1, 5]);
    expect(Array.from(K.sumCols(x()))).toEqual([3, 1]);
    expect(Array.from(K.rowNorms(x()))).toEqual([5, 5]);
    expectClose(K.colNorms(x()), [3, Math.sqrt(41)]);
    expect(K.sumAll(x())).toBe(4);
    expect(K.dot(new Float32Array([1, 2, 3]), new Float32Array([4, -5, 6]))).toBe(12);
  });
});

describe("reference Adam", () => {
  const base: AdamStep = {
    lr: 0.1,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    decoupled: true,
    step: 1,
  };

  it("first step moves each parameter by lr against the gradient sign; second step by hand", () => {
    const p = new Float32Array([1, 1]);
    const m = new Float32Array(2);
    const v = new Float32Array(2);
    K.adamUpdate(p, new Float32Array([0.5, -2]), m, v, base);
    // m = 0.1 g, v = 0.001 g^2; bias-corrected m / sqrt(v) = sign(g).
    expectClose(m, [0.05, -0.2], 1e-8);
    expectClose(v, [0.00025, 0.004], 1e-9);
    expectClose(p, [0.9, 1.1], 1e-7);
    // Step 2, g = 0.25: m = 0.07, v = 0.00031225, m^ = 0.07/0.19, v^ = 0.00031225/0.001999.
    K.adamUpdate(p, new Float32Array([0.25, 0]), m, v, { ...base, step: 2 });
    expectClose([m[0], v[0]], [0.07, 0.00031225], 1e-8);
    expectClose([p[0]], [0.9 - (0.1 * 0.368421053) / Math.sqrt(0.156203102)], 1e-6);
  });

  it("AdamW decays decoupled from the gradient; L2 adds the decay to the gradient", () => {
    const p = new Float32Array([1]);
    K.adamUpdate(p, new Float32Array([0.5]), new Float32Array(1), new Float32Array(1), {
      ...base,
      weightDecay: 0.01,
    });
    expectClose(p, [1 - 0.1 * (1 + 0.01)], 1e-7);
    const q = new Float32Array([1]);
    const m = new Float32Array(1);
    K.adamUpdate(q, new Float32Array([0.5]), m, new Float32Array(1), {
      ...base,
      weightDecay: 0.1,
      decoupled: false,
    });
    expectClose(m, [0.1 * 0.6], 1e-8); // gradient 0.5 + 0.1 * 1
    expectClose(q, [0.9], 1e-7);
  });
});

describe("reference SPD inverse and solve", () => {
  const S = (): Matrix =>
    Matrix.fromRows([
      [4, 2, 0],
      [2, 5, 1],
      [0, 1, 3],
    ]);

  it("inverts a 3x3 SPD matrix (cofactors / det 44) and S * S^-1 = I", () => {
    const inv = K.spdInverse(S());
    expectClose(
      inv.data,
      [14, -6, 2, -6, 12, -4, 2, -4, 16].map((c) => c / 44),
      1e-7,
    );
    const prod = K.gemm(false, false, 1, S(), inv, 0, new Matrix(3, 3));
    expectClose(prod.data, Matrix.eye(3).data, 1e-6);
  });

  it("solves S X = B for two right-hand sides", () => {
    // B columns are S [1, 2, 3] and S [1, 0, -1].
    const b = Matrix.fromRows([
      [8, 4],
      [15, 1],
      [11, -3],
    ]);
    expectClose(K.spdSolve(S(), b).data, [1, 1, 2, 0, 3, -1], 1e-6);
  });

  it("throws on non-SPD, non-square and non-finite input, naming the op", () => {
    const indefinite = Matrix.fromRows([
      [1, 2],
      [2, 1],
    ]);
    expect(() => K.spdInverse(indefinite)).toThrow(
      /spdInverse: matrix is not positive definite \(leading minor of order 2/,
    );
    expect(() => K.spdSolve(indefinite, new Matrix(2, 1))).toThrow(
      /spdSolve: matrix is not positive definite/,
    );
    expect(() => K.spdInverse(A())).toThrow(/spdInverse: matrix is 2x3, expected square/);
    const nan = S();
    nan.set(2, 1, Number.NaN);
    expect(() => K.spdInverse(nan)).toThrow(/spdInverse: non-finite value NaN at \(2, 1\)/);
    expect(() => K.spdSolve(S(), new Matrix(2, 1))).toThrow(/spdSolve: shape mismatch 3x3 vs 2x1/);
  });
});
