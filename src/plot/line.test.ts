import { describe, expect, it } from "vitest";
import { placeLegend } from "./figure.js";
import { lineChartGroup, lineChartSvg, svgDocument } from "./line.js";
import { all, num, parseSvg, tickLabels, viewBox } from "./test-utils/svg-query.js";

const diagonal = {
  name: "a<b",
  points: [
    [0, 0],
    [0.5, 0.25],
    [1, 1],
  ] as [number, number][],
};

describe("lineChartSvg (Observable Plot)", () => {
  it("maps data to pixels: x left to right, y bottom to top, inside the margins", () => {
    // 400 x 300, no title/labels: margins left 44, right 18, top 16, bottom 28
    // -> x in [44, 382], y in [272, 16]; (0.5, 0.25) -> (44 + 169, 272 - 64) = (213, 208)
    const text = lineChartSvg({ series: [diagonal], xDomain: [0, 1], yDomain: [0, 1] }, 400, 300);
    const svg = parseSvg(text);
    expect(all(svg, "circle").map((c) => [num(c, "cx"), num(c, "cy")])).toEqual([
      [44, 272],
      [213, 208],
      [382, 16],
    ]);
    expect(all(svg, "path.series").map((p) => p.getAttribute("d"))).toEqual(["M44,272L213,208L382,16"]);
    expect(text).toContain('aria-label="a&lt;b"'); // the series name, escaped
    expect(tickLabels(svg, "x")).toEqual(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    expect(viewBox(svg)).toEqual([0, 0, 400, 300]);
  });

  it("picks round ticks for an awkward data range (the old plot showed 0.0138 and 0.0918)", () => {
    const svg = lineChartSvg({
      series: [
        {
          name: "s",
          points: [
            [0.0138, 0.0138],
            [0.0918, 0.0918],
          ],
        },
      ],
    });
    const root = parseSvg(svg);
    // nice domain [0.01, 0.1]: x every 0.02, y every 0.01
    expect(tickLabels(root, "x")).toEqual(["0.02", "0.04", "0.06", "0.08", "0.10"]);
    expect(tickLabels(root, "y")[0]).toBe("0.01");
    expect(tickLabels(root, "y").at(-1)).toBe("0.10");
    const ticks = [...tickLabels(root, "x"), ...tickLabels(root, "y")];
    expect(ticks).not.toContain("0.0138");
    expect(ticks).not.toContain("0.0918");
    expect(svg).not.toContain("NaN");
  });

  it("draws one line and one dot per point per series, a legend entry per series inside the frame", () => {
    const names = ["unique", "representative", "a much longer mapping name"];
    const series = names.map((name, q) => ({
      name,
      points: [0, 0.25, 0.5, 0.75, 1].map((x) => [x, (q + 1) * 0.2 * x] as [number, number]),
    }));
    const text = lineChartSvg({
      title: "T & <U>",
      xLabel: "alpha",
      yLabel: "share",
      series,
      legend: "right",
    });
    const svg = parseSvg(text);
    expect(all(svg, "path.series")).toHaveLength(3);
    expect(all(svg, "circle")).toHaveLength(15);
    expect(all(svg, ".legend text").map((t) => t.textContent)).toEqual(names);
    // the legend's swatch colours are the lines' colours, in order
    expect(all(svg, ".legend line").map((l) => l.getAttribute("stroke"))).toEqual(
      all(svg, "path.series").map((p) => p.getAttribute("stroke")),
    );
    const box = svg.querySelector(".legend-box") as Element;
    const [, , w, h] = viewBox(svg);
    // frame of a 480 x 320 chart with title and labels: x in [58, 462], y in [30, 278]
    expect(num(box, "x")).toBeGreaterThanOrEqual(58);
    expect(num(box, "x") + num(box, "width")).toBeLessThanOrEqual(462);
    expect(num(box, "y")).toBeGreaterThanOrEqual(30);
    expect(num(box, "y") + num(box, "height")).toBeLessThanOrEqual(278);
    expect(num(box, "x") + num(box, "width")).toBeLessThanOrEqual(w);
    expect(num(box, "y") + num(box, "height")).toBeLessThanOrEqual(h);
    // lines rise to the top right: the legend goes top-left, where there is no data
    expect(svg.querySelector(".legend")?.getAttribute("data-corner")).toBe("top-left");
    expect(svg.querySelector("text.title")?.textContent).toBe("T & <U>");
    expect(text).toContain("T &amp; &lt;U&gt;");
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')).toBe(true);
    expect(text).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(text).not.toContain("NaN");
  });

  it("widens a flat range and tolerates no series", () => {
    const svg = parseSvg(
      lineChartSvg({
        series: [
          {
            name: "s",
            points: [
              [2, 5],
              [4, 5],
            ],
          },
        ],
      }),
    );
    // y range [4, 6]: y = 5 sits halfway between 16 and 320 - 28 = 292
    expect(all(svg, "circle").map((c) => num(c, "cy"))).toEqual([154, 154]);
    const empty = lineChartSvg({ series: [] });
    expect(empty).not.toContain("NaN");
    expect(tickLabels(parseSvg(empty), "x")[0]).toBe("0.0");
  });

  it("rejects non-finite points and bad domains", () => {
    expect(() => lineChartSvg({ series: [{ name: "s", points: [[0, NaN]] }] })).toThrow(
      /series "s" point 0 is \(0, NaN\)/,
    );
    expect(() => lineChartSvg({ series: [], xDomain: [1, 1] })).toThrow(
      /xDomain must be finite with max > min/,
    );
  });

  it("places charts in frames of one document", () => {
    const a = lineChartGroup({ series: [diagonal] }, { x: 0, y: 0, width: 300, height: 200 });
    const b = lineChartGroup({ series: [diagonal] }, { x: 300, y: 0, width: 300, height: 200 });
    const doc = parseSvg(svgDocument(600, 200, `${a}\n${b}`));
    expect(viewBox(doc)).toEqual([0, 0, 600, 200]);
    const nested = all(doc, "svg");
    expect(nested.map((s) => [num(s, "x"), num(s, "width")])).toEqual([
      [0, 300],
      [300, 300],
    ]);
  });
});

describe("legend placement", () => {
  const frame = { left: 50, right: 450, top: 30, bottom: 280 };
  it("sizes the box by the longest name and picks the emptiest corner", () => {
    // empty chart: top-right; box 30 + 6 x 6 = 66 wide, 8 + 2 x 14 = 36 high, inset 6
    expect(placeLegend(["ab", "abcdef"], frame, [])).toEqual({
      x: 450 - 6 - 66,
      y: 36,
      width: 66,
      height: 36,
      corner: "top-right",
    });
    // data in the top-right and top-left corners: bottom-right wins
    const pts: [number, number][] = [
      [420, 40],
      [60, 40],
    ];
    expect(placeLegend(["ab"], frame, pts).corner).toBe("bottom-right");
    // a name longer than the frame: the box is capped at the frame width less 8
    expect(placeLegend(["x".repeat(200)], frame, []).width).toBe(392);
  });
});
