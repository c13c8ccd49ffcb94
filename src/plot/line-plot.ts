/**
 * The line chart of reclens on Observable Plot (works with the browser's document or a Node DOM):
 * one line with point markers per series, nice ticks, grid, title, centred axis labels and a legend
 * inside the frame. The SVG-string wrappers for files are in line.ts.
 */
import * as Plot from "@observablehq/plot";
import { checkFinite, classed, legendMark, seriesColor, titleMark, TITLE_MARGIN } from "./figure.js";

/** One line: (x, y) points drawn in the order given. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A chart: axes from the data unless given, one line (with point markers) per series. */
export interface LineChart {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly LineSeries[];
  /** Axis ranges; default: the data's range made nice (a flat range is widened by 1 on each side). */
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /**
   * Kept for callers of the old hand-written chart: the legend is always drawn inside the frame,
   * in the corner that hides the least data.
   */
  readonly legend?: "inside" | "right";
  /** y tick labels as percentages ("20%"). */
  readonly yPercent?: boolean;
}

/** Size of a chart and the document to draw it with (default: the global `document`). */
export interface FigureOptions {
  readonly width: number;
  readonly height: number;
  readonly document?: Document;
}

function domainOf(chart: LineChart, axis: 0 | 1): [number, number] {
  const given = axis === 0 ? chart.xDomain : chart.yDomain;
  if (given) {
    if (!(Number.isFinite(given[0]) && Number.isFinite(given[1]) && given[1] > given[0]))
      throw new RangeError(
        `lineChart: ${axis === 0 ? "xDomain" : "yDomain"} must be finite with max > min, got [${given.join(", ")}]`,
      );
    return [given[0], given[1]];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of chart.series)
    for (const p of s.points) {
      lo = Math.min(lo, p[axis]);
      hi = Math.max(hi, p[axis]);
    }
  if (lo === Infinity) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/**
 * The chart as an Observable Plot `<svg>` element of `o.width` x `o.height` pixels: x and y linear
 * over the given domains (or the data's, extended to nice round values), lines `<path
 * class="series">` in series order with `aria-label` = series name, 2.5-px dots at the points.
 * Throws on a non-finite point, naming the series and point.
 */
export function lineFigure(chart: LineChart, o: FigureOptions): SVGSVGElement {
  chart.series.forEach((s) => s.points.forEach((p, q) => checkFinite("lineChart", s.name, q, p)));
  const rows = chart.series.flatMap((s, q) =>
    s.points.map((p) => ({ s: q, name: s.name, x: p[0], y: p[1] })),
  );
  const names = chart.series.map((s) => s.name);
  const colors = chart.series.map((_, q) => seriesColor(q));
  const x = domainOf(chart, 0);
  const y = domainOf(chart, 1);
  const plot = Plot.plot({
    ...(o.document ? { document: o.document } : {}),
    width: o.width,
    height: o.height,
    marginTop: chart.title ? TITLE_MARGIN : 16,
    marginLeft: chart.yLabel ? 58 : 44,
    marginRight: 18,
    marginBottom: chart.xLabel ? 42 : 28,
    x: {
      domain: x,
      nice: !chart.xDomain,
      label: chart.xLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    y: {
      domain: y,
      nice: !chart.yDomain,
      label: chart.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
      grid: true,
      ...(chart.yPercent ? { tickFormat: "~%" } : {}),
    },
    color: { type: "ordinal", domain: names.map((_, q) => q), range: colors },
    marks: [
      Plot.frame({ stroke: "#999" }),
      Plot.line(rows, {
        x: "x",
        y: "y",
        z: "s",
        stroke: "s",
        strokeWidth: 2,
        ariaLabel: "name",
        render: classed("series"),
      }),
      Plot.dot(rows, {
        x: "x",
        y: "y",
        fill: "s",
        r: 2.5,
        title: (d: (typeof rows)[number]) => `${d.name}: (${d.x}, ${d.y})`,
      }),
      chart.title ? titleMark(chart.title) : null,
      names.length
        ? legendMark(
            names.map((name, q) => ({ name, color: colors[q] })),
            chart.series.map((s) => s.points),
          )
        : null,
    ],
  });
  return plot as SVGSVGElement;
}
