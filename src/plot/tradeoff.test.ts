import { describe, expect, it } from "vitest";
import type { OperatorReport } from "../steer/operators-eval.js";
import type { TradeoffReport } from "../steer/tradeoff.js";
import { frontierSvg, tradeoffSvg } from "./tradeoff.js";
import { all, num, parseSvg, tickLabels, viewBox } from "./test-utils/svg-query.js";

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
    { operator: "knob", title: "b", points: [pt(0, 1, 0.2), pt(0.5, 0.9, 0.45), pt(1, Number.NaN, 0.7)] },
  ],
};

describe("operator frontier plot", () => {
  it("two charts side by side, one line per operator each, nice ticks, legends inside the frames", () => {
    const text = frontierSvg(report);
    const svg = parseSvg(text);
    expect(viewBox(svg)).toEqual([0, 0, 1000, 360]);
    const charts = all(svg, "svg");
    expect(charts.map((c) => [num(c, "x"), num(c, "width")])).toEqual([
      [0, 500],
      [500, 500],
    ]);
    for (const c of charts) {
      expect(all(c, "path.series")).toHaveLength(2);
      expect(all(c, ".legend text").map((t) => t.textContent)).toEqual(["k2k", "knob"]);
      const box = c.querySelector(".legend-box") as Element;
      expect(num(box, "x")).toBeGreaterThanOrEqual(58);
      expect(num(box, "x") + num(box, "width")).toBeLessThanOrEqual(500 - 18);
      expect(num(box, "y")).toBeGreaterThanOrEqual(30);
      expect(num(box, "y") + num(box, "height")).toBeLessThanOrEqual(360 - 42);
    }
    // the frontier leaves out knob's non-finite kept point: 3 + 2 dots; the strength chart has 6
    expect(all(charts[0], "circle")).toHaveLength(5);
    expect(all(charts[1], "circle")).toHaveLength(6);
    // kept over [0.3, 1] -> ticks 0.3 .. 1.0; strength over exactly [0, 1]
    expect(tickLabels(charts[0], "x")).toEqual(["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"]);
    expect(tickLabels(charts[1], "x")).toEqual(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    // shares [0.2, 0.7] -> y ticks every 0.05 from 0.20 to 0.70
    expect(tickLabels(charts[1], "y")[0]).toBe("0.20");
    expect(tickLabels(charts[1], "y").at(-1)).toBe("0.70");
    expect(text).toContain("Segment share vs Recall_trunc@20 kept");
    expect(text).not.toContain("NaN");
  });
});

describe("mapping trade-off plot", () => {
  it("recall and share against alpha, one line per mapping, share axis over [0, 1]", () => {
    const tp = (alpha: number, recall: number, share: number) => ({
      alpha,
      recall: { mean: recall, stderr: 0 },
      segmentShare: { mean: share, stderr: 0 },
    });
    const rep: TradeoffReport = {
      k: 20,
      alphas: [0, 0.05, 0.1],
      heldOutUsers: 5,
      skippedNoSegment: 0,
      curves: [
        {
          mapping: "unique",
          users: 5,
          skippedUnmapped: 0,
          points: [tp(0, 0.0918, 0.1), tp(0.05, 0.05, 0.3), tp(0.1, 0.0138, 0.5)],
        },
        {
          mapping: "representative",
          users: 5,
          skippedUnmapped: 0,
          points: [tp(0, 0.0918, 0.1), tp(0.05, 0.07, 0.2), tp(0.1, 0.04, 0.4)],
        },
      ],
    };
    const svg = parseSvg(tradeoffSvg(rep));
    const [recall, share] = all(svg, "svg");
    expect(all(recall, "path.series")).toHaveLength(2);
    expect(all(share, "path.series")).toHaveLength(2);
    expect(tickLabels(recall, "y")).toEqual([
      "0.01",
      "0.02",
      "0.03",
      "0.04",
      "0.05",
      "0.06",
      "0.07",
      "0.08",
      "0.09",
      "0.10",
    ]);
    expect(tickLabels(share, "y")[0]).toBe("0.0");
    expect(tickLabels(share, "y").at(-1)).toBe("1.0");
  });
});
