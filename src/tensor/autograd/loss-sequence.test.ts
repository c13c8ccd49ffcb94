import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { sampledBceLoss, sampledSoftmaxLoss } from "./loss-sampled.js";
import { tableSoftmaxCrossEntropy } from "./loss-table-softmax.js";
import { Tape } from "./tape.js";
import { param, releaseGrad } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const ids = (...v: number[]): Int32Array => Int32Array.from(v);
const rng = new Rng(21);

/** -log softmax(row . table^T)[y] in float64. */
function nll(h: Matrix, row: number, table: Matrix, y: number, items?: number[]): number {
  const cand = items ?? Array.from({ length: table.rows }, (_, i) => i);
  const logit = (i: number): number => {
    let s = 0;
    for (let j = 0; j < h.cols; j++) s += h.get(row, j) * table.get(i, j);
    return s;
  };
  const ls = cand.map(logit);
  const mx = Math.max(...ls);
  return mx + Math.log(ls.reduce((a, l) => a + Math.exp(l - mx), 0)) - logit(y);
}

describe("tableSoftmaxCrossEntropy", () => {
  it("equals a hand-computed value: two items, one row", () => {
    // logits h E^T = [1, 0] -> loss for target 0 = log(1 + e^-1)
    const h = Matrix.fromRows([[1, 0]]);
    const e = Matrix.fromRows([
      [1, 0],
      [0, 1],
    ]);
    const loss = tableSoftmaxCrossEntropy(Tape.inference(), h, e, ids(0)).item();
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-1)), 6);
  });

  it("is the mean over non-ignored rows of the float64 definition, for every chunk size", () => {
    const h = uniform(rng, 5, 3, -2, 2);
    const e = uniform(rng, 7, 3, -2, 2);
    const targets = ids(3, -1, 0, 6, -1);
    const want = (nll(h, 0, e, 3) + nll(h, 2, e, 0) + nll(h, 3, e, 6)) / 3;
    for (const chunkRows of [1, 2, 3, 100, undefined]) {
      const got = tableSoftmaxCrossEntropy(Tape.inference(), h, e, targets, { chunkRows }).item();
      expect(got).toBeCloseTo(want, 5);
    }
    expect(tableSoftmaxCrossEntropy(Tape.inference(), h, e, ids(-1, -1, -1, -1, -1)).item()).toBe(0);
  });

  it("gradients to the hidden states and the table match finite differences", () => {
    const h = uniform(rng, 6, 4);
    const e = uniform(rng, 9, 4);
    const targets = ids(8, 0, -1, 4, 4, 2);
    for (const chunkRows of [1, 4, undefined]) {
      expectGradientsMatch((t, [a, b]) => tableSoftmaxCrossEntropy(t, a, b, targets, { chunkRows }), [h, e]);
    }
    // The table also feeds the hidden states (tied embeddings): contributions add up.
    expectGradientsMatch(
      (t, [b]) =>
        tableSoftmaxCrossEntropy(t, t.tanh(t.embedding(b, [1, 2, 3, 4, 5, 6])), b, targets, { chunkRows: 2 }),
      [e],
    );
  });

  it("rejects targets out of range and a width mismatch", () => {
    const t = Tape.inference();
    expect(() => tableSoftmaxCrossEntropy(t, new Matrix(2, 3), new Matrix(4, 3), ids(0, 4))).toThrow(
      "tableSoftmaxCrossEntropy: target 4 at row 1 out of range [0, 4) (or -1 to ignore)",
    );
    expect(() => tableSoftmaxCrossEntropy(t, new Matrix(2, 3), new Matrix(4, 2), ids(0, 1))).toThrow(
      "shape mismatch hidden states 2x3 vs item table 4x2",
    );
    expect(() => tableSoftmaxCrossEntropy(t, new Matrix(2, 3), new Matrix(4, 3), ids(0))).toThrow(
      "1 targets for 2 rows",
    );
  });
});

