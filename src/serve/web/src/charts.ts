import { barFigure, histogramFigure } from "../../../plot/bars-plot.js";

/** Marks a Plot figure as the panel's chart: class "chart", an image role and an accessible name. */
export function asChart(svg: SVGSVGElement, title: string): SVGSVGElement {
  svg.classList.add("chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  return svg;
}

/**
 * Horizontal bar chart (Observable Plot, src/plot/bars-plot.ts) with an accessible name and a
 * tooltip per bar; bars scale to `max` when given (e.g. the number of top items).
 */
export function barChart(
  title: string,
  labels: readonly string[],
  values: readonly number[],
  max?: number,
): SVGElement {
  return asChart(
    barFigure(labels, values, {
      width: 360,
      height: 24 + 20 * Math.max(1, labels.length),
      labelWidth: 120,
      ...(max !== undefined ? { max } : {}),
    }),
    title,
  );
}

/** Histogram of counts over bin edges (Observable Plot), tooltips "[lo, hi): count". */
export function histogram(title: string, edges: readonly number[], counts: readonly number[]): SVGElement {
  return asChart(
    histogramFigure(edges, counts, {
      width: 360,
      height: 150,
      xLabel: "activation",
      empty: "never fires for sampled users",
    }),
    title,
  );
}
