import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import { param, type Variable } from "./variable.js";
import { awayFromZero, expectGradientsMatch, uniform } from "./test-utils/check.js";

const rng = new Rng(11);

describe("binary ops: gradients with and without broadcasting", () => {
  const shapes: [string, [number, number], [number, number]][] = [
    ["same shape", [3, 4], [3, 4]],
    ["row vector on the right", [3, 4], [1, 4]],
    ["column vector on the right", [3, 4], [3, 1]],
    ["1x1 on the right", [3, 4], [1, 1]],
    ["row vector on the left", [1, 4], [3, 4]],
    ["column vector on the left", [3, 1], [3, 4]],
    ["row times column (outer)", [3, 1], [1, 4]],
  ];
  const ops = ["add", "sub", "mul", "div"] as const;
  for (const op of ops) {
    for (const [label, sa, sb] of shapes) {
      it(`${op}: ${label}`, () => {
        const a = uniform(rng, sa[0], sa[1], -1, 1);
        // divisors kept away from 0 so the quotient is smooth
        const b = op === "div" ? uniform(rng, sb[0], sb[1], 0.5, 1.5) : uniform(rng, sb[0], sb[1], -1, 1);
        expectGradientsMatch((t, [x, y]) => t[op](x, y), [a, b]);
      });
    }
  }

  it("forward values broadcast as documented", () => {
    const t = new Tape();
    const a = Matrix.fromRows([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.add(a, Matrix.fromRows([[10, 20, 30]])).value.toArray()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(t.sub(a, Matrix.fromRows([[1], [4]])).value.toArray()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(t.mul(a, Matrix.fromRows([[2]])).value.toArray()).toEqual([
      [2, 4, 6],
      [8, 10, 12],
    ]);
    expect(t.div(Matrix.fromRows([[6], [12]]), Matrix.fromRows([[1, 2, 3]])).value.toArray()).toEqual([
      [6, 3, 2],
      [12, 6, 4],
    ]);
  });

  it("shape errors name the op and both shapes", () => {
    const t = new Tape();
    expect(() => t.add(new Matrix(3, 4), new Matrix(2, 4))).toThrow(/add: shape mismatch 3x4 vs 2x4/);
    expect(() => t.mul(new Matrix(3, 4), new Matrix(3, 2))).toThrow(/mul: shape mismatch 3x4 vs 3x2/);
    expect(() => t.div(new Matrix(2, 3), new Matrix(3, 2))).toThrow(RangeError);
  });
});

describe("unary ops: gradients", () => {
  const cases: [string, (t: Tape, x: Variable) => Variable, () => Matrix][] = [
    ["scale", (t, x) => t.scale(x, -2.5), () => uniform(rng, 3, 4)],
    ["neg", (t, x) => t.neg(x), () => uniform(rng, 3, 4)],
    ["addScalar", (t, x) => t.addScalar(x, 0.7), () => uniform(rng, 3, 4)],
    ["exp", (t, x) => t.exp(x), () => uniform(rng, 3, 4, -2, 2)],
    ["log", (t, x) => t.log(x), () => uniform(rng, 3, 4, 0.5, 2)],
    ["square", (t, x) => t.square(x), () => uniform(rng, 3, 4, -2, 2)],
    ["sqrt", (t, x) => t.sqrt(x), () => uniform(rng, 3, 4, 0.5, 2)],
    ["abs", (t, x) => t.abs(x), () => awayFromZero(rng, 3, 4)],
    ["relu", (t, x) => t.relu(x), () => awayFromZero(rng, 3, 4)],
    ["tanh", (t, x) => t.tanh(x), () => uniform(rng, 3, 4, -2, 2)],
    ["sigmoid", (t, x) => t.sigmoid(x), () => uniform(rng, 3, 4, -3, 3)],
    ["gelu", (t, x) => t.gelu(x), () => uniform(rng, 3, 4, -3, 3)],
    ["softplus", (t, x) => t.softplus(x), () => uniform(rng, 3, 4, -3, 3)],
  ];
  for (const [name, f, make] of cases) {
    it(name, () => expectGradientsMatch((t, [x]) => f(t, x), [make()]));
  }
});

describe("unary ops: forward values", () => {
  const t = new Tape();
  const x = Matrix.fromRows([[-2, -0.5, 0, 0.5, 2]]);
  const values = (v: Variable): number[] => Array.from(v.value.data);
  const close = (got: number[], want: number[]): void =>
    got.forEach((g, k) => expect(g).toBeCloseTo(want[k], 6));

  it("relu, abs, square", () => {
    expect(values(t.relu(x))).toEqual([0, 0, 0, 0.5, 2]);
    expect(values(t.abs(x))).toEqual([2, 0.5, 0, 0.5, 2]);
    expect(values(t.square(x))).toEqual([4, 0.25, 0, 0.25, 4]);
  });

  it("sigmoid, tanh, softplus", () => {
    close(values(t.sigmoid(x)), [0.11920292, 0.37754067, 0.5, 0.62245933, 0.88079708]);
    close(values(t.tanh(x)), [-0.96402758, -0.46211716, 0, 0.46211716, 0.96402758]);
    close(values(t.softplus(x)), [0.12692801, 0.47407698, 0.69314718, 0.97407698, 2.12692801]);
  });

  it("gelu is the tanh approximation", () => {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) at x = 2: 1.95459769, at -0.5: -0.15428599
    close(values(t.gelu(x)), [-0.04540231, -0.15428599, 0, 0.34571401, 1.95459769]);
  });

  it("sigmoid and softplus stay finite for large |x|", () => {
    const big = Matrix.fromRows([[-1000, 1000]]);
    expect(values(t.sigmoid(big))).toEqual([0, 1]);
    expect(values(t.softplus(big))).toEqual([0, 1000]);
  });

  it("abs has subgradient 0 at 0 and sign(x) elsewhere", () => {
    const tape = new Tape();
    const p = param(Matrix.fromRows([[-1, 0, 2]]));
    tape.backward(tape.sum(tape.abs(p)));
    expect(Array.from(p.grad?.data ?? [])).toEqual([-1, 0, 1]);
  });
});
