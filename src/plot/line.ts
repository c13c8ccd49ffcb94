/**
 * A small dependency-free SVG line chart (no scripts, no external resources), used for the
 * steering trade-off plot.
 */

import { escapeXml, tickNumber } from "./svg.js";

/** One line: (x, y) points drawn in the order given. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A chart: axes from the data unless given, one polyline (with point markers) per series. */
export interface LineChart {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly LineSeries[];
  /** Axis ranges; default: the data's range (a flat range is widened by 1 on each side). */
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /** Legend inside the plot area's top-right corner (default) or in a column right of the plot. */
  readonly legend?: "inside" | "right";
}

/** Where a chart is drawn inside the SVG document (pixels). */
export interface Frame {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Margins between a frame and its plot area: room for title, tick labels and axis labels. */
export const CHART_MARGIN = { left: 56, right: 16, top: 32, bottom: 44 } as const;

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/** Pixel coordinate of value v on an axis mapping [d0, d1] to [p0, p1]. */
export function scaleLinear(v: number, d0: number, d1: number, p0: number, p1: number): number {
  return p0 + ((v - d0) / (d1 - d0)) * (p1 - p0);
}

function fmt(v: number): string {
  return Number(v.toFixed(2)).toString();
}

function domainOf(chart: LineChart, axis: 0 | 1): [number, number] {
  const given = axis === 0 ? chart.xDomain : chart.yDomain;
  if (given) {
    if (!(Number.isFinite(given[0]) && Number.isFinite(given[1]) && given[1] > given[0])) {
      throw new RangeError(
        `lineChart: ${axis === 0 ? "xDomain" : "yDomain"} must be finite with max > min, got [${given.join(", ")}]`,
      );
    }
    return [given[0], given[1]];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of chart.series) {
    for (const p of s.points) {
      lo = Math.min(lo, p[axis]);
      hi = Math.max(hi, p[axis]);
    }
  }
  if (lo === Infinity) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/**
 * The chart as an SVG `<g>` fragment drawn in `frame`: the plot area is the frame minus
 * {@link CHART_MARGIN} (and, with `legend: "right"`, a legend column wide enough for the longest
 * series name); x maps linearly left to right, y bottom to top; 5 ticks per axis. Throws on a
 * non-finite point, naming the series and point.
 */
export function lineChartGroup(chart: LineChart, frame: Frame): string {
  chart.series.forEach((s) =>
    s.points.forEach((p, q) => {
      if (!(Number.isFinite(p[0]) && Number.isFinite(p[1])))
        throw new RangeError(`lineChart: series "${s.name}" point ${q} is (${p[0]}, ${p[1]}), not finite`);
    }),
  );
  const [x0, x1] = domainOf(chart, 0);
  const [y0, y1] = domainOf(chart, 1);
  const left = frame.x + CHART_MARGIN.left;
  const outside = chart.legend === "right";
  const legendWidth = outside ? 34 + 6.5 * Math.max(0, ...chart.series.map((s) => s.name.length)) : 0;
  const right = frame.x + frame.width - CHART_MARGIN.right - legendWidth;
  const top = frame.y + CHART_MARGIN.top;
  const bottom = frame.y + frame.height - CHART_MARGIN.bottom;
  const px = (v: number): number => scaleLinear(v, x0, x1, left, right);
  const py = (v: number): number => scaleLinear(v, y0, y1, bottom, top);
  const out: string[] = [`<g font-family="sans-serif" font-size="11">`];
  if (chart.title)
    out.push(
      `<text x="${fmt((left + right) / 2)}" y="${fmt(frame.y + 18)}" text-anchor="middle" font-size="13">${escapeXml(chart.title)}</text>`,
    );
  out.push(
    `<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(right - left)}" height="${fmt(bottom - top)}" fill="none" stroke="#999"/>`,
  );
  for (let t = 0; t <= 4; t++) {
    const xv = x0 + ((x1 - x0) * t) / 4;
    const yv = y0 + ((y1 - y0) * t) / 4;
    out.push(
      `<line x1="${fmt(px(xv))}" y1="${fmt(bottom)}" x2="${fmt(px(xv))}" y2="${fmt(bottom + 4)}" stroke="#999"/>`,
    );
    out.push(
      `<text x="${fmt(px(xv))}" y="${fmt(bottom + 16)}" text-anchor="middle">${tickNumber(xv, 1)}</text>`,
    );
    out.push(
      `<line x1="${fmt(left - 4)}" y1="${fmt(py(yv))}" x2="${fmt(left)}" y2="${fmt(py(yv))}" stroke="#999"/>`,
    );
    out.push(
      `<text x="${fmt(left - 6)}" y="${fmt(py(yv) + 4)}" text-anchor="end">${tickNumber(yv, 1)}</text>`,
    );
  }
  if (chart.xLabel)
    out.push(
      `<text x="${fmt((left + right) / 2)}" y="${fmt(bottom + 34)}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    );
  if (chart.yLabel) {
    const cy = (top + bottom) / 2;
    const cx = frame.x + 14;
    out.push(
      `<text x="${fmt(cx)}" y="${fmt(cy)}" text-anchor="middle" transform="rotate(-90 ${fmt(cx)} ${fmt(cy)})">${escapeXml(chart.yLabel)}</text>`,
    );
  }
  chart.series.forEach((s, q) => {
    const color = PALETTE[q % PALETTE.length];
    const pts = s.points.map((p) => `${fmt(px(p[0]))},${fmt(py(p[1]))}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`);
    for (const p of s.points)
      out.push(`<circle cx="${fmt(px(p[0]))}" cy="${fmt(py(p[1]))}" r="2.5" fill="${color}"/>`);
    const ly = top + 14 + 14 * q;
    const lx = outside ? right + 12 : right - 110;
    out.push(
      `<line x1="${fmt(lx)}" y1="${fmt(ly - 4)}" x2="${fmt(lx + 18)}" y2="${fmt(ly - 4)}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(`<text x="${fmt(lx + 22)}" y="${fmt(ly)}">${escapeXml(s.name)}</text>`);
  });
  out.push("</g>");
  return out.join("\n");
}

/** A complete standalone SVG document of the given size wrapping `body`. */
export function svgDocument(width: number, height: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

/** One chart as a standalone SVG document (default 480 x 320 pixels). */
export function lineChartSvg(chart: LineChart, width = 480, height = 320): string {
  return svgDocument(width, height, lineChartGroup(chart, { x: 0, y: 0, width, height }));
}
