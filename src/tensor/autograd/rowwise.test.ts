import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import { param } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const rng = new Rng(31);

describe("softmax and logSoftmax", () => {
  it("forward of [1, 2, 3]", () => {
    const t = new Tape();
    const x = Matrix.fromRows([[1, 2, 3]]);
    const want = [0.09003057, 0.24472847, 0.66524096];
    t.softmax(x).value.data.forEach((v, k) => expect(v).toBeCloseTo(want[k], 7));
    t.logSoftmax(x).value.data.forEach((v, k) => expect(v).toBeCloseTo(Math.log(want[k]), 6));
  });

  it("softmax gradient", () => expectGradientsMatch((t, [x]) => t.softmax(x), [uniform(rng, 3, 5, -2, 2)]));
  it("logSoftmax gradient", () =>
    expectGradientsMatch((t, [x]) => t.logSoftmax(x), [uniform(rng, 3, 5, -2, 2)]));
});

describe("layerNorm", () => {
  it("forward of [1, 2, 3] with gain 2 and bias 1", () => {
    const y = new Tape().layerNorm(
      Matrix.fromRows([[1, 2, 3]]),
      Matrix.full(1, 3, 2),
      Matrix.full(1, 3, 1),
    ).value;
    const z = 1 / Math.sqrt(2 / 3 + 1e-5);
    [1 - 2 * z, 1, 1 + 2 * z].forEach((w, k) => expect(y.data[k]).toBeCloseTo(w, 5));
  });

  it("gradients with respect to x, gain and bias", () => {
    expectGradientsMatch(
      (t, [x, g, b]) => t.layerNorm(x, g, b),
      [uniform(rng, 3, 5, -2, 2), uniform(rng, 1, 5, 0.5, 1.5), uniform(rng, 1, 5)],
    );
  });

  it("rejects a gain of the wrong shape", () => {
    expect(() => new Tape().layerNorm(new Matrix(2, 3), new Matrix(1, 4), new Matrix(1, 3))).toThrow(
      /layerNorm: shape mismatch 2x3 vs gain 1x4/,
    );
  });
});

describe("rowL2Normalize", () => {
  it("forward scales rows to unit norm and leaves a zero row at zero", () => {
    const y = new Tape().rowL2Normalize(
      Matrix.fromRows([
        [3, 4],
        [0, 0],
      ]),
    ).value;
    expect(y.data[0]).toBeCloseTo(0.6, 6);
    expect(y.data[1]).toBeCloseTo(0.8, 6);
    expect(Array.from(y.data.subarray(2))).toEqual([0, 0]);
  });

  it("gradient", () => expectGradientsMatch((t, [x]) => t.rowL2Normalize(x), [uniform(rng, 3, 4)]));
});

/** Rows whose entries are well separated (gaps of 0.2), so small perturbations never change the top k. */
function separated(rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    const perm = rng.permutation(cols);
    for (let j = 0; j < cols; j++) m.data[i * cols + j] = (perm[j] - cols / 2) * 0.2 + 0.05 * rng.uniform();
  }
  return m;
}

describe("topkMask", () => {
  it("keeps the k largest per row", () => {
    const y = new Tape().topkMask(
      Matrix.fromRows([
        [0.1, 0.9, -0.5, 0.4],
        [3, 1, 2, 0],
      ]),
      2,
    ).value;
    expect(y.toArray().map((r) => r.map((v) => Math.round(v * 10) / 10))).toEqual([
      [0, 0.9, 0, 0.4],
      [3, 0, 2, 0],
    ]);
  });

  it("gradient flows only through kept entries", () => {
    expectGradientsMatch((t, [x]) => t.topkMask(x, 3), [separated(4, 7)]);
    const x = param(Matrix.fromRows([[0.1, 0.9, -0.5, 0.4]]));
    const t = new Tape();
    t.backward(t.sum(t.topkMask(x, 2)));
    expect(Array.from(x.grad?.data ?? [])).toEqual([0, 1, 0, 1]);
  });

  it("rejects k larger than the row", () => {
    expect(() => new Tape().topkMask(new Matrix(2, 3), 4)).toThrow(/topkMask: k=4/);
  });
});

describe("dropout", () => {
  const x = uniform(rng, 60, 50, 0.5, 1.5);

  it("gradient (mask fixed by the seed)", () => {
    expectGradientsMatch((t, [v]) => t.dropout(v, 0.4, new Rng(5)), [uniform(rng, 4, 6)]);
  });

  it("is deterministic under a seed and uses inverted scaling", () => {
    const p = 0.3;
    const a = new Tape().dropout(x, p, new Rng(9)).value;
    const b = new Tape().dropout(x, p, new Rng(9)).value;
    const c = new Tape().dropout(x, p, new Rng(10)).value;
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(c.data);
    let kept = 0;
    a.data.forEach((v, k) => {
      if (v !== 0) {
        kept++;
        expect(v).toBeCloseTo(x.data[k] / (1 - p), 5);
      }
    });
    // 3000 Bernoulli(0.7) draws: standard deviation of the kept fraction is ~0.0084
    expect(kept / x.size).toBeGreaterThan(0.67);
    expect(kept / x.size).toBeLessThan(0.73);
  });

  it("is the identity when not training or p = 0", () => {
    const inference = Tape.inference();
    expect(inference.dropout(x, 0.5, new Rng(1)).value).toBe(x);
    const v = param(x);
    expect(new Tape().dropout(v, 0, new Rng(1))).toBe(v);
  });

  it("rejects p outside [0, 1)", () => {
    expect(() => new Tape().dropout(x, 1, new Rng(1))).toThrow(/dropout: p must be in \[0, 1\), got 1/);
  });
});

describe("embedding", () => {
  it("gathers rows", () => {
    const table = Matrix.fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(new Tape().embedding(table, new Int32Array([2, 0, 2])).value.toArray()).toEqual([
      [5, 6],
      [1, 2],
      [5, 6],
    ]);
  });

  it("gradient with repeated ids", () => {
    expectGradientsMatch((t, [w]) => t.embedding(w, new Int32Array([3, 1, 3, 0, 3])), [uniform(rng, 5, 3)]);
  });

  it("scatter-adds repeated ids and leaves unused rows at zero", () => {
    const table = param(new Matrix(4, 2));
    const t = new Tape();
    const seed = Matrix.fromRows([
      [1, 2],
      [10, 20],
      [100, 200],
    ]);
    t.backward(t.embedding(table, [2, 0, 2]), seed);
    expect(table.grad?.toArray()).toEqual([
      [10, 20],
      [0, 0],
      [101, 202],
      [0, 0],
    ]);
  });

  it("rejects an out-of-range id naming position and value", () => {
    expect(() => new Tape().embedding(new Matrix(3, 2), [0, 3])).toThrow(
      /embedding: id 3 at position 1 out of range \[0, 3\)/,
    );
  });
});
