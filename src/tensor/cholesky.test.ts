import { describe, expect, it } from "vitest";
import { GrowingCholesky, spdSolveSmall } from "./cholesky.js";
import { Rng } from "./rng.js";

describe("GrowingCholesky and spdSolveSmall", () => {
  it("factors and solves a hand-worked 2 x 2 system", () => {
    // A = [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]; A^-1 [2, 1] = [0.5, 0]
    const ch = new GrowingCholesky();
    expect(ch.append([], 4)).toBe(true);
    expect(ch.append([2], 3)).toBe(true);
    expect([...ch.rows[0]]).toEqual([2]);
    expect(ch.rows[1][0]).toBe(1);
    expect(ch.rows[1][1]).toBeCloseTo(Math.SQRT2, 15);
    const x = ch.solve([2, 1]);
    expect(x[0]).toBeCloseTo(0.5, 14);
    expect(x[1]).toBeCloseTo(0, 14);
    // the upper triangle is never read
    const y = spdSolveSmall([4, 99, 2, 3], 2, [2, 1], "test");
    expect(y[0]).toBeCloseTo(0.5, 14);
    expect(y[1]).toBeCloseTo(0, 14);
  });

  it("solves a random SPD system to round-off (A x reproduces b)", () => {
    const rng = new Rng(5);
    const n = 12;
    const r = Array.from({ length: n * n }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 0.5 : 0;
        for (let t = 0; t < n; t++) s += r[i * n + t] * r[j * n + t];
        a[i * n + j] = s;
      }
    const b = Array.from({ length: n }, () => rng.normal());
    const x = spdSolveSmall(a, n, b, "test");
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
      expect(s).toBeCloseTo(b[i], 9);
    }
  });

  it("refuses a dependent coordinate, or raises its pivot to the floor when one is given", () => {
    const ch = new GrowingCholesky();
    ch.append([], 1);
    expect(ch.append([1], 1)).toBe(false);
    expect(ch.rows.length).toBe(1);
    expect(() => spdSolveSmall([1, 1, 1, 1], 2, [1, 1], "shift")).toThrow(
      "shift: the matrix is not positive definite (pivot 1 of 2)",
    );
    // [[1, 1], [1, 1]] with the second pivot floored to 0.25: L = [[1, 0], [1, 0.5]]
    const x = spdSolveSmall([1, 1, 1, 1], 2, [1, 1], "shift", 0.25);
    expect(x[0]).toBeCloseTo(1, 14);
    expect(x[1]).toBeCloseTo(0, 14);
    expect(() => spdSolveSmall([1, 0, 0], 2, [1, 1], "shift")).toThrow(
      "shift: a 2 x 2 system needs 4 matrix and 2 right-hand entries, got 3 and 2",
    );
  });
});
