import { describe, expect, it } from "vitest";
import { pairedComparison, signTestPValue, SIGN_TEST_EXACT_MAX, tTestPValue } from "./paired.js";

describe("tTestPValue against closed forms of the Student t CDF", () => {
  // jStat's incomplete beta is accurate to about 1e-8: ample for p-values.
  it("df 1 (Cauchy: P(|T| > t) = 1 - 2 atan(t) / pi)", () => {
    expect(tTestPValue(1, 1)).toBeCloseTo(0.5, 8);
    expect(tTestPValue(-1, 1)).toBeCloseTo(0.5, 8);
    expect(tTestPValue(3, 1)).toBeCloseTo(1 - (2 * Math.atan(3)) / Math.PI, 8);
  });
  it("df 2 (F(t) = 1/2 + t / (2 sqrt(2 + t^2)): t = 2 gives 1 - 2 / sqrt 6)", () => {
    expect(tTestPValue(2, 2)).toBeCloseTo(1 - 2 / Math.sqrt(6), 8);
  });
  it("df 4, t = 2 sqrt 2 (Wikipedia's df-4 CDF): .0474207", () => {
    expect(tTestPValue(2 * Math.SQRT2, 4)).toBeCloseTo(0.0474206556, 8);
  });
  it("textbook table: t = 2.228 at df 10 is p = .05; t = 0 is p = 1", () => {
    expect(tTestPValue(2.228, 10)).toBeCloseTo(0.05, 3);
    expect(tTestPValue(0, 7)).toBeCloseTo(1, 7);
  });
  it("rejects df <= 0 and NaN", () => {
    expect(() => tTestPValue(1, 0)).toThrow(/df must be > 0/);
    expect(() => tTestPValue(Number.NaN, 3)).toThrow(/NaN/);
  });
});

describe("signTestPValue", () => {
  it("exact binomial: 8 wins, 2 losses is 2 (1 + 10 + 45) / 1024", () => {
    const r = signTestPValue(8, 2);
    expect(r.method).toBe("exact");
    expect(r.p).toBeCloseTo(112 / 1024, 12);
    expect(signTestPValue(2, 8).p).toBeCloseTo(112 / 1024, 12);
  });
  it("exact: a perfect split is 1 (capped), no pairs is 1, 4-0 is 2/16", () => {
    expect(signTestPValue(5, 5).p).toBe(1);
    expect(signTestPValue(0, 0).p).toBe(1);
    expect(signTestPValue(4, 0).p).toBeCloseTo(0.125, 12);
  });
  it("exact at n = 1000 (530 vs 470: .0620232, summed with Python's exact integers)", () => {
    expect(530 + 470).toBe(SIGN_TEST_EXACT_MAX);
    const r = signTestPValue(530, 470);
    expect(r.method).toBe("exact");
    expect(r.p).toBeCloseTo(0.0620231951, 7);
  });
  it("normal above: 600 vs 500, z = 99 / sqrt(1100), p = erfc(z / sqrt 2) = .00283613", () => {
    const r = signTestPValue(600, 500);
    expect(r.method).toBe("normal");
    expect(r.p).toBeCloseTo(0.0028361327, 8);
  });
  it("rejects negative or fractional counts", () => {
    expect(() => signTestPValue(-1, 2)).toThrow(/wins must be a non-negative integer/);
    expect(() => signTestPValue(1, 2.5)).toThrow(/losses/);
  });
});

describe("pairedComparison", () => {
  // d = b - a = [.2, 0, .3, .1, .4]: mean .2, sum of squared deviations .1, sd^2 = .025,
  // stderr = sqrt(.025 / 5) = sqrt(.005), t = .2 / sqrt(.005) = 2 sqrt 2, df 4.
  const a = [0.1, 0.2, 0.3, 0.4, 0.5];
  const b = [0.3, 0.2, 0.6, 0.5, 0.9];

  it("hand-computed means, stderr, t, p, CI, relative change and sign test", () => {
    const r = pairedComparison(a, b);
    expect(r.n).toBe(5);
    expect(r.meanA).toBeCloseTo(0.3, 12);
    expect(r.meanB).toBeCloseTo(0.5, 12);
    expect(r.meanDiff).toBeCloseTo(0.2, 12);
    expect(r.stderr).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(r.relative).toBeCloseTo(2 / 3, 12);
    expect(r.tTest.t).toBeCloseTo(2 * Math.SQRT2, 10);
    expect(r.tTest.df).toBe(4);
    expect(r.tTest.p).toBeCloseTo(0.0474206556, 8);
    // t_{.975, 4} = 2.7764451 (tables: 2.776).
    expect(r.level).toBe(0.95);
    expect(r.ci[0]).toBeCloseTo(0.2 - 2.7764451052 * Math.sqrt(0.005), 8);
    expect(r.ci[1]).toBeCloseTo(0.2 + 2.7764451052 * Math.sqrt(0.005), 8);
    expect(r.signTest).toEqual({ wins: 4, losses: 0, ties: 1, n: 4, p: 0.125, method: "exact" });
  });

  it("swapping a and b flips the signs and keeps the p-values", () => {
    const r = pairedComparison(b, a);
    expect(r.meanDiff).toBeCloseTo(-0.2, 12);
    expect(r.tTest.t).toBeCloseTo(-2 * Math.SQRT2, 10);
    expect(r.tTest.p).toBeCloseTo(0.0474206556, 8);
    expect(r.ci[1]).toBeCloseTo(-0.2 + 2.7764451052 * Math.sqrt(0.005), 8);
    expect(r.signTest.wins).toBe(0);
    expect(r.signTest.losses).toBe(4);
  });

  it("a 90% interval uses t_{.95, 4} = 2.1318468", () => {
    const r = pairedComparison(a, b, { level: 0.9 });
    expect(r.ci[1] - r.meanDiff).toBeCloseTo(2.1318467863 * Math.sqrt(0.005), 8);
  });

  it("no spread: identical runs give p = 1 and a zero-width interval; a constant shift gives p = 0", () => {
    const same = pairedComparison(a, a);
    expect(same.tTest).toEqual({ t: 0, df: 4, p: 1 });
    expect(same.ci).toEqual([0, 0]);
    expect(same.signTest.ties).toBe(5);
    expect(same.signTest.p).toBe(1);
    const shifted = pairedComparison([0, 0, 0], [1, 1, 1]);
    expect(shifted.tTest.t).toBe(Infinity);
    expect(shifted.tTest.p).toBe(0);
    expect(shifted.relative).toBeNull();
  });

  it("errors name the problem", () => {
    expect(() => pairedComparison([1, 2], [1])).toThrow(/2 values in a but 1 in b/);
    expect(() => pairedComparison([1], [1])).toThrow(/at least 2 pairs/);
    expect(() => pairedComparison([1, Number.NaN], [1, 2])).toThrow(/pair 1 is not finite/);
    expect(() => pairedComparison(a, b, { level: 1 })).toThrow(/level must be in \(0, 1\)/);
  });
});
