import type { DebiasPoint } from "../steer/debias.js";
import type { TradeoffReport } from "../steer/tradeoff.js";
import { lineChartSvg } from "./line.js";

/**
 * Trade-offs plotted against the accuracy kept (metric at the setting / metric unsteered): the
 * steering curves of sequential runs and the debiasing curve.
 */

/**
 * Target-segment share of the top-k against the hit rate kept (HR@k at alpha / HR@k at alpha 0),
 * one line per mapping, points in alpha order. A mapping whose unsteered hit rate is 0 is left out.
 */
export function keptTradeoffSvg(report: TradeoffReport, metric = "HR"): string {
  const series = report.curves.flatMap((c) => {
    const base = c.points[0]?.recall.mean ?? 0;
    if (!(base > 0)) return [];
    return [
      { name: c.mapping, points: c.points.map((p) => [p.recall.mean / base, p.segmentShare.mean] as const) },
    ];
  });
  return lineChartSvg({
    title: `Target-segment share of top-${report.k} vs ${metric}@${report.k} kept`,
    xLabel: `${metric}@${report.k} kept`,
    yLabel: "segment share",
    series,
    yDomain: [0, 1],
  });
}

/** Coverage, Gini and long-tail share of the top-k against the hit rate kept, one point per factor. */
export function debiasSvg(points: readonly DebiasPoint[], k: number, metric = "HR"): string {
  const line = (name: string, pick: (p: DebiasPoint) => number) => ({
    name,
    points: points.filter((p) => Number.isFinite(p.kept)).map((p) => [p.kept, pick(p)] as const),
  });
  return lineChartSvg({
    title: `Suppressing popularity latents: diversity vs ${metric}@${k} kept`,
    xLabel: `${metric}@${k} kept`,
    yLabel: "value",
    series: [
      line("coverage", (p) => p.coverage),
      line("Gini", (p) => p.gini),
      line("long-tail share", (p) => p.longTailShare),
    ],
    yDomain: [0, 1],
  });
}
