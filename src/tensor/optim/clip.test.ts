import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { clipGradNorm, clipGradValue, gradNorm } from "./clip.js";
import type { Parameter } from "./types.js";
import { expectClose, paramOf, setGrad } from "./test-utils/params.js";

function params(): Parameter[] {
  // Gradients [3, 4] and [[12]] (2x1 value with grad [[12], [0]]): global norm sqrt(9 + 16 + 144) = 13.
  const a = paramOf([0, 0]);
  setGrad(a, [3, 4]);
  const b: Parameter = { value: new Matrix(2, 1), grad: Matrix.fromRows([[12], [0]]) };
  const c = paramOf([5, 5]); // grad null: ignored
  return [a, b, c];
}

describe("clipGradNorm", () => {
  it("scales all gradients together to exactly maxNorm and returns the pre-clip norm", () => {
    const ps = params();
    expect(clipGradNorm(ps, 6.5)).toBeCloseTo(13, 12);
    // scale 0.5
    expectClose(ps[0].grad!.data, [1.5, 2], 0);
    expectClose(ps[1].grad!.data, [6, 0], 0);
    expect(ps[2].grad).toBeNull();
    expect(gradNorm(ps)).toBeCloseTo(6.5, 6);
  });

  it("hits maxNorm for an awkward scale too", () => {
    const ps = params();
    expect(clipGradNorm(ps, 1)).toBeCloseTo(13, 12);
    expect(gradNorm(ps)).toBeCloseTo(1, 6);
    expectClose(ps[0].grad!.data, [3 / 13, 4 / 13]);
  });

  it("leaves gradients alone when the norm is within the limit", () => {
    const ps = params();
    expect(clipGradNorm(ps, 13.5)).toBeCloseTo(13, 12);
    expectClose(ps[0].grad!.data, [3, 4], 0);
  });

  it("throws naming the parameter with a non-finite gradient, or returns it when asked", () => {
    const ps = params();
    setGrad(ps[2], [1, Number.NaN]);
    expect(() => clipGradNorm(ps, 1)).toThrow(
      /clipGradNorm: gradient norm is NaN; parameter 2 is not finite/,
    );
    const named = paramOf([0], "W_enc");
    setGrad(named, [Infinity]);
    expect(() => clipGradNorm([named], 1)).toThrow(/parameter 0 \(W_enc\)/);
    expect(clipGradNorm(ps, 1, { errorIfNonFinite: false })).toBeNaN();
    expectClose(ps[0].grad!.data, [3, 4], 0);
  });

  it("rejects a non-positive maxNorm", () => {
    expect(() => clipGradNorm(params(), 0)).toThrow(
      /clipGradNorm: maxNorm must be a finite number > 0, got 0/,
    );
  });
});

describe("clipGradValue", () => {
  it("clamps each entry and counts the clipped ones", () => {
    const p = paramOf([0, 0, 0, 0]);
    setGrad(p, [-3, 0.5, 2, -1]);
    expect(clipGradValue([p, paramOf([1])], 1)).toBe(2);
    expectClose(p.grad!.data, [-1, 0.5, 1, -1], 0);
    expect(() => clipGradValue([p], -1)).toThrow(/clipValue must be a finite number >= 0, got -1/);
  });
});
