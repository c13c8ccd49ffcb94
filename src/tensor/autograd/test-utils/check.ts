import { expect } from "vitest";
import { Matrix } from "../../matrix.js";
import { Rng } from "../../rng.js";
import { gradCheck, type GradCheckFn, type GradCheckOptions } from "../gradcheck.js";

/** A rows x cols matrix of U(lo, hi) values from a seeded stream. */
export function uniform(rng: Rng, rows: number, cols: number, lo = -1, hi = 1): Matrix {
  const m = new Matrix(rows, cols);
  rng.fillUniform(m.data, lo, hi);
  return m;
}

/**
 * U(lo, hi) values whose magnitudes are at least `gap` away from 0 (random sign when lo < 0),
 * for ops with a kink at 0 (relu, abs).
 */
export function awayFromZero(rng: Rng, rows: number, cols: number, gap = 0.1, hi = 1): Matrix {
  const m = new Matrix(rows, cols);
  for (let t = 0; t < m.data.length; t++)
    m.data[t] = (rng.uniform() < 0.5 ? -1 : 1) * (gap + (hi - gap) * rng.uniform());
  return m;
}

/** Runs `gradCheck` and asserts every checked derivative matched and both forward paths agreed. */
export function expectGradientsMatch(
  build: GradCheckFn,
  inputs: readonly Matrix[],
  options?: GradCheckOptions,
): void {
  const report = gradCheck(build, inputs, options);
  expect(report.failures).toEqual([]);
  expect(report.checked).toBeGreaterThan(0);
  expect(report.forwardMismatch).toBe(0);
}
