import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import { param, releaseGrad, zeroGrad, type Variable } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const rng = new Rng(61);

describe("Tape.backward", () => {
  it("sums the contributions of a variable used twice", () => {
    const x = param(Matrix.fromRows([[1, -2, 3]]));
    const t = new Tape();
    t.backward(t.sum(t.add(t.mul(x, x), x))); // d/dx (x^2 + x) = 2x + 1
    expect(Array.from(x.grad?.data ?? [])).toEqual([3, -3, 7]);
    expectGradientsMatch((tp, [v]) => tp.mul(tp.tanh(v), tp.sigmoid(v)), [uniform(rng, 3, 3)]);
  });

  it("accumulates into parameter gradients across steps until zeroGrad", () => {
    const w = param(Matrix.fromRows([[2]]));
    const step = (): void => {
      const t = new Tape();
      t.backward(t.square(w)); // d/dw w^2 = 4
    };
    step();
    const buffer = w.grad;
    step();
    expect(w.grad?.data[0]).toBe(8);
    zeroGrad([w]);
    expect(w.grad).toBe(buffer);
    expect(w.grad?.data[0]).toBe(0);
    step();
    expect(w.grad?.data[0]).toBe(4);
    releaseGrad([w]);
    expect(w.grad).toBeNull();
  });

  it("gives intermediate variables their gradient and leaves constants alone", () => {
    const w = param(Matrix.fromRows([[1, 2]]));
    const c = Matrix.fromRows([[3, 4]]);
    const t = new Tape();
    const h = t.mul(w, c);
    t.backward(t.sum(t.scale(h, 2)));
    expect(Array.from(h.grad?.data ?? [])).toEqual([2, 2]);
    expect(Array.from(w.grad?.data ?? [])).toEqual([6, 8]);
  });

  it("detach stops the gradient", () => {
    const w = param(Matrix.fromRows([[1, 2]]));
    const t = new Tape();
    t.backward(t.sum(t.mul(w, w.detach())));
    expect(Array.from(w.grad?.data ?? [])).toEqual([1, 2]);
  });

  it("propagates a seed gradient from a non-scalar output", () => {
    const w = param(
      Matrix.fromRows([
        [1, 2],
        [3, 4],
      ]),
    );
    const t = new Tape();
    t.backward(
      t.scale(w, 3),
      Matrix.fromRows([
        [1, 0],
        [0, 2],
      ]),
    );
    expect(w.grad?.toArray()).toEqual([
      [3, 0],
      [0, 6],
    ]);
  });

  it("ignores ops that do not feed the loss", () => {
    const a = param(Matrix.fromRows([[1]]));
    const b = param(Matrix.fromRows([[1]]));
    const t = new Tape();
    const unused = t.exp(b);
    t.backward(t.square(a));
    expect(b.grad).toBeNull();
    expect(unused.grad).toBeNull();
  });

  it("releases the recorded ops so the tape can record the next step", () => {
    const w = param(Matrix.fromRows([[1]]));
    const t = new Tape();
    t.backward(t.square(w));
    expect(t.size).toBe(0);
    t.backward(t.scale(w, 5));
    expect(w.grad?.data[0]).toBe(7);
  });

  it("rejects a non-1x1 loss, a mis-shaped seed and a loss with nothing to differentiate", () => {
    const w = param(new Matrix(2, 2));
    const t = new Tape();
    expect(() => t.backward(t.relu(w))).toThrow(/backward: the loss must be 1x1, got 2x2/);
    expect(() => t.backward(t.relu(w), new Matrix(1, 2))).toThrow(/backward: shape mismatch 2x2 vs 1x2/);
    expect(() => t.backward(t.sum(new Matrix(2, 2)))).toThrow(
      /does not depend on any variable with requiresGrad/,
    );
  });
});

describe("no-grad / inference", () => {
  const w = param(uniform(rng, 3, 2));
  const x = uniform(rng, 4, 3);
  const forward = (t: Tape): Variable => t.softmax(t.relu(t.matmul(x, w)));

  it("records nothing and gives the same values", () => {
    const inference = Tape.inference();
    const y = forward(inference);
    expect(inference.size).toBe(0);
    expect(y.requiresGrad).toBe(false);
    expect(inference.training).toBe(false);
    expect(y.value.data).toEqual(forward(new Tape()).value.data);
    expect(() => inference.backward(inference.sum(y))).toThrow(/recording off/);
  });

  it("noGrad scopes switch recording off and back on", () => {
    const t = new Tape();
    const inner = t.noGrad(() => forward(t));
    expect(inner.requiresGrad).toBe(false);
    expect(t.size).toBe(0);
    expect(t.recording).toBe(true);
    expect(forward(t).requiresGrad).toBe(true);
    expect(t.size).toBe(3);
  });
});

describe("end to end", () => {
  it("gradient descent recovers a planted linear map", () => {
    const r = new Rng(5);
    const wTrue = uniform(r, 4, 2, -2, 2);
    const xs = uniform(r, 64, 4);
    const ys = new Tape().matmul(xs, wTrue).value;
    const w = param(new Matrix(4, 2));
    const b = param(new Matrix(1, 2));
    for (let it = 0; it < 300; it++) {
      const t = new Tape();
      t.backward(t.mse(t.add(t.matmul(xs, w), b), ys));
      for (const p of [w, b]) {
        const g = p.grad as Matrix;
        for (let k = 0; k < g.data.length; k++) p.value.data[k] -= 0.5 * g.data[k];
      }
      zeroGrad([w, b]);
    }
    w.value.data.forEach((v, k) => expect(v).toBeCloseTo(wTrue.data[k], 3));
    b.value.data.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-3));
  });
});
