/**
 * Line charts as SVG strings for files (Observable Plot rendered in Node, see line-plot.ts and
 * render.ts): one chart, or charts placed in frames of one document (lineChartGroup + svgDocument).
 */
import { lineFigure, type LineChart } from "./line-plot.js";
import { nodeDocument, serializeXml, standaloneSvg } from "./render.js";
import { SVG_NS } from "./figure.js";

export type { LineChart, LineSeries } from "./line-plot.js";

/** Where a chart is drawn inside the SVG document (pixels). */
export interface Frame {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One chart as a standalone SVG document (default 480 x 320 pixels). */
export function lineChartSvg(chart: LineChart, width = 480, height = 320): string {
  return standaloneSvg(lineFigure(chart, { width, height, document: nodeDocument() }));
}

/**
 * The chart as an SVG fragment drawn in `frame` (a nested `<svg>` at the frame's position and of its
 * size), to be combined with others by {@link svgDocument}.
 */
export function lineChartGroup(chart: LineChart, frame: Frame): string {
  const svg = lineFigure(chart, { width: frame.width, height: frame.height, document: nodeDocument() });
  svg.setAttribute("x", String(frame.x));
  svg.setAttribute("y", String(frame.y));
  return serializeXml(svg);
}

/** A complete standalone SVG document of the given size wrapping `body` (SVG markup). */
export function svgDocument(width: number, height: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" color="black">\n<rect class="background" width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
