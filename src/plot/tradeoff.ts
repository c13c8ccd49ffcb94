import type { OperatorReport } from "../steer/operators-eval.js";
import type { TradeoffPoint, TradeoffReport } from "../steer/tradeoff.js";
import { lineChartGroup, svgDocument } from "./line.js";

/**
 * Two side-by-side line charts (960 x 340): Recall_trunc@k against alpha and the target segment's share
 * of the top-k against alpha, one line per mapping, legends right of the plots and round axis ranges
 * ({@link niceDomain}). Returns a standalone SVG document.
 */
export function tradeoffSvg(report: TradeoffReport): string {
  const w = 480;
  const h = 340;
  const series = (pick: (p: TradeoffPoint) => number) =>
    report.curves.map((c) => ({ name: c.mapping, points: c.points.map((p) => [p.alpha, pick(p)] as const) }));
  const recalls = report.curves.flatMap((c) => c.points.map((p) => p.recall.mean));
  const recallChart = lineChartGroup(
    {
      title: `Recall_trunc@${report.k} vs steering strength`,
      xLabel: "alpha",
      yLabel: `Recall_trunc@${report.k}`,
      series: series((p) => p.recall.mean),
      xDomain: niceDomain(Math.min(...report.alphas), Math.max(...report.alphas)),
      yDomain: niceDomain(Math.min(...recalls), Math.max(...recalls), [0, 1]),
      legend: "right",
    },
    { x: 0, y: 0, width: w, height: h },
  );
  const shareChart = lineChartGroup(
    {
      title: `Target-segment share of top-${report.k}`,
      xLabel: "alpha",
      yLabel: "share",
      series: series((p) => p.segmentShare.mean),
      xDomain: niceDomain(Math.min(...report.alphas), Math.max(...report.alphas)),
      yDomain: [0, 1],
      legend: "right",
    },
    { x: w, y: 0, width: w, height: h },
  );
  return svgDocument(2 * w, h, `${recallChart}\n${shareChart}`);
}

/**
 * An axis range covering [lo, hi] whose 4 equal intervals (the 5 ticks of lineChartGroup) fall on
 * round numbers: the smallest step of 1, 1.5, 2, 2.5, 3, 4 or 5 times a power of ten with
 * floor(lo / step) * step + 4 step >= hi, clipped to `clip` when given (e.g. [0, 1] for shares).
 */
export function niceDomain(lo: number, hi: number, clip?: readonly [number, number]): [number, number] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo))
    throw new RangeError(`niceDomain: need finite lo <= hi, got [${lo}, ${hi}]`);
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) / 10;
    lo -= pad;
    hi += pad;
  }
  let exp = Math.floor(Math.log10((hi - lo) / 4)) - 1;
  for (;;) {
    for (const m of [1, 1.5, 2, 2.5, 3, 4, 5]) {
      const step = m * 10 ** exp;
      const start = Math.floor(lo / step + 1e-9) * step;
      if (start + 4 * step >= hi - 1e-12) {
        let d0 = Number(start.toPrecision(12));
        let d1 = Number((start + 4 * step).toPrecision(12));
        if (clip && d0 < clip[0]) {
          d0 = clip[0];
          d1 = Math.min(clip[1], d0 + 4 * step);
        }
        if (clip && d1 > clip[1]) {
          d1 = clip[1];
          d0 = Math.max(clip[0], d1 - 4 * step);
        }
        return [Number(d0.toPrecision(12)), Number(d1.toPrecision(12))];
      }
    }
    exp++;
  }
}

/**
 * The operator comparison (1000 x 360): left, the frontier, target-segment share of the top-k
 * against the metric kept, one line per operator in strength order; right, the mean share against
 * the strength. Legends sit in a column right of each plot (never clipped); axes span round ranges
 * ({@link niceDomain}).
 */
export function frontierSvg(report: OperatorReport, metric = "Recall_trunc"): string {
  const w = 500;
  const h = 360;
  const kept = report.curves.flatMap((c) => c.points.map((p) => p.recallKept)).filter(Number.isFinite);
  const shares = report.curves.flatMap((c) => c.points.map((p) => p.share.mean));
  const yDomain = niceDomain(Math.min(...shares), Math.max(...shares), [0, 1]);
  const frontier = lineChartGroup(
    {
      title: `Segment share vs ${metric}@${report.k} kept`,
      xLabel: `${metric}@${report.k} kept`,
      yLabel: `segment share of top-${report.k}`,
      series: report.curves.map((c) => ({
        name: c.operator,
        points: c.points
          .filter((p) => Number.isFinite(p.recallKept))
          .map((p) => [p.recallKept, p.share.mean] as const),
      })),
      xDomain: niceDomain(Math.min(...kept), Math.max(...kept)),
      yDomain,
      legend: "right",
    },
    { x: 0, y: 0, width: w, height: h },
  );
  const strength = lineChartGroup(
    {
      title: `Segment share vs strength`,
      xLabel: "strength",
      yLabel: `segment share of top-${report.k}`,
      series: report.curves.map((c) => ({
        name: c.operator,
        points: c.points.map((p) => [p.strength, p.share.mean] as const),
      })),
      xDomain: [0, 1],
      yDomain,
      legend: "right",
    },
    { x: w, y: 0, width: w, height: h },
  );
  return svgDocument(2 * w, h, `${frontier}\n${strength}`);
}
