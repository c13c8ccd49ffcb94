import type { TradeoffPoint, TradeoffReport } from "../steer/tradeoff.js";
import { lineChartGroup, svgDocument } from "./line.js";

/**
 * Two side-by-side line charts (960 x 340): Recall_trunc@k against alpha and the target segment's share
 * of the top-k against alpha, one line per mapping. Returns a standalone SVG document.
 */
export function tradeoffSvg(report: TradeoffReport): string {
  const w = 480;
  const h = 340;
  const series = (pick: (p: TradeoffPoint) => number) =>
    report.curves.map((c) => ({ name: c.mapping, points: c.points.map((p) => [p.alpha, pick(p)] as const) }));
  const recallChart = lineChartGroup(
    {
      title: `Recall_trunc@${report.k} vs steering strength`,
      xLabel: "alpha",
      yLabel: `Recall_trunc@${report.k}`,
      series: series((p) => p.recall.mean),
    },
    { x: 0, y: 0, width: w, height: h },
  );
  const shareChart = lineChartGroup(
    {
      title: `Target-segment share of top-${report.k}`,
      xLabel: "alpha",
      yLabel: "share",
      series: series((p) => p.segmentShare.mean),
      yDomain: [0, 1],
    },
    { x: w, y: 0, width: w, height: h },
  );
  return svgDocument(2 * w, h, `${recallChart}\n${shareChart}`);
}
