/**
 * Bar charts of reclens on Observable Plot (browser or Node DOM): histograms over given bin edges,
 * grouped histograms (several series' shares per bin) and horizontal bar charts. Bars are `<rect
 * class="bar">` with a `<title>` each. SVG-string wrappers for files are in charts.ts and
 * grouped-histogram.ts.
 */
import * as Plot from "@observablehq/plot";
import { classed, fitName, legendMark, seriesColor, titleMark, TITLE_MARGIN } from "./figure.js";

/** Text and size of a bar chart; `document` defaults to the global one. */
export interface BarsOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width: number;
  readonly height: number;
  readonly document?: Document;
  /** Bar colour (default the first palette colour). */
  readonly fill?: string;
  /** Text shown in an empty histogram (default "no data"). */
  readonly empty?: string;
}

/** A number for a bar's tooltip: 3 significant digits. */
export function short(v: number): string {
  return v === 0 ? "0" : String(Number(v.toPrecision(3)));
}

function base(o: BarsOptions): Plot.PlotOptions {
  return {
    ...(o.document ? { document: o.document } : {}),
    width: o.width,
    height: o.height,
    marginTop: o.title ? TITLE_MARGIN : 12,
    marginRight: 18,
  };
}

/**
 * Histogram over bin edges: bar b spans [edges[b], edges[b+1]) with height counts[b] (tooltip
 * "[lo, hi): count"), x over exactly [edges[0], edges[n]], y from 0 to the largest count made nice.
 */
export function histogramFigure(
  edges: ArrayLike<number>,
  counts: ArrayLike<number>,
  o: BarsOptions,
): SVGSVGElement {
  const n = counts.length;
  if (edges.length !== n + 1 && !(n === 0 && edges.length === 0))
    throw new RangeError(`histogram: ${edges.length} edges for ${n} bins`);
  const rows = Array.from({ length: n }, (_, b) => ({ x1: edges[b], x2: edges[b + 1], count: counts[b] }));
  const top = Math.max(1, ...rows.map((r) => r.count));
  const x0 = n ? edges[0] : 0;
  const x1 = n ? edges[n] : 1;
  return Plot.plot({
    ...base(o),
    marginLeft: o.yLabel ? 54 : 40,
    marginBottom: o.xLabel ? 40 : 26,
    x: { domain: [x0, x1], label: o.xLabel ?? null, labelAnchor: "center", labelArrow: "none" },
    y: {
      domain: [0, top],
      nice: true,
      // counts: whole-number ticks (d3 picks steps of 1 or more when asked for at most `top` ticks)
      ticks: Math.max(1, Math.min(top, Math.round(o.height / 40))),
      label: o.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
      grid: true,
    },
    marks: [
      Plot.rectY(rows, {
        x1: "x1",
        x2: "x2",
        y: "count",
        fill: o.fill ?? seriesColor(0),
        insetLeft: 0.5,
        insetRight: 0.5,
        title: (r: (typeof rows)[number]) => `[${short(r.x1)}, ${short(r.x2)}): ${r.count}`,
        render: classed("bar"),
      }),
      Plot.ruleY([0]),
      n === 0 ? Plot.text([o.empty ?? "no data"], { frameAnchor: "middle", fill: "#666" }) : null,
      o.title ? titleMark(o.title) : null,
    ],
  }) as SVGSVGElement;
}

/** One distribution of a grouped histogram: its share of values per bin. */
export interface ShareSeries {
  readonly name: string;
  readonly shares: ArrayLike<number>;
}

/**
 * Several series' shares per bin as side-by-side bars (`<rect class="bar" data-series="s">`), y in
 * percent, a legend inside the frame, and a dashed `class="marker"` rule at `marker` when given.
 */
export function groupedHistogramFigure(
  edges: ArrayLike<number>,
  series: readonly ShareSeries[],
  o: BarsOptions & { readonly marker?: number },
): SVGSVGElement {
  const bins = edges.length - 1;
  const k = series.length;
  const rows = series.flatMap((s, q) =>
    Array.from({ length: bins }, (_, b) => {
      const w = (edges[b + 1] - edges[b]) / k;
      return { s: q, name: s.name, x1: edges[b] + q * w, x2: edges[b] + (q + 1) * w, share: s.shares[b], b };
    }),
  );
  const top = Math.max(0, ...rows.map((r) => r.share)) || 1;
  const colors = series.map((_, q) => seriesColor(q));
  const marker = o.marker;
  return Plot.plot({
    ...base(o),
    marginLeft: 54,
    marginBottom: o.xLabel ? 40 : 26,
    x: {
      domain: [edges[0], edges[bins]],
      label: o.xLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
    },
    y: {
      domain: [0, top],
      nice: true,
      tickFormat: "~%",
      label: o.yLabel ?? null,
      labelAnchor: "center",
      labelArrow: "none",
      grid: true,
    },
    color: { type: "ordinal", domain: series.map((_, q) => q), range: colors },
    marks: [
      Plot.rectY(rows, {
        x1: "x1",
        x2: "x2",
        y: "share",
        fill: "s",
        insetRight: 0.5,
        title: (r: (typeof rows)[number]) =>
          `${r.name} [${short(edges[r.b])}, ${short(edges[r.b + 1])}): ${(100 * r.share).toFixed(1)}%`,
        render: classed("bar", (i) => rows[i].s),
      }),
      Plot.ruleY([0]),
      marker !== undefined && marker >= edges[0] && marker <= edges[bins]
        ? Plot.ruleX([marker], { stroke: "#333", strokeDasharray: "4 3", render: classed("marker") })
        : null,
      o.title ? titleMark(o.title) : null,
      legendMark(
        series.map((s, q) => ({ name: s.name, color: colors[q] })),
        rows.map((r) => [
          [(r.x1 + r.x2) / 2, 0],
          [(r.x1 + r.x2) / 2, r.share],
        ]),
        "square",
      ),
    ],
  }) as SVGSVGElement;
}

/**
 * Horizontal bars, one row per label in the order given (labels shortened to 24 characters, the
 * full text in the bar's tooltip), bar length = value over x from 0 to `max` (default the largest
 * value) made nice, the value written after each bar.
 */
export function barFigure(
  labels: readonly string[],
  values: ArrayLike<number>,
  o: BarsOptions & { readonly max?: number; readonly labelWidth?: number },
): SVGSVGElement {
  const rows = labels.map((label, i) => ({ i, label, value: values[i] }));
  const top = Math.max(o.max ?? 0, ...rows.map((r) => r.value)) || 1;
  return Plot.plot({
    ...base(o),
    marginLeft: o.labelWidth ?? 150,
    marginRight: 40,
    marginBottom: o.xLabel ? 36 : 24,
    x: { domain: [0, top], nice: true, label: o.xLabel ?? null, labelAnchor: "center", labelArrow: "none" },
    y: {
      type: "band",
      domain: rows.map((r) => r.i),
      tickFormat: (i: number) => fitName(labels[i], 24),
      label: null,
      tickSize: 0,
    },
    marks: [
      Plot.barX(rows, {
        x: "value",
        y: "i",
        fill: o.fill ?? seriesColor(0),
        title: (r: (typeof rows)[number]) => `${r.label}: ${short(r.value)}`,
        render: classed("bar"),
      }),
      Plot.text(rows, {
        x: "value",
        y: "i",
        text: (r: (typeof rows)[number]) => short(r.value),
        textAnchor: "start",
        dx: 4,
      }),
      Plot.ruleX([0]),
      o.title ? titleMark(o.title) : null,
    ],
  }) as SVGSVGElement;
}
