import { expect } from "vitest";
import { Matrix } from "../../matrix.js";
import type { Rng } from "../../rng.js";
import { Tape } from "../tape.js";
import { param, type Variable } from "../variable.js";
import { uniform } from "./check.js";

/** Asserts max |actual - expected| / max(1, |expected|) < tol over equal-length arrays. */
export function expectClose(actual: Float32Array | undefined, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual).toBeDefined();
  const a = actual ?? new Float32Array();
  expect(a.length).toBe(expected.length);
  let worst = 0;
  for (let t = 0; t < a.length; t++) {
    const e = expected[t];
    worst = Math.max(worst, Math.abs(a[t] - e) / Math.max(1, Math.abs(e)));
  }
  expect(worst).toBeLessThan(tol);
}

/**
 * Runs sum(build(t) ⊙ w) backward on a new tape, w a random weight matrix from `rng` (so the
 * gradient reaching the built output is exactly w), and returns w as float64.
 */
export function backwardWeighted(rng: Rng, build: (t: Tape) => Variable): Float64Array {
  const t = new Tape();
  const y = build(t);
  const w = uniform(rng, y.rows, y.cols);
  t.backward(t.sum(t.mul(y, w)));
  return Float64Array.from(w.data);
}

/** A parameter over a copy of `value` whose gradient buffer already holds a copy of `seed` (null: none). */
export function withGrad(value: Matrix, seed: Matrix | null): Variable {
  const p = param(value.clone());
  p.grad = seed ? seed.clone() : null;
  return p;
}
