import type { OperatorReport } from "../steer/operators-eval.js";
import type { TradeoffReport } from "../steer/tradeoff.js";
import { frontierFigures, tradeoffFigures } from "./frontier-plot.js";
import { nodeDocument, sideBySideSvg } from "./render.js";

/**
 * The mapping trade-off as a standalone SVG document (960 x 340): Recall_trunc@k against alpha and
 * the target segment's share of the top-k against alpha, one line per mapping (frontier-plot.ts).
 */
export function tradeoffSvg(report: TradeoffReport): string {
  return sideBySideSvg(tradeoffFigures(report, { document: nodeDocument() }));
}

/**
 * The operator comparison as a standalone SVG document (1000 x 360): left, the frontier (segment
 * share of the top-k against the metric kept); right, the share against the strength; one line per
 * operator, legends inside the frames, nice ticks (frontier-plot.ts).
 */
export function frontierSvg(report: OperatorReport, metric = "Recall_trunc"): string {
  return sideBySideSvg(frontierFigures(report, metric, { document: nodeDocument() }));
}
