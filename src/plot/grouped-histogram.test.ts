import { describe, expect, it } from "vitest";
import { groupedHistogramSvg, groupedShares } from "./grouped-histogram.js";
import { all, num, parseSvg, tickLabels, viewBox } from "./test-utils/svg-query.js";

describe("grouped histogram", () => {
  const series = [
    { name: "SASRec", values: [0.1, 0.9, 0.95, 1] },
    { name: "GRU4Rec <x>", values: [0.2, 0.3] },
  ];

  it("gives each series' share per bin over the fixed range", () => {
    const { edges, shares } = groupedShares(series, 2, [0, 1]);
    expect(Array.from(edges)).toEqual([0, 0.5, 1]);
    expect(Array.from(shares[0])).toEqual([0.25, 0.75]);
    expect(Array.from(shares[1])).toEqual([1, 0]);
    expect(Array.from(groupedShares([{ name: "empty", values: [] }], 2, [0, 1]).shares[0])).toEqual([0, 0]);
  });

  it("bar heights are shares on a percent axis; legend inside the frame and marker drawn", () => {
    // 640 x 400 with a title, no x label: plot height 400 - 30 - 26 = 344; y over [0, 1]
    const text = groupedHistogramSvg(series, { title: "confidence", bins: 2, marker: 0.8 });
    const svg = parseSvg(text);
    const bars = all(svg, "rect.bar").map((b) => ({
      series: Number(b.getAttribute("data-series")),
      height: num(b, "height"),
    }));
    expect(bars).toEqual([
      { series: 0, height: 86 },
      { series: 0, height: 258 },
      { series: 1, height: 344 },
      { series: 1, height: 0 },
    ]);
    expect(tickLabels(svg, "y")[0]).toBe("0%");
    expect(tickLabels(svg, "y").at(-1)).toBe("100%");
    expect(all(svg, ".legend text").map((t) => t.textContent)).toEqual([
      "SASRec (n = 4)",
      "GRU4Rec <x> (n = 2)",
    ]);
    expect(text).toContain("GRU4Rec &lt;x&gt; (n = 2)");
    // marker at x = 54 + 0.8 * (640 - 54 - 18) = 508.4
    const marker = svg.querySelector(".marker") as Element;
    expect(num(marker, "x1")).toBeCloseTo(508.4, 9);
    const box = svg.querySelector(".legend-box") as Element;
    const [, , w, h] = viewBox(svg);
    expect(num(box, "x")).toBeGreaterThanOrEqual(54);
    expect(num(box, "x") + num(box, "width")).toBeLessThanOrEqual(w - 18);
    expect(num(box, "y") + num(box, "height")).toBeLessThanOrEqual(h - 26);
    // the tall bars fill the left half's top and the right half: the legend avoids both corners there
    expect(svg.querySelector(".legend")?.getAttribute("data-corner")).not.toBe("top-left");
    expect(text).not.toContain("NaN");
  });

  it("refuses no series and non-finite values", () => {
    expect(() => groupedHistogramSvg([], { title: "t" })).toThrow(/no series/);
    expect(() => groupedHistogramSvg([{ name: "a", values: [Number.NaN] }], { title: "t" })).toThrow(/NaN/);
  });
});
