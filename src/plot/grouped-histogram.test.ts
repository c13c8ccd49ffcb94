import { describe, expect, it } from "vitest";
import { groupedHistogramSvg, groupedShares } from "./grouped-histogram.js";

function bars(svg: string): { series: number; height: number }[] {
  return [
    ...svg.matchAll(
      /<rect class="bar" data-series="(\d+)" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"/g,
    ),
  ].map((m) => ({ series: Number(m[1]), height: Number(m[2]) }));
}

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

  it("bar heights are shares over the largest share; legend and marker drawn", () => {
    // plot height 400 - 36 - 48 = 316; largest share 1 (GRU4Rec's first bin).
    const svg = groupedHistogramSvg(series, { title: "confidence", bins: 2, marker: 0.8 });
    expect(bars(svg)).toEqual([
      { series: 0, height: 79 },
      { series: 0, height: 237 },
      { series: 1, height: 316 },
      { series: 1, height: 0 },
    ]);
    expect(svg).toContain("GRU4Rec &lt;x&gt; (n = 2)");
    expect(svg).toContain("SASRec (n = 4)");
    // marker at x = 56 + 0.8 * (640 - 56 - 16) = 510.4
    expect(svg).toContain('class="marker" x1="510.40"');
    expect(svg.trim().endsWith("</svg>")).toBe(true);
  });

  it("refuses no series and non-finite values", () => {
    expect(() => groupedHistogramSvg([], { title: "t" })).toThrow(/no series/);
    expect(() => groupedHistogramSvg([{ name: "a", values: [Number.NaN] }], { title: "t" })).toThrow(/NaN/);
  });
});
