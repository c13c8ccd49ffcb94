import { describe, expect, it } from "vitest";
import { escapeXml } from "./svg.js";
import { CHART_MARGIN, lineChartSvg, scaleLinear } from "./line.js";

describe("lineChartSvg", () => {
  it("maps data to pixels: x left to right, y bottom to top, inside the margins", () => {
    const svg = lineChartSvg(
      {
        title: "T",
        series: [
          {
            name: "a<b",
            points: [
              [0, 0],
              [0.5, 0.25],
              [1, 1],
            ],
          },
        ],
        xDomain: [0, 1],
        yDomain: [0, 1],
      },
      400,
      300,
    );
    const left = CHART_MARGIN.left;
    const right = 400 - CHART_MARGIN.right;
    const top = CHART_MARGIN.top;
    const bottom = 300 - CHART_MARGIN.bottom;
    // (0,0) bottom-left; (0.5, 0.25) a quarter up the plot area at mid-width; (1,1) top-right
    const mid = `${left + (right - left) / 2},${bottom - (bottom - top) / 4}`;
    expect(svg).toContain(`points="${left},${bottom} ${mid} ${right},${top}"`);
    expect(svg).toContain(">a&lt;b</text>");
    expect(svg.startsWith("<?xml")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("takes the range from the data and widens a flat one", () => {
    const svg = lineChartSvg({
      series: [
        {
          name: "s",
          points: [
            [2, 5],
            [4, 5],
          ],
        },
      ],
    });
    // y range [4, 6]: y = 5 sits halfway
    const y = (CHART_MARGIN.top + 320 - CHART_MARGIN.bottom) / 2;
    expect(svg).toContain(`points="${CHART_MARGIN.left},${y} ${480 - CHART_MARGIN.right},${y}"`);
  });

  it("puts a right legend in its own column, sized by the longest name", () => {
    const series = [
      {
        name: "abcdefghij",
        points: [
          [0, 0],
          [1, 1],
        ] as [number, number][],
      },
    ];
    const svg = lineChartSvg({ series, xDomain: [0, 1], yDomain: [0, 1], legend: "right" }, 400, 300);
    const right = 400 - CHART_MARGIN.right - (34 + 6.5 * 10); // 285: the plot ends before the legend
    expect(svg).toContain(
      `points="${CHART_MARGIN.left},${300 - CHART_MARGIN.bottom} ${right},${CHART_MARGIN.top}"`,
    );
    expect(svg).toContain(`<text x="${right + 34}" y="${CHART_MARGIN.top + 14}">abcdefghij</text>`);
  });

  it("rejects non-finite points and bad domains", () => {
    expect(() => lineChartSvg({ series: [{ name: "s", points: [[0, NaN]] }] })).toThrow(
      /series "s" point 0 is \(0, NaN\)/,
    );
    expect(() => lineChartSvg({ series: [], xDomain: [1, 1] })).toThrow(
      /xDomain must be finite with max > min/,
    );
  });

  it("scaleLinear and escapeXml", () => {
    expect(scaleLinear(3, 1, 5, 100, 200)).toBe(150);
    expect(scaleLinear(3, 1, 5, 200, 100)).toBe(150);
    expect(scaleLinear(1, 1, 5, 200, 100)).toBe(200);
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
  });
});
