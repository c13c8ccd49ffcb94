import { describe, expect, it } from "vitest";
import { checkCalibration, strengthTable, strengthToAmount, summarise } from "./calibration.js";

describe("strength calibration", () => {
  it("maps strength to the amount where the mean takeover reaches t0 + s (dominance - t0)", () => {
    // t0 = 0.1, dominance 0.8: s = 0.5 -> 0.45, between amounts 1 (0.3) and 2 (0.5): f = 0.75,
    // log-linear: 2^0.75 = 1.6818; s = 1 -> 0.8, between 2 (0.5) and 4 (0.9): f = 0.75 -> 2 * 2^0.75
    const t = strengthTable([0, 1, 2, 4], [0.1, 0.3, 0.5, 0.9], 0.8, 2);
    expect(t.map((x) => x.strength)).toEqual([0, 0.5, 1]);
    expect(t[0].amount).toBe(0);
    expect(t[1].amount).toBeCloseTo(2 ** 0.75, 10);
    expect(t[2].amount).toBeCloseTo(2 * 2 ** 0.75, 10);
    // on the first interval (from amount 0) the interpolation is linear: s = 0.25 -> 0.275: f = 0.875
    expect(strengthTable([0, 1, 2, 4], [0.1, 0.3, 0.5, 0.9], 0.8, 4)[1].amount).toBeCloseTo(0.875, 10);
    expect(strengthToAmount({ table: t }, 0.25)).toBeCloseTo(2 ** 0.75 / 2, 10);
    expect(strengthToAmount({ table: t }, 1)).toBeCloseTo(2 * 2 ** 0.75, 10);
    expect(() => strengthToAmount({ table: t }, 1.2)).toThrow(/strength must be in \[0, 1\], got 1.2/);
  });

  it("uses the running maximum of a noisy curve and caps the top at the highest value reached", () => {
    // [0.1, 0.3, 0.2, 0.6] -> envelope [0.1, 0.3, 0.3, 0.6]; dominance 0.8 > 0.6 so top = 0.6;
    // s = 1 -> 0.6 = the last point (amount 4); s = 0.5 -> 0.35: between 2 (0.3) and 4 (0.6): f = 1/6
    const t = strengthTable([0, 1, 2, 4], [0.1, 0.3, 0.2, 0.6], 0.8, 2);
    expect(t[2].amount).toBeCloseTo(4, 10);
    expect(t[1].amount).toBeCloseTo(2 * 2 ** (1 / 6), 10);
    // a flat curve: strength s -> s * the largest amount
    expect(strengthTable([0, 1, 8], [0.2, 0.2, 0.2], 0.8, 2).map((x) => x.amount)).toEqual([0, 4, 8]);
    expect(() => strengthTable([1, 2], [0, 1], 0.8)).toThrow(/first amount must be 0/);
    expect(() => strengthTable([0, 2, 1], [0, 1, 1], 0.8)).toThrow(/amounts must ascend/);
  });

  it("summarises with quartiles and checks stored files", () => {
    expect(summarise([4, 1, 3, 2, 5])).toEqual({ mean: 3, q1: 2, median: 3, q3: 4 });
    expect(() => checkCalibration({ version: 2 }, "x.json")).toThrow(/x.json: not a steering calibration/);
  });
});