describe("sampledBceLoss", () => {
  it("equals softplus(-s+) + softplus(s-) averaged over non-ignored rows", () => {
    const h = Matrix.fromRows([
      [1, 2],
      [0, 0],
      [-1, 1],
    ]);
    const e = Matrix.fromRows([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    // row 0: s+ = h.E2 = 3, s- = h.E0 = 1; row 2: s+ = h.E1 = 1, s- = h.E2 = 0
    const sp = (x: number): number => Math.log(1 + Math.exp(x));
    const want = (sp(-3) + sp(1) + sp(-1) + sp(0)) / 2;
    const got = sampledBceLoss(Tape.inference(), h, e, ids(2, -1, 1), ids(0, 99, 2)).item();
    expect(got).toBeCloseTo(want, 6);
  });

  it("gradients match finite differences (repeated items accumulate)", () => {
    const h = uniform(rng, 5, 3);
    const e = uniform(rng, 4, 3);
    expectGradientsMatch(
      (t, [a, b]) => sampledBceLoss(t, a, b, ids(0, 1, -1, 1, 3), ids(2, 2, 0, 0, 1)),
      [h, e],
    );
  });

  it("rejects a negative out of range", () => {
    expect(() =>
      sampledBceLoss(Tape.inference(), new Matrix(1, 2), new Matrix(3, 2), ids(0), ids(3)),
    ).toThrow("sampledBceLoss: negative 3 at row 0 out of range [0, 3)");
  });
});

describe("sampledSoftmaxLoss", () => {
  it("with every item as a shared negative it equals the full softmax (the positive is masked once)", () => {
    const h = uniform(rng, 4, 3, -2, 2);
    const e = uniform(rng, 6, 3, -2, 2);
    const targets = ids(5, 0, -1, 2);
    const all = { ids: ids(0, 1, 2, 3, 4, 5), perRow: false };
    const full = tableSoftmaxCrossEntropy(Tape.inference(), h, e, targets).item();
    expect(sampledSoftmaxLoss(Tape.inference(), h, e, targets, all).item()).toBeCloseTo(full, 5);
    const perRow = { ids: Int32Array.from({ length: 24 }, (_, k) => k % 6), perRow: true };
    expect(sampledSoftmaxLoss(Tape.inference(), h, e, targets, perRow).item()).toBeCloseTo(full, 5);
  });

  it("equals the float64 softmax over [positive, negatives]", () => {
    const h = uniform(rng, 2, 3, -2, 2);
    const e = uniform(rng, 6, 3, -2, 2);
    const want = (nll(h, 0, e, 1, [1, 3, 4]) + nll(h, 1, e, 2, [2, 0, 5])) / 2;
    const got = sampledSoftmaxLoss(Tape.inference(), h, e, ids(1, 2), { ids: ids(3, 4, 0, 5), perRow: true });
    expect(got.item()).toBeCloseTo(want, 5);
  });

  it("gradients match finite differences, shared and per-row negatives, with an accidental hit", () => {
    const h = uniform(rng, 5, 3);
    const e = uniform(rng, 7, 3);
    const pos = ids(1, 4, -1, 6, 1);
    expectGradientsMatch(
      (t, [a, b]) => sampledSoftmaxLoss(t, a, b, pos, { ids: ids(0, 4, 5, 5), perRow: false }),
      [h, e],
    );
    const per = ids(0, 2, 4, 3, 4, 3, 0, 0, 1, 5, 2, 1);
    expectGradientsMatch(
      (t, [a, b]) =>
        sampledSoftmaxLoss(t, a, b, ids(1, 4, -1, 6, 1).subarray(0, 4), { ids: per, perRow: true }),
      [h.rowRange(0, 4), e],
    );
  });

  it("rejects a negative count that does not divide the rows", () => {
    expect(() =>
      sampledSoftmaxLoss(Tape.inference(), new Matrix(2, 2), new Matrix(3, 2), ids(0, 1), {
        ids: ids(1, 2, 0),
        perRow: true,
      }),
    ).toThrow("sampledSoftmaxLoss: 3 negative ids do not give a positive whole number per row for 2 rows");
  });

  it("backward with a loss weight scales every gradient", () => {
    const h = param(uniform(rng, 3, 2));
    const e = param(uniform(rng, 4, 2));
    const run = (w: number): Float32Array => {
      releaseGrad([h, e]);
      const t = new Tape();
      t.backward(t.scale(sampledSoftmaxLoss(t, h, e, ids(0, 1, 2), { ids: ids(3, 1), perRow: false }), w));
      const grads = [h, e].map((v) => Array.from(v.grad?.data ?? []));
      return Float32Array.from(grads.flat());
    };
    const one = run(1);
    const three = run(3);
    for (let k = 0; k < one.length; k++) expect(three[k]).toBeCloseTo(3 * one[k], 6);
  });
});
