import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { gradOf } from "./grad.js";
import { gradCheck } from "./gradcheck.js";
import type { Tape } from "./tape.js";
import type { Variable } from "./variable.js";
import { uniform } from "./test-utils/check.js";

/** y = x^3 with a configurable (possibly wrong) derivative factor. */
function cube(t: Tape, x: Variable, factor: number): Variable {
  const y = new Matrix(x.rows, x.cols);
  for (let k = 0; k < y.data.length; k++) y.data[k] = x.value.data[k] ** 3;
  return t.record(y, [x], (g) => {
    const gx = gradOf(x).data;
    for (let k = 0; k < gx.length; k++) gx[k] += factor * x.value.data[k] ** 2 * g.data[k];
  });
}

describe("gradCheck", () => {
  const rng = new Rng(7);
  const x = uniform(rng, 3, 4, -1.5, 1.5);

  it("accepts a correct backward", () => {
    const report = gradCheck((t, [v]) => cube(t, v, 3), [x]);
    expect(report.failures).toEqual([]);
    expect(report.checked).toBe(12);
    expect(report.maxAbsError).toBeLessThan(1e-3);
  });

  it("flags a backward that is off by 10%", () => {
    const report = gradCheck((t, [v]) => cube(t, v, 3.3), [x]);
    expect(report.failures.length).toBeGreaterThan(6);
    const f = report.failures[0];
    expect(f.analytic / f.numeric).toBeCloseTo(1.1, 2);
  });

  it("flags a missing gradient on one input", () => {
    const report = gradCheck((t, [a, b]) => t.add(cube(t, a, 3), b.detach()), [x, x]);
    expect(report.failures.length).toBe(12);
    expect(report.failures.every((f) => f.input === 1 && f.analytic === 0)).toBe(true);
  });

  it("checks a random subset of large inputs and leaves the caller's matrices untouched", () => {
    const big = uniform(rng, 20, 10);
    const copy = big.clone();
    const report = gradCheck((t, [v]) => t.tanh(v), [big], { maxElements: 16 });
    expect(report.checked).toBe(16);
    expect(report.failures).toEqual([]);
    expect(big.data).toEqual(copy.data);
  });

  it("skips inputs excluded by wrt", () => {
    const report = gradCheck((t, [a, b]) => t.mul(a, b), [x, x], { wrt: [true, false] });
    expect(report.checked).toBe(12);
  });
});
