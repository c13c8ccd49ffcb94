/**
 * Charts of concept statistics (entropy/KL distributions, top tags) as standalone SVG document
 * strings for files, drawn with Observable Plot (bars-plot.ts) in Node; the binning is here.
 */
import { barFigure, histogramFigure } from "./bars-plot.js";
import { nodeDocument, standaloneSvg } from "./render.js";

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

/**
 * Histogram chart (default 640 x 400) as a standalone SVG document: one `<rect class="bar">` per
 * bin of {@link histogramBins} whose height is proportional to its count, tooltip "[lo, hi): count",
 * nice ticks (bars-plot.ts).
 */
export function histogramSvg(values: ArrayLike<number>, o: HistogramOptions): string {
  const { edges, counts } = histogramBins(values, o.bins ?? 30, o.range);
  return standaloneSvg(
    histogramFigure(edges, counts, {
      title: o.title,
      xLabel: o.xLabel,
      yLabel: o.yLabel ?? "count",
      width: o.width ?? 640,
      height: o.height ?? 400,
      document: nodeDocument(),
    }),
  );
}

/**
 * Horizontal bar chart (labels on the left, one `<rect class="bar">` per value, lengths
 * proportional to the value) as a standalone SVG document. Values must be finite and >= 0.
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
  return standaloneSvg(
    barFigure(labels, values, {
      title: o.title,
      xLabel: o.xLabel,
      width: o.width ?? 640,
      height: o.height ?? 60 + 20 * Math.max(1, labels.length),
      document: nodeDocument(),
    }),
  );
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
