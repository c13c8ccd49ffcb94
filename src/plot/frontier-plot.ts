/**
 * The steering charts as Observable Plot figures, for the SVG files (tradeoff.ts) and the panel
 * alike: the operator frontier of `reclens steer-eval` (segment share against the metric kept, and
 * against strength) and the mapping trade-off (recall and segment share against alpha).
 */
import type { OperatorReport } from "../steer/operators-eval.js";
import type { TradeoffPoint, TradeoffReport } from "../steer/tradeoff.js";
import { lineFigure, type FigureOptions, type LineSeries } from "./line-plot.js";

/** A mean and standard error as stored in JSON (a non-finite error becomes null). */
interface StoredMean {
  readonly mean: number | null;
  readonly stderr: number | null;
}

/** An OperatorReport as read back from operators.json: JSON stores NaN as null. */
export interface StoredOperatorReport {
  readonly k: number;
  readonly strengths: readonly number[];
  readonly heldOutUsers: number;
  readonly users: number;
  readonly skippedNoSegment: number;
  readonly skippedUnmapped: number;
  readonly curves: readonly {
    readonly operator: string;
    readonly title: string;
    readonly points: readonly {
      readonly strength: number;
      readonly param: number | null;
      readonly recall: StoredMean;
      readonly recallKept: number | null;
      readonly share: StoredMean;
      readonly shareQuartiles?: { readonly q1: number; readonly median: number; readonly q3: number };
    }[];
  }[];
}

/** The stored report with nulls turned back into NaN (what the chart functions take). */
export function reportFromStored(r: StoredOperatorReport): OperatorReport {
  const ms = (m: StoredMean) => ({ mean: m.mean ?? Number.NaN, stderr: m.stderr ?? Number.NaN });
  return {
    ...r,
    curves: r.curves.map((c) => ({
      operator: c.operator as OperatorReport["curves"][number]["operator"],
      title: c.title,
      points: c.points.map((p) => ({
        strength: p.strength,
        param: p.param ?? Number.NaN,
        recall: ms(p.recall),
        recallKept: p.recallKept ?? Number.NaN,
        share: ms(p.share),
        shareQuartiles: p.shareQuartiles ?? {
          q1: Number.NaN,
          median: p.share.mean ?? Number.NaN,
          q3: Number.NaN,
        },
      })),
    })),
  };
}

/** Size and document of each of the two charts (default 500 x 360, the global document). */
export type PairOptions = Partial<FigureOptions>;

/**
 * The operator comparison as two charts: the frontier, target-segment share of the top-k against
 * the metric kept, one line per operator in strength order; and the mean share against the
 * strength over [0, 1]. Points with a non-finite kept value or share are left out.
 */
export function frontierFigures(
  report: OperatorReport,
  metric = "Recall_trunc",
  o: PairOptions = {},
): [SVGSVGElement, SVGSVGElement] {
  const size = {
    width: o.width ?? 500,
    height: o.height ?? 360,
    ...(o.document ? { document: o.document } : {}),
  };
  const frontier: LineSeries[] = report.curves.map((c) => ({
    name: c.operator,
    points: c.points
      .filter((p) => Number.isFinite(p.recallKept) && Number.isFinite(p.share.mean))
      .map((p) => [p.recallKept, p.share.mean] as const),
  }));
  const strength: LineSeries[] = report.curves.map((c) => ({
    name: c.operator,
    points: c.points
      .filter((p) => Number.isFinite(p.share.mean))
      .map((p) => [p.strength, p.share.mean] as const),
  }));
  const yLabel = `segment share of top-${report.k}`;
  return [
    lineFigure(
      {
        title: `Segment share vs ${metric}@${report.k} kept`,
        xLabel: `${metric}@${report.k} kept`,
        yLabel,
        series: frontier,
      },
      size,
    ),
    lineFigure(
      { title: "Segment share vs strength", xLabel: "strength", yLabel, series: strength, xDomain: [0, 1] },
      size,
    ),
  ];
}

/**
 * The mapping trade-off as two charts (default 480 x 340 each): Recall_trunc@k against alpha and
 * the target segment's share of the top-k against alpha, one line per mapping.
 */
export function tradeoffFigures(report: TradeoffReport, o: PairOptions = {}): [SVGSVGElement, SVGSVGElement] {
  const size = {
    width: o.width ?? 480,
    height: o.height ?? 340,
    ...(o.document ? { document: o.document } : {}),
  };
  const series = (pick: (p: TradeoffPoint) => number): LineSeries[] =>
    report.curves.map((c) => ({ name: c.mapping, points: c.points.map((p) => [p.alpha, pick(p)] as const) }));
  return [
    lineFigure(
      {
        title: `Recall_trunc@${report.k} vs steering strength`,
        xLabel: "alpha",
        yLabel: `Recall_trunc@${report.k}`,
        series: series((p) => p.recall.mean),
      },
      size,
    ),
    lineFigure(
      {
        title: `Target-segment share of top-${report.k}`,
        xLabel: "alpha",
        yLabel: "share",
        series: series((p) => p.segmentShare.mean),
        yDomain: [0, 1],
      },
      size,
    ),
  ];
}
