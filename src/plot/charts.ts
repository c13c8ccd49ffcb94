/**
 * Small dependency-free SVG charts for concept statistics (entropy/KL distributions, top tags).
 * Output is a complete standalone <svg> document string; the CLI writes it to a file.
 */

import { escapeXml, tickNumber } from "./svg.js";

/** Histogram of values: `counts[b]` values fall in [edges[b], edges[b+1]); the last bin is closed. */
export interface Histogram {
  readonly edges: Float64Array;
  readonly counts: Int32Array;
}

/**
 * Equal-width histogram over `range` (default [min, max] of the values; a single repeated value gets
 * the range [v - 0.5, v + 0.5]). Values outside the range are not counted. Throws on non-finite values.
 */
export function histogramBins(
  values: ArrayLike<number>,
  bins: number,
  range?: readonly [number, number],
): Histogram {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new RangeError(`histogram: value ${i} is ${v}; values must be finite`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (range) [lo, hi] = range;
  else if (values.length === 0) [lo, hi] = [0, 1];
  else if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  if (!(hi > lo)) throw new RangeError(`histogram: range [${lo}, ${hi}] is empty`);
  const edges = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = lo + ((hi - lo) * b) / bins;
  const counts = new Int32Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) continue;
    let b = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    // Agree with the stored edges despite rounding in the division.
    if (b + 1 < bins && v >= edges[b + 1]) b++;
    else if (b > 0 && v < edges[b]) b--;
    counts[b]++;
  }
  return { edges, counts };
}

/** Layout and text of a chart. */
export interface ChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Options of `histogramSvg`. */
export interface HistogramOptions extends ChartOptions {
  bins?: number;
  range?: readonly [number, number];
}

const MARGIN = { left: 56, right: 16, top: 36, bottom: 48 };

function frame(o: ChartOptions, body: string[]): string {
  const w = o.width ?? 640;
  const h = o.height ?? 400;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`,
    ...body,
  ];
  if (o.xLabel)
    parts.push(
      `<text x="${(MARGIN.left + w - MARGIN.right) / 2}" y="${h - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`,
    );
  if (o.yLabel) {
    const cy = (MARGIN.top + h - MARGIN.bottom) / 2;
    parts.push(
      `<text x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${escapeXml(o.yLabel)}</text>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/**
 * Histogram chart: one <rect class="bar"> per bin whose height is proportional to its count (the
 * tallest bin fills the plot height), x ticks at the first, middle and last edges, y ticks at 0 and
 * the largest count.
 */
export function histogramSvg(values: ArrayLike<number>, o: HistogramOptions): string {
  const { edges, counts } = histogramBins(values, o.bins ?? 30, o.range);
  const w = o.width ?? 640;
  const h = o.height ?? 400;
  const pw = w - MARGIN.left - MARGIN.right;
  const ph = h - MARGIN.top - MARGIN.bottom;
  const y0 = MARGIN.top + ph;
  const maxCount = Math.max(1, ...counts);
  const bw = pw / counts.length;
  const body: string[] = [];
  counts.forEach((c, b) => {
    const bh = (c / maxCount) * ph;
    body.push(
      `<rect class="bar" x="${(MARGIN.left + b * bw).toFixed(2)}" y="${(y0 - bh).toFixed(2)}" width="${Math.max(0, bw - 1).toFixed(2)}" height="${bh.toFixed(2)}" fill="#4c78a8"><title>[${tickNumber(edges[b], 2)}, ${tickNumber(edges[b + 1], 2)}): ${c}</title></rect>`,
    );
  });
  body.push(`<line x1="${MARGIN.left}" y1="${y0}" x2="${MARGIN.left + pw}" y2="${y0}" stroke="#333"/>`);
  body.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${y0}" stroke="#333"/>`);
  const mid = Math.floor(counts.length / 2);
  for (const b of new Set([0, mid, counts.length])) {
    body.push(
      `<text x="${(MARGIN.left + b * bw).toFixed(2)}" y="${y0 + 16}" text-anchor="middle">${tickNumber(edges[b], 2)}</text>`,
    );
  }
  body.push(`<text x="${MARGIN.left - 6}" y="${y0}" text-anchor="end">0</text>`);
  body.push(`<text x="${MARGIN.left - 6}" y="${MARGIN.top + 4}" text-anchor="end">${maxCount}</text>`);
  return frame({ yLabel: "count", ...o }, body);
}

/**
 * Horizontal bar chart (labels on the left, one <rect class="bar"> per value, widths proportional to
 * value / max). Values must be finite and >= 0.
 */
export function barChartSvg(labels: readonly string[], values: ArrayLike<number>, o: ChartOptions): string {
  if (labels.length !== values.length)
    throw new RangeError(`barChart: ${labels.length} labels for ${values.length} values`);
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0) || values[i] === Infinity)
      throw new RangeError(
        `barChart: value ${i} ("${labels[i]}") is ${values[i]}; values must be finite and >= 0`,
      );
  }
  const w = o.width ?? 640;
  const rowH = 20;
  const left = 160;
  const h = o.height ?? MARGIN.top + MARGIN.bottom + rowH * Math.max(1, labels.length);
  const pw = w - left - MARGIN.right - 48;
  let maxV = 0;
  for (let i = 0; i < values.length; i++) maxV = Math.max(maxV, values[i]);
  const body: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const y = MARGIN.top + i * rowH;
    const bw = maxV > 0 ? (values[i] / maxV) * pw : 0;
    const name = labels[i].length > 24 ? `${labels[i].slice(0, 23)}…` : labels[i];
    body.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeXml(name)}</text>`);
    body.push(
      `<rect class="bar" x="${left}" y="${y + 3}" width="${bw.toFixed(2)}" height="${rowH - 6}" fill="#4c78a8"><title>${escapeXml(labels[i])}: ${tickNumber(values[i], 2)}</title></rect>`,
    );
    body.push(`<text x="${(left + bw + 4).toFixed(2)}" y="${y + 14}">${tickNumber(values[i], 2)}</text>`);
  }
  return frame({ ...o, height: h, width: w }, body);
}

/** Entropy/KL values of one axis, as produced by selectivity.ts (only the fields charts need). */
interface SelectivityValues {
  readonly entropy: Float64Array;
  readonly kl: Float64Array;
}

/**
 * The four selectivity distribution charts of a concept family, keyed by suggested file name:
 * neuron-entropy.svg, neuron-kl.svg (one value per live neuron) and tag-entropy.svg, tag-kl.svg
 * (one value per tag with mass). `kind` names the family in titles.
 */
export function selectivityCharts(
  kind: string,
  neurons: SelectivityValues,
  tags: SelectivityValues,
  bins = 30,
): Record<string, string> {
  return {
    "neuron-entropy.svg": histogramSvg(neurons.entropy, {
      title: `Entropy of each neuron's ${kind} distribution`,
      xLabel: "entropy (nats)",
      bins,
    }),
    "neuron-kl.svg": histogramSvg(neurons.kl, {
      title: `KL of each neuron's ${kind} distribution from the mean`,
      xLabel: "KL divergence (nats)",
      bins,
    }),
    "tag-entropy.svg": histogramSvg(tags.entropy, {
      title: `Entropy of each ${kind}'s neuron distribution`,
      xLabel: "entropy (nats)",
      bins,
    }),
    "tag-kl.svg": histogramSvg(tags.kl, {
      title: `KL of each ${kind}'s neuron distribution from the mean`,
      xLabel: "KL divergence (nats)",
      bins,
    }),
  };
}
