import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { barChartSvg, histogramBins, histogramSvg, selectivityCharts } from "./charts.js";
import { escapeXml } from "./svg.js";
import { neuronSelectivity, tagSelectivity } from "../concepts/selectivity.js";

function bars(svg: string): { width: number; height: number }[] {
  return [...svg.matchAll(/<rect class="bar" x="[^"]+" y="[^"]+" width="([^"]+)" height="([^"]+)"/g)].map(
    (m) => ({ width: Number(m[1]), height: Number(m[2]) }),
  );
}

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

  it("svg bar heights are proportional to counts", () => {
    // plot height = 400 - 36 - 48 = 316; counts [2, 3] -> heights 210.67, 316
    const svg = histogramSvg([0, 0.1, 0.5, 0.99, 1], {
      title: "Entropy <per neuron> & more",
      bins: 2,
      xLabel: "nats",
    });
    const b = bars(svg);
    expect(b.map((x) => x.height)).toEqual([Number(((2 / 3) * 316).toFixed(2)), 316]);
    expect(svg).toContain("Entropy &lt;per neuron&gt; &amp; more");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith("</svg>")).toBe(true);
  });
});

describe("bar chart", () => {
  it("bar widths are proportional to values", () => {
    // plot width = 640 - 160 - 16 - 48 = 416
    const svg = barChartSvg(["noir", "heist", "o'brien"], [4, 2, 0], { title: "t" });
    expect(bars(svg).map((x) => x.width)).toEqual([416, 208, 0]);
    expect(svg).toContain("o&apos;brien");
    expect(() => barChartSvg(["a"], [-1], { title: "t" })).toThrow(/value 0 \("a"\) is -1/);
    expect(() => barChartSvg(["a", "b"], [1], { title: "t" })).toThrow(/2 labels for 1 values/);
  });

  it("escapes XML", () => {
    expect(escapeXml(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
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
    expect(charts["neuron-kl.svg"]).toContain("KL of each neuron&apos;s genre distribution from the mean");
  });
});
