import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { neuronSelectivity, tagSelectivity } from "../concepts/selectivity.js";
import { barChartSvg, histogramBins, histogramSvg, selectivityCharts } from "./charts.js";
import { escapeXml } from "./render.js";
import { all, num, parseSvg, tickLabels } from "./test-utils/svg-query.js";

describe("histogram", () => {
  it("bins values, last bin closed", () => {
    const h = histogramBins([0, 0.1, 0.5, 0.99, 1], 2);
    expect(Array.from(h.edges)).toEqual([0, 0.5, 1]);
    expect(Array.from(h.counts)).toEqual([2, 3]);
    // edges 0, .125, .25, .375, .5 (exact in binary): .25 opens bin 2, .375 opens bin 3
    const r = histogramBins([-1, 0.25, 0.375, 0.5, 2], 4, [0, 0.5]);
    expect(Array.from(r.counts)).toEqual([0, 0, 1, 2]); // out-of-range -1 and 2 dropped
    expect(Array.from(histogramBins([3, 3], 1).edges)).toEqual([2.5, 3.5]);
    expect(() => histogramBins([1, NaN], 3)).toThrow(/value 1 is NaN/);
  });

  it("svg bar heights are proportional to counts, whole-number count ticks", () => {
    // 640 x 400 with title and x label: plot height 400 - 30 - 40 = 330; counts [2, 3] -> 220, 330
    const text = histogramSvg([0, 0.1, 0.5, 0.99, 1], {
      title: "Entropy <per neuron> & more",
      bins: 2,
      xLabel: "nats",
    });
    const svg = parseSvg(text);
    const bars = all(svg, "rect.bar");
    expect(bars.map((b) => num(b, "height"))).toEqual([220, 330]);
    expect(bars.map((b) => b.querySelector("title")?.textContent)).toEqual(["[0, 0.5): 2", "[0.5, 1): 3"]);
    // x spans exactly the edges [0, 1] over [54, 622]: bar 0 starts at 54 + 0.5 inset
    expect(num(bars[0], "x")).toBe(54.5);
    expect(tickLabels(svg, "y")).toEqual(["0", "1", "2", "3"]);
    expect(tickLabels(svg, "x")).toEqual([
      "0.0",
      "0.1",
      "0.2",
      "0.3",
      "0.4",
      "0.5",
      "0.6",
      "0.7",
      "0.8",
      "0.9",
      "1.0",
    ]);
    expect(text).toContain("Entropy &lt;per neuron&gt; &amp; more");
    expect(text.startsWith("<?xml")).toBe(true);
    expect(text.trim().endsWith("</svg>")).toBe(true);
    expect(text).not.toContain("NaN");
  });
});

describe("bar chart", () => {
  it("bar widths are proportional to values", () => {
    // x over [0, 4] drawn on [150, 640 - 40 = 600]: widths 450, 225, 0
    const text = barChartSvg(["noir", "heist", "o'brien & <co>"], [4, 2, 0], { title: "t" });
    const svg = parseSvg(text);
    expect(all(svg, "rect.bar").map((b) => num(b, "width"))).toEqual([450, 225, 0]);
    expect(tickLabels(svg, "y")).toEqual(["noir", "heist", "o'brien & <co>"]);
    expect(text).toContain("o'brien &amp; &lt;co&gt;");
    expect(() => barChartSvg(["a"], [-1], { title: "t" })).toThrow(/value 0 \("a"\) is -1/);
    expect(() => barChartSvg(["a", "b"], [1], { title: "t" })).toThrow(/2 labels for 1 values/);
  });

  it("escapes XML", () => {
    expect(escapeXml(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c'");
  });
});

describe("selectivity charts", () => {
  it("one histogram per axis and measure, counting every live unit", () => {
    // 3 tags x 4 neurons, neuron 3 dead: 3 live neurons, 3 tags with mass
    const m = Matrix.fromRows([
      [4, 0, 1, 0],
      [0, 2, 2, 0],
      [1, 0, 0, 0],
    ]);
    const charts = selectivityCharts("genre", neuronSelectivity(m), tagSelectivity(m), 5);
    expect(Object.keys(charts).sort()).toEqual([
      "neuron-entropy.svg",
      "neuron-kl.svg",
      "tag-entropy.svg",
      "tag-kl.svg",
    ]);
    const total = (svg: string): number =>
      [...svg.matchAll(/<title>\[[^\]<]+\): (\d+)<\/title>/g)].reduce((s, x) => s + Number(x[1]), 0);
    for (const svg of Object.values(charts)) expect(total(svg)).toBe(3);
    expect(charts["neuron-kl.svg"]).toContain("KL of each neuron's genre distribution from the mean");
  });
});
