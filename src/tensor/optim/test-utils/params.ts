import { expect } from "vitest";
import { Matrix } from "../../matrix.js";
import type { Parameter } from "../types.js";

/** A 1 x n parameter with the given values and no gradient (test helper). */
export function paramOf(values: number[], name?: string): Parameter {
  return { value: Matrix.fromRows([values]), grad: null, name };
}

/** Sets `p.grad` to a 1 x n matrix holding `values` (test helper). */
export function setGrad(p: Parameter, values: number[]): void {
  p.grad = Matrix.fromRows([values]);
}

/** Asserts element-wise |actual - expected| <= tol (test helper). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tol ${tol})`);
    }
  }
}
