import { groupedHistogramFigure } from "./bars-plot.js";
import { histogramBins, type HistogramOptions } from "./charts.js";
import { nodeDocument, standaloneSvg } from "./render.js";

/** One distribution of a grouped histogram (e.g. the confidences of one model family's latents). */
export interface HistogramSeries {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

/** Options of {@link groupedHistogramSvg}. */
export interface GroupedHistogramOptions extends HistogramOptions {
  /** Draws a dashed vertical line at this x (e.g. a confidence threshold) when inside the range. */
  readonly marker?: number;
}

/** Share of each series' values per bin: `shares[s][b]` = counts / number of values (0 when empty). */
export function groupedShares(
  series: readonly HistogramSeries[],
  bins: number,
  range: readonly [number, number],
): { edges: Float64Array; shares: Float64Array[] } {
  const edges = histogramBins([], bins, range).edges;
  const shares = series.map((s) => {
    const h = histogramBins(s.values, bins, range);
    return Float64Array.from(h.counts, (c) => (s.values.length > 0 ? c / s.values.length : 0));
  });
  return { edges, shares };
}

const MAX_SERIES = 10;

/**
 * Several distributions over one shared, fixed range (default [0, 1], 10 bins) as side-by-side bars
 * per bin, each bar the SHARE of its series in the bin (so series of different sizes compare), one
 * colour per series with a legend (inside the frame) giving its size. Bars are `<rect class="bar"
 * data-series="s">`; the marker is a dashed `class="marker"` rule. A standalone SVG document.
 */
export function groupedHistogramSvg(series: readonly HistogramSeries[], o: GroupedHistogramOptions): string {
  if (series.length === 0) throw new RangeError("groupedHistogram: no series");
  if (series.length > MAX_SERIES)
    throw new RangeError(`groupedHistogram: at most ${MAX_SERIES} series, got ${series.length}`);
  const { edges, shares } = groupedShares(series, o.bins ?? 10, o.range ?? [0, 1]);
  return standaloneSvg(
    groupedHistogramFigure(
      edges,
      series.map((s, q) => ({ name: `${s.name} (n = ${s.values.length})`, shares: shares[q] })),
      {
        title: o.title,
        xLabel: o.xLabel,
        yLabel: o.yLabel ?? "share of latents",
        width: o.width ?? 640,
        height: o.height ?? 400,
        document: nodeDocument(),
        ...(o.marker !== undefined ? { marker: o.marker } : {}),
      },
    ),
  );
}
