import { describe, expect, it } from "vitest";
import type { OperatorCurve, OperatorReport } from "../steer/operators-eval.js";
import type { OperatorName } from "../steer/operators.js";
import { operatorsMarkdown, operatorVerdict } from "./steer-operators-run.js";

function curve(operator: OperatorName, pts: readonly (readonly [number, number])[]): OperatorCurve {
  return {
    operator,
    title: operator,
    points: pts.map(([kept, share], q) => ({
      strength: q / 2,
      param: q / 2,
      recall: { mean: 0.4 * kept, stderr: 0 },
      recallKept: kept,
      share: { mean: share, stderr: 0 },
      shareQuartiles: { q1: share, median: share, q3: share },
    })),
  };
}

describe("operator verdict", () => {
  // k2k rises above 1 kept at its first step (1.02, 0.32); shift never keeps more than 1
  const report: OperatorReport = {
    k: 20,
    strengths: [0, 0.5, 1],
    heldOutUsers: 3,
    users: 3,
    skippedNoSegment: 0,
    skippedUnmapped: 0,
    curves: [
      curve("k2k", [
        [1, 0.25],
        [1.02, 0.32],
        [0.5, 0.8],
      ]),
      curve("shift", [
        [1, 0.25],
        [0.9, 0.5],
        [0.6, 0.9],
      ]),
      curve("rerank", [
        [1, 0.25],
        [0.95, 0.9],
        [0.8, 1],
      ]),
    ],
  };

  it("reads dominance strictly and with kept capped at 1, and the share at 0.9 kept against rerank's", () => {
    const v = operatorVerdict(report);
    // rerank at kept >= 0.9: point (0.95, 0.9) and the segment to (0.8, 1) at 0.9: 0.9 + (1/3) 0.1
    expect(v.bestShareAt90.rerank).toBeCloseTo(0.9 + 0.1 / 3, 12);
    expect(v.bestShareAt90.shift).toBeCloseTo(0.5, 12);
    const [t] = v.targets;
    expect(t.operator).toBe("shift");
    // strictly, k2k's (1.02, 0.32) is out of shift's reach
    expect(t.dominatesK2k).toBe(false);
    expect(t.worstMargin).toBe(-Infinity);
    expect(t.worstStrength).toBe(0.5);
    // capped: k2k (1, 0.32) against shift at kept >= 1: 0.25 -> still no, margin -0.07
    expect(t.dominatesK2kCapped).toBe(false);
    expect(t.worstMarginCapped).toBeCloseTo(-0.07, 12);
    expect(t.ratioToRerankAt90).toBeCloseTo(0.5 / (0.9 + 0.1 / 3), 12);
    expect(operatorsMarkdown(report, "genre", v)).toContain("shift: dominates k2k along the frontier: no");
  });
});
