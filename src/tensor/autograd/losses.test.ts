import { describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import { param } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const rng = new Rng(53);
const row = (...v: number[]): Matrix => Matrix.fromRows([v]);

describe("mse", () => {
  it("forward: mean and sum", () => {
    const t = new Tape();
    expect(t.mse(row(1, 2), row(3, 5)).item()).toBe(6.5);
    expect(t.mse(row(1, 2), row(3, 5), "sum").item()).toBe(13);
  });
  it("gradient (mean) to both sides", () =>
    expectGradientsMatch((t, [a, b]) => t.mse(a, b), [uniform(rng, 3, 4), uniform(rng, 3, 4)]));
  it("gradient (sum) to both sides", () =>
    expectGradientsMatch((t, [a, b]) => t.mse(a, b, "sum"), [uniform(rng, 3, 4), uniform(rng, 3, 4)]));
  it("shape error names the op and both shapes", () => {
    expect(() => new Tape().mse(new Matrix(2, 3), new Matrix(3, 2))).toThrow(
      /mse: shape mismatch 2x3 vs 3x2/,
    );
  });
});

describe("cosineLoss", () => {
  it("forward: orthogonal rows give 1, parallel rows give 0", () => {
    const loss = new Tape().cosineLoss(
      Matrix.fromRows([
        [1, 0],
        [1, 1],
      ]),
      Matrix.fromRows([
        [0, 1],
        [2, 2],
      ]),
    );
    expect(loss.item()).toBeCloseTo(0.5, 6);
  });
  it("gradient to both sides", () =>
    expectGradientsMatch((t, [a, b]) => t.cosineLoss(a, b), [uniform(rng, 3, 4), uniform(rng, 3, 4)]));
  it("a zero row gives a finite loss and gradient", () => {
    const a = param(
      Matrix.fromRows([
        [0, 0],
        [1, 2],
      ]),
    );
    const t = new Tape();
    const loss = t.cosineLoss(
      a,
      Matrix.fromRows([
        [1, 1],
        [1, 2],
      ]),
    );
    t.backward(loss);
    expect(loss.item()).toBeCloseTo(0.5, 5);
    expect(Array.from(a.grad?.data ?? []).every(Number.isFinite)).toBe(true);
  });
});

describe("bceWithLogits", () => {
  it("forward equals the naive cross-entropy on known values", () => {
    const x = [0, 2, -1, 0.5];
    const y = [1, 0, 1, 0.3];
    let want = 0;
    for (let k = 0; k < 4; k++) {
      const s = 1 / (1 + Math.exp(-x[k]));
      want -= y[k] * Math.log(s) + (1 - y[k]) * Math.log(1 - s);
    }
    expect(new Tape().bceWithLogits(row(...x), row(...y)).item()).toBeCloseTo(want / 4, 6);
    // hand value for the first three: (ln 2 + 2 + ln(1 + e^-2) + 1 + ln(1 + e^-1)) / 3
    expect(new Tape().bceWithLogits(row(0, 2, -1), row(1, 0, 1)).item()).toBeCloseTo(1.3777791, 6);
  });
  it("is stable for large logits", () => {
    expect(new Tape().bceWithLogits(row(100, -100), row(0, 1), "sum").item()).toBeCloseTo(200, 4);
    expect(new Tape().bceWithLogits(row(100, -100), row(1, 0)).item()).toBeCloseTo(0, 6);
  });
  it("gradient (mean and sum)", () => {
    const y = uniform(rng, 3, 4, 0, 1);
    expectGradientsMatch((t, [x]) => t.bceWithLogits(x, y), [uniform(rng, 3, 4, -3, 3)]);
    expectGradientsMatch((t, [x]) => t.bceWithLogits(x, y, "sum"), [uniform(rng, 3, 4, -3, 3)]);
  });
});

describe("multinomialLogLikelihood", () => {
  const dense = Matrix.fromRows([
    [1, 0, 2, 0, 1],
    [0, 1, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ]);
  const sparse = Csr.fromDense(dense);

  it("forward: uniform logits give sum(x) * log(n) per row", () => {
    const loss = new Tape().multinomialLogLikelihood(new Matrix(3, 5), dense);
    expect(loss.item()).toBeCloseTo(((4 + 1) * Math.log(5)) / 3, 6);
  });
  it("dense and sparse targets agree", () => {
    const z = uniform(rng, 3, 5, -2, 2);
    expect(new Tape().multinomialLogLikelihood(z, sparse).item()).toBeCloseTo(
      new Tape().multinomialLogLikelihood(z, dense).item(),
      6,
    );
  });
  it("gradient with dense targets", () => {
    expectGradientsMatch((t, [z]) => t.multinomialLogLikelihood(z, dense), [uniform(rng, 3, 5, -2, 2)]);
  });
  it("gradient with sparse targets", () => {
    expectGradientsMatch((t, [z]) => t.multinomialLogLikelihood(z, sparse), [uniform(rng, 3, 5, -2, 2)]);
  });
  it("equals -mean(sum(x * logSoftmax(z))) built from ops", () => {
    const z = uniform(rng, 3, 5, -2, 2);
    const t = new Tape();
    const composed = t.neg(t.scale(t.sum(t.mul(dense, t.logSoftmax(z))), 1 / 3)).item();
    expect(t.multinomialLogLikelihood(z, dense).item()).toBeCloseTo(composed, 5);
  });
});

describe("gaussianKl", () => {
  it("is 0 for mu = 0, logvar = 0", () => {
    expect(new Tape().gaussianKl(new Matrix(4, 3), new Matrix(4, 3)).item()).toBe(0);
  });
  it("matches 0.5 (mu^2 + sigma^2 - 1 - log sigma^2) summed over dims, averaged over rows", () => {
    const mu = Matrix.fromRows([
      [1, 0],
      [0, 0],
    ]);
    const lv = Matrix.fromRows([
      [Math.log(2), 0],
      [0, 0],
    ]);
    expect(new Tape().gaussianKl(mu, lv).item()).toBeCloseTo((0.5 * (1 + 2 - 1 - Math.log(2))) / 2, 6);
  });
  it("gradient to mu and logvar", () =>
    expectGradientsMatch((t, [m, l]) => t.gaussianKl(m, l), [uniform(rng, 3, 4), uniform(rng, 3, 4)]));
});

describe("bernoulliKlSparsity", () => {
  it("is 0 when every column mean equals rho", () => {
    expect(
      new Tape()
        .bernoulliKlSparsity(
          Matrix.fromRows([
            [0.2, 0],
            [0, 0.2],
          ]),
          0.1,
        )
        .item(),
    ).toBeCloseTo(0, 7);
  });
  it("forward on known column means", () => {
    // column means 0.5 and 0.1 with rho = 0.1: 0.1 ln 0.2 + 0.9 ln 1.8 for the first, 0 for the second
    const a = Matrix.fromRows([
      [1, 0.2],
      [0, 0],
    ]);
    expect(new Tape().bernoulliKlSparsity(a, 0.1).item()).toBeCloseTo(
      0.1 * Math.log(0.2) + 0.9 * Math.log(1.8),
      6,
    );
  });
  it("gradient", () =>
    expectGradientsMatch((t, [a]) => t.bernoulliKlSparsity(a, 0.15), [uniform(rng, 4, 3, 0.2, 0.8)]));
  it("clamps a dead column: finite loss, zero gradient there", () => {
    const a = param(
      Matrix.fromRows([
        [0, 0.5],
        [0, 0.3],
      ]),
    );
    const t = new Tape();
    const loss = t.bernoulliKlSparsity(a, 0.1, 1e-6);
    const q = 1e-6;
    const dead = 0.1 * Math.log(0.1 / q) + 0.9 * Math.log(0.9 / (1 - q));
    const live = 0.1 * Math.log(0.1 / 0.4) + 0.9 * Math.log(0.9 / 0.6);
    expect(loss.item()).toBeCloseTo(dead + live, 4);
    t.backward(loss);
    expect(a.grad?.get(0, 0)).toBe(0);
    expect(a.grad?.get(0, 1)).toBeCloseTo((-0.1 / 0.4 + 0.9 / 0.6) / 2, 5);
  });
  it("rejects rho outside (0, 1)", () => {
    expect(() => new Tape().bernoulliKlSparsity(new Matrix(2, 2), 0)).toThrow(
      /rho must be in \(0, 1\), got 0/,
    );
  });
});
