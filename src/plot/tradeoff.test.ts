import { describe, expect, it } from "vitest";
import type { OperatorReport } from "../steer/operators-eval.js";
import { frontierSvg, niceDomain } from "./tradeoff.js";

describe("round axis ranges", () => {
  it("puts the 5 ticks on round numbers", () => {
    // (0.0918 - 0.0138) / 4 = 0.0195: steps 0.01, 0.015, 0.02 from 0 fall short, 0.025 covers it
    expect(niceDomain(0.0138, 0.0918)).toEqual([0, 0.1]);
    // 0.125 per interval is not round: 0.15 is the first that covers [0, 0.5]
    expect(niceDomain(0, 0.5)).toEqual([0, 0.6]);
    expect(niceDomain(0, 1)).toEqual([0, 1]);
    // shares: [0.2, 0.97] with step 0.2 from 0.2 ends at 1.0, inside the clip
    expect(niceDomain(0.2, 0.97, [0, 1])).toEqual([0.2, 1]);
    // step 0.15 from 0.45 would pass 1: clipped and shifted down to [0.4, 1]
    expect(niceDomain(0.55, 0.99, [0, 1])).toEqual([0.4, 1]);
    // a flat range is widened by 10% each side: [0.27, 0.33] in steps of 0.015
    expect(niceDomain(0.3, 0.3)).toEqual([0.27, 0.33]);
    expect(() => niceDomain(1, 0)).toThrow(/need finite lo <= hi/);
  });
});

describe("operator frontier plot", () => {
  it("draws one line per operator with the legend in its own column", () => {
    const pt = (strength: number, kept: number, share: number) => ({
      strength,
      param: strength,
      recall: { mean: 0.3 * kept, stderr: 0.01 },
      recallKept: kept,
      share: { mean: share, stderr: 0.01 },
      shareQuartiles: { q1: share, median: share, q3: share },
    });
    const report: OperatorReport = {
      k: 20,
      strengths: [0, 0.5, 1],
      heldOutUsers: 10,
      users: 10,
      skippedNoSegment: 0,
      skippedUnmapped: 0,
      curves: [
        { operator: "k2k", title: "a", points: [pt(0, 1, 0.2), pt(0.5, 0.8, 0.4), pt(1, 0.3, 0.6)] },
        { operator: "knob", title: "b", points: [pt(0, 1, 0.2), pt(0.5, 0.9, 0.45), pt(1, 0.6, 0.7)] },
      ],
    };
    const svg = frontierSvg(report);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain(">knob</text>");
    expect(svg).not.toContain("NaN");
    // y axis niceDomain(0.2, 0.7, [0, 1]) = [0.15, 0.75]: ticks 0.15, 0.3, 0.45, 0.6, 0.75
    expect(niceDomain(0.2, 0.7, [0, 1])).toEqual([0.15, 0.75]);
    expect(svg).toContain(">0.45</text>");
    // legend column right of the plot: inside the 500-wide frame
    const xs = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+">k2k<\/text>/g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(2);
    expect(xs[0] + 6.5 * 3).toBeLessThan(500);
  });
});
