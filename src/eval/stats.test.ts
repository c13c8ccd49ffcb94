import { describe, expect, it } from "vitest";
import { giniIndex, meanStderr } from "./stats.js";

describe("meanStderr", () => {
  it("matches hand values", () => {
    // mean 2.5, sample variance ((1.5^2 + 0.5^2) * 2) / 3 = 5/3, se = sqrt(5/3 / 4)
    const r = meanStderr([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.stderr).toBeCloseTo(Math.sqrt(5 / 12), 12);
    expect(meanStderr([7])).toEqual({ mean: 7, stderr: 0 });
    expect(() => meanStderr([])).toThrow(/no values/);
  });
});

describe("giniIndex", () => {
  it("is 0 for equal counts and (n-1)/n for a single winner", () => {
    expect(giniIndex([3, 3, 3, 3])).toBe(0);
    expect(giniIndex([0, 0, 0, 8])).toBeCloseTo(3 / 4, 12);
    expect(giniIndex([0, 0])).toBe(0);
  });
  it("matches a hand example", () => {
    // sorted [1, 2, 3]: (-2*1 + 0*2 + 2*3) / (3 * 6) = 4/18
    expect(giniIndex([3, 1, 2])).toBeCloseTo(4 / 18, 12);
    expect(() => giniIndex([1, -1])).toThrow(/>= 0/);
  });
});
