/**
 * Building blocks shared by every reclens chart, on Observable Plot, for Node (SVG files, through
 * render.ts) and the browser panel alike: a title in the top margin, a legend drawn inside the plot
 * frame in the corner that hides the least data, and a class on the elements of a mark so charts
 * (and tests) can find their series and bars. Nothing here touches Node APIs.
 */
import type * as Plot from "@observablehq/plot";

/** The SVG namespace. */
export const SVG_NS = "http://www.w3.org/2000/svg";

/** Series colours (Observable's "observable10" scheme), cycled when there are more series. */
export const PALETTE = [
  "#4269d0",
  "#efb118",
  "#ff725c",
  "#6cc5b0",
  "#3ca951",
  "#ff8ab7",
  "#a463f2",
  "#97bbf5",
  "#9c6b4e",
  "#9498a0",
] as const;

/** Colour of the q-th series. */
export function seriesColor(q: number): string {
  return PALETTE[q % PALETTE.length];
}

/** Estimated width of one character of the 10-px chart font, generous so boxes never clip text. */
export const CHAR_WIDTH = 6;

/** Row height of a legend entry (pixels). */
export const LEGEND_ROW = 14;

/** Top margin that leaves room for a title. */
export const TITLE_MARGIN = 30;

function el(doc: Document, tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = doc.createElementNS(SVG_NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A title centred in the chart's top margin (`<text class="title">`). */
export function titleMark(title: string): Plot.RenderFunction {
  return (_index, _scales, _values, dims, ctx) => {
    const t = el(ctx.document, "text", {
      class: "title",
      x: dims.width / 2,
      y: 17,
      "text-anchor": "middle",
      "font-size": 13,
      "font-weight": 600,
    });
    t.textContent = title;
    return t;
  };
}

/** One legend entry. */
export interface LegendEntry {
  readonly name: string;
  readonly color: string;
}

/** Legend placement inside the frame. */
export type Corner = "top-right" | "top-left" | "bottom-right" | "bottom-left";

const CORNERS: readonly Corner[] = ["top-right", "top-left", "bottom-right", "bottom-left"];

/** A legend box: its position and size in the SVG's pixels. */
export interface LegendBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly corner: Corner;
}

/** Plot area (pixels) of a chart of the given dimensions. */
export interface FrameBox {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * Where the legend goes: a box of 30 + CHAR_WIDTH x (longest name) by 8 + LEGEND_ROW x entries
 * pixels (at most the frame's width less 8) inset 6 pixels in one corner of the frame; the corner
 * holding the fewest of `points` (pixel positions of the data) wins, ties in the order top-right,
 * top-left, bottom-right, bottom-left.
 */
export function placeLegend(
  names: readonly string[],
  frame: FrameBox,
  points: readonly (readonly [number, number])[],
): LegendBox {
  const longest = Math.max(0, ...names.map((n) => n.length));
  const width = Math.max(40, Math.min(frame.right - frame.left - 8, 30 + CHAR_WIDTH * longest));
  const height = 8 + LEGEND_ROW * names.length;
  let best: LegendBox | undefined;
  let bestCount = Infinity;
  for (const corner of CORNERS) {
    const x = corner.endsWith("right") ? frame.right - 6 - width : frame.left + 6;
    const y = corner.startsWith("top") ? frame.top + 6 : frame.bottom - 6 - height;
    let count = 0;
    for (const [px, py] of points)
      if (px >= x - 4 && px <= x + width + 4 && py >= y - 4 && py <= y + height + 4) count++;
    if (count < bestCount) {
      bestCount = count;
      best = { x, y, width, height, corner };
    }
  }
  return best as LegendBox;
}

/** Names shortened with "…" to fit `chars` characters. */
export function fitName(name: string, chars: number): string {
  return name.length <= chars ? name : `${name.slice(0, Math.max(1, chars - 1))}…`;
}

/**
 * A legend inside the plot frame (`<g class="legend">` holding a `<rect class="legend-box">` and one
 * swatch + `<text>` per entry), in the corner that covers the least of the data. `lines` are the
 * charted series in data coordinates: their points and points along their segments are what the
 * legend avoids. `swatch` draws a short line (line charts) or a square (bars).
 */
export function legendMark(
  entries: readonly LegendEntry[],
  lines: readonly (readonly (readonly [number, number])[])[],
  swatch: "line" | "square" = "line",
): Plot.RenderFunction {
  return (_index, scales, _values, dims, ctx) => {
    const doc = ctx.document;
    const frame: FrameBox = {
      left: dims.marginLeft,
      right: dims.width - dims.marginRight,
      top: dims.marginTop,
      bottom: dims.height - dims.marginBottom,
    };
    const sx = scales.x ?? ((v: number) => v);
    const sy = scales.y ?? ((v: number) => v);
    const pixels: [number, number][] = [];
    for (const line of lines)
      line.forEach((p, q) => {
        const prev = q > 0 ? line[q - 1] : p;
        for (let s = 1; s <= 8; s++) {
          const t = s / 8;
          const x = sx(prev[0] + t * (p[0] - prev[0])) as number;
          const y = sy(prev[1] + t * (p[1] - prev[1])) as number;
          if (Number.isFinite(x) && Number.isFinite(y)) pixels.push([x, y]);
        }
      });
    const box = placeLegend(
      entries.map((e) => e.name),
      frame,
      pixels,
    );
    const chars = Math.floor((box.width - 30) / CHAR_WIDTH);
    const g = el(doc, "g", { class: "legend", "data-corner": box.corner, "text-anchor": "start" });
    g.append(
      el(doc, "rect", {
        class: "legend-box",
        x: box.x,
        y: box.y,
        width: box.width,
        height: box.height,
        fill: "white",
        "fill-opacity": 0.85,
        stroke: "#bbb",
      }),
    );
    entries.forEach((e, q) => {
      const cy = box.y + 4 + LEGEND_ROW * q + LEGEND_ROW / 2;
      g.append(
        swatch === "line"
          ? el(doc, "line", {
              x1: box.x + 6,
              x2: box.x + 22,
              y1: cy,
              y2: cy,
              stroke: e.color,
              "stroke-width": 2,
            })
          : el(doc, "rect", { x: box.x + 9, y: cy - 5, width: 10, height: 10, fill: e.color }),
      );
      const t = el(doc, "text", { x: box.x + 26, y: cy, dy: "0.32em", fill: "currentColor" });
      t.textContent = fitName(e.name, chars);
      g.append(t);
    });
    return g;
  };
}

/**
 * A render transform that adds `className` to every element the mark draws (each line of a line
 * mark, each rect of a bar mark) and, when given, `data-series` from `seriesOf(datum index)`.
 */
export function classed(
  className: string,
  seriesOf?: (i: number) => number,
): NonNullable<Plot.MarkOptions["render"]> {
  return (index, scales, values, dims, ctx, next) => {
    const g = next ? next(index, scales, values, dims, ctx) : null;
    if (!g) return g;
    const shapes = Array.from(g.children).filter((c) => c.tagName.toLowerCase() !== "title");
    shapes.forEach((c, k) => {
      c.setAttribute("class", className);
      if (seriesOf && k < index.length) c.setAttribute("data-series", String(seriesOf(index[k])));
    });
    return g;
  };
}

/** Throws a RangeError naming the chart, series and point when a point is not finite. */
export function checkFinite(chart: string, series: string, q: number, p: readonly [number, number]): void {
  if (!(Number.isFinite(p[0]) && Number.isFinite(p[1])))
    throw new RangeError(`${chart}: series "${series}" point ${q} is (${p[0]}, ${p[1]}), not finite`);
}
