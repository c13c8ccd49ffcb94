import { describe, expect, it } from "vitest";
import { bestShareAtKept, dominates } from "./operators-frontier.js";

const X = [
  { kept: 1, share: 0.2 },
  { kept: 0.9, share: 0.5 },
  { kept: 0.6, share: 0.85 },
];
const Y = [
  { kept: 1, share: 0.2 },
  { kept: 0.8, share: 0.4 },
  { kept: 0.5, share: 0.7 },
];

describe("frontier dominance", () => {
  it("best share at a kept level interpolates along the curve", () => {
    // kept >= 0.8: points 0.2, 0.5 and the segment (0.9, 0.5)-(0.6, 0.85) at 0.8: 0.5 + (1/3) 0.35
    expect(bestShareAtKept(X, 0.8)).toBeCloseTo(0.5 + 0.35 / 3, 12);
    expect(bestShareAtKept(X, 0.9)).toBeCloseTo(0.5, 12);
    expect(bestShareAtKept(X, 0.5)).toBeCloseTo(0.85, 12);
    expect(bestShareAtKept(X, 1.01)).toBe(-Infinity);
  });

  it("X dominates Y (worst margin 0 at the shared unsteered point), Y does not dominate X", () => {
    const d = dominates(X, Y);
    expect(d.dominates).toBe(true);
    expect(d.worstMargin).toBeCloseTo(0, 12);
    expect(d.worstAt).toBe(0);
    // Y at kept >= 0.9: (1, 0.2) and the segment to (0.8, 0.4) at 0.9: 0.3, X has 0.5 (margin -0.2);
    // at kept >= 0.6: the segment (0.8, 0.4)-(0.5, 0.7) at 0.6: 0.6, X has 0.85 (margin -0.25, the worst)
    const e = dominates(Y, X);
    expect(e.dominates).toBe(false);
    expect(e.worstMargin).toBeCloseTo(-0.25, 12);
    expect(e.worstAt).toBe(2);
    // within a tolerance of 0.3 it does
    expect(dominates(Y, X, 0.3).dominates).toBe(true);
    expect(dominates(X, X).dominates).toBe(true);
  });
});
