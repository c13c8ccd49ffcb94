import { describe, expect, it } from "vitest";
import { kendallTauB, kendallTauTopN, rankBiasedOverlap } from "./fidelity.js";

describe("rankBiasedOverlap", () => {
  it("is 1 for identical lists and 0 for disjoint ones", () => {
    expect(rankBiasedOverlap([4, 2, 9, 1], [4, 2, 9, 1])).toBeCloseTo(1, 12);
    expect(rankBiasedOverlap([1, 2, 3], [4, 5, 6])).toBe(0);
    expect(rankBiasedOverlap([], [])).toBe(1);
    expect(rankBiasedOverlap([1], [])).toBe(0);
  });

  it("matches a worked example of equal length", () => {
    // a=[a,b,c], b=[b,a,d]: X_1 = 0, X_2 = 2, X_3 = 2
    // (1-p)/p * (0 + (2/2) p^2 + (2/3) p^3) + (2/3) p^3 with p = 0.9 -> 0.144 + 0.486 = 0.63
    expect(rankBiasedOverlap([0, 1, 2], [1, 0, 3])).toBeCloseTo(0.63, 12);
    // same with p = 0.5: 1 * (1/4 + (2/3)(1/8)) + (2/3)(1/8) = 1/4 + 1/12 + 1/12 = 5/12
    expect(rankBiasedOverlap([0, 1, 2], [1, 0, 3], 0.5)).toBeCloseTo(5 / 12, 12);
  });

  it("extrapolates uneven lengths (eq. 32)", () => {
    // S=[a] a prefix of L=[a,b]: the agreement is assumed to continue -> 1
    expect(rankBiasedOverlap([7], [7, 8], 0.5)).toBeCloseTo(1, 12);
    // S=[a,b], L=[c,a,d], p=0.5: s=2, l=3; X_1=0, X_2=1, X_3=1 (only S's two items count), X_s=1
    // sum1 = 0 + (1/2)(1/4) + (1/3)(1/8) = 1/8 + 1/24; sum2 (d=3) = 1 * (1)/(2*3) * 1/8 = 1/48
    // total = 1 * (1/8 + 1/24 + 1/48) + ((1-1)/3 + 1/2) * 1/8 = 9/48 + 3/48 = 1/4
    expect(rankBiasedOverlap([0, 1], [2, 0, 3], 0.5)).toBeCloseTo(0.25, 12);
    expect(rankBiasedOverlap([2, 0, 3], [0, 1], 0.5)).toBeCloseTo(0.25, 12); // symmetric in argument order
  });

  it("rejects repeated items and bad p", () => {
    expect(() => rankBiasedOverlap([1, 1], [1])).toThrow(/list a repeats item 1 at position 1/);
    expect(() => rankBiasedOverlap([1], [1], 1)).toThrow(/p must be in/);
  });
});

describe("Kendall tau", () => {
  it("tau-b with ties matches a hand value", () => {
    // x = [1, 2, 3, 3], y = [3, 3, 1, 2]: pairs (01) tied in y, (23) tied in x, other 4 discordant
    expect(kendallTauB([1, 2, 3, 3], [3, 3, 1, 2])).toBeCloseTo(-4 / 5, 12);
    expect(kendallTauB([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(kendallTauB([5, 5], [1, 2])).toBe(0);
    expect(() => kendallTauB([1], [1, 2])).toThrow(/1 x values but 2 y values/);
  });

  it("top-N: identical 1, reversed -1, worked examples", () => {
    expect(kendallTauTopN([4, 8, 1, 6], [4, 8, 1, 6])).toBe(1);
    expect(kendallTauTopN([4, 8, 1, 6], [6, 1, 8, 4])).toBe(-1);
    expect(kendallTauTopN([3], [3])).toBe(1);
    // [a,b,c] vs [a,c,d]: union ranks x = a1 b2 c3 d4, y = a1 c2 d3 b4 -> nc 4, nd 2, no ties
    expect(kendallTauTopN([0, 1, 2], [0, 2, 3])).toBeCloseTo(1 / 3, 12);
    // [a,b] vs [c,d]: x = a1 b2 c3 d3, y = c1 d2 a3 b3 -> nd 4, one tie in each -> -4/5
    expect(kendallTauTopN([0, 1], [2, 3])).toBeCloseTo(-0.8, 12);
  });
});
