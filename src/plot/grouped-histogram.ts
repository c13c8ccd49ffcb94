import { histogramBins, type HistogramOptions } from "./charts.js";
import { escapeXml, tickNumber } from "./svg.js";

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

const COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"];
const M = { left: 56, right: 16, top: 36, bottom: 48 };

/**
 * Several distributions over one shared, fixed range as side-by-side bars per bin, each bar the
 * SHARE of its series in the bin (so series of different sizes compare), one colour per series with
 * a legend giving its size. Bars are `<rect class="bar" data-series="s">`; the tallest share fills
 * the plot height.
 */
export function groupedHistogramSvg(series: readonly HistogramSeries[], o: GroupedHistogramOptions): string {
  if (series.length === 0) throw new RangeError("groupedHistogram: no series");
  if (series.length > COLOURS.length)
    throw new RangeError(`groupedHistogram: at most ${COLOURS.length} series, got ${series.length}`);
  const bins = o.bins ?? 10;
  const range = o.range ?? [0, 1];
  const { edges, shares } = groupedShares(series, bins, range);
  const w = o.width ?? 640;
  const h = o.height ?? 400;
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const y0 = M.top + ph;
  let maxShare = 0;
  for (const s of shares) for (const v of s) maxShare = Math.max(maxShare, v);
  const top = maxShare > 0 ? maxShare : 1;
  const bw = pw / bins;
  const gap = Math.min(2, bw / 4);
  const sw = (bw - gap) / series.length;
  const body: string[] = [];
  shares.forEach((s, k) =>
    s.forEach((v, b) => {
      const bh = (v / top) * ph;
      body.push(
        `<rect class="bar" data-series="${k}" x="${(M.left + b * bw + k * sw).toFixed(2)}" y="${(y0 - bh).toFixed(2)}" width="${Math.max(0, sw).toFixed(2)}" height="${bh.toFixed(2)}" fill="${COLOURS[k]}"><title>${escapeXml(series[k].name)} [${tickNumber(edges[b], 2)}, ${tickNumber(edges[b + 1], 2)}): ${(100 * v).toFixed(1)}%</title></rect>`,
      );
    }),
  );
  body.push(`<line x1="${M.left}" y1="${y0}" x2="${M.left + pw}" y2="${y0}" stroke="#333"/>`);
  body.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${y0}" stroke="#333"/>`);
  for (const b of new Set([0, Math.floor(bins / 2), bins]))
    body.push(
      `<text x="${(M.left + b * bw).toFixed(2)}" y="${y0 + 16}" text-anchor="middle">${tickNumber(edges[b], 2)}</text>`,
    );
  body.push(`<text x="${M.left - 6}" y="${y0}" text-anchor="end">0</text>`);
  body.push(`<text x="${M.left - 6}" y="${M.top + 4}" text-anchor="end">${(100 * top).toFixed(0)}%</text>`);
  if (o.marker !== undefined && o.marker >= range[0] && o.marker <= range[1]) {
    const x = M.left + ((o.marker - range[0]) / (range[1] - range[0])) * pw;
    body.push(
      `<line class="marker" x1="${x.toFixed(2)}" y1="${M.top}" x2="${x.toFixed(2)}" y2="${y0}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
  }
  series.forEach((s, k) => {
    const y = M.top + 6 + 16 * k;
    body.push(`<rect x="${M.left + 10}" y="${y}" width="10" height="10" fill="${COLOURS[k]}"/>`);
    body.push(`<text x="${M.left + 26}" y="${y + 9}">${escapeXml(s.name)} (n = ${s.values.length})</text>`);
  });
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`,
    ...body,
  ];
  if (o.xLabel)
    parts.push(
      `<text x="${(M.left + w - M.right) / 2}" y="${h - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    );
  const cy = (M.top + h - M.bottom) / 2;
  parts.push(
    `<text x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${escapeXml(o.yLabel ?? "share of latents")}</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}
