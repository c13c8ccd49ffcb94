import { lineChartSvg } from "./line.js";

/** What the sweep chart reads of a sweep point (src/pipeline/sweep.ts SweepPoint). */
export interface SweepPlotPoint {
  readonly architecture: string;
  readonly expansion: number;
  readonly loss: string;
  readonly k: number | null;
  readonly l0: number;
  readonly recallKept: number | null;
  readonly users: "test" | "val";
  /** Hit metric of recallKept (default recall_trunc). */
  readonly hitMetric?: "recall_trunc" | "hr";
}

/**
 * The hit metric kept (Recall_trunc@k, or HR@k on leave-one-out runs) against sparsity (x = measured L0, or the configured k), one line per architecture x
 * expansion x loss with points ordered by x. Points without a kept value (or without k for x = "k")
 * are left out.
 */
export function sweepSvg(points: readonly SweepPlotPoint[], x: "l0" | "k" = "l0", k = 20): string {
  const users = points.some((p) => p.users === "val") ? "validation users" : "test users";
  const hit = points[0]?.hitMetric === "hr" ? "HR" : "Recall_trunc";
  const groups = new Map<string, [number, number][]>();
  for (const p of points) {
    const xv = x === "l0" ? p.l0 : p.k;
    if (xv === null || p.recallKept === null) continue;
    const key = `${p.architecture} x${p.expansion} ${p.loss}`;
    const list = groups.get(key) ?? [];
    list.push([xv, p.recallKept]);
    groups.set(key, list);
  }
  const series = [...groups.entries()].map(([name, pts]) => ({
    name,
    points: pts.sort((a, b) => a[0] - b[0]),
  }));
  return lineChartSvg(
    {
      title: `${hit}@${k} kept by the nested model vs sparsity (${users})`,
      xLabel: x === "l0" ? "L0 (mean active latents per user)" : "k",
      yLabel: `${hit}@${k} kept`,
      series,
      legend: "right",
    },
    820,
    420,
  );
}
