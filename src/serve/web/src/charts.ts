import { svg } from "./dom.js";

/** Horizontal bar chart (hand-made SVG) with an accessible name and a text alternative per bar. */
export function barChart(
  title: string,
  labels: readonly string[],
  values: readonly number[],
  max?: number,
): SVGElement {
  const rowH = 18;
  const labelW = 120;
  const width = 360;
  const barW = width - labelW - 40;
  const top = Math.max(max ?? 0, ...values, 1e-12);
  const height = labels.length * rowH + 4;
  const rows = labels.map((label, r) => {
    const w = Math.max(1, (values[r] / top) * barW);
    const y = r * rowH + 2;
    return svg(
      "g",
      {},
      svg("title", {}, `${label}: ${values[r]}`),
      svg(
        "text",
        { x: labelW - 6, y: y + 12, "text-anchor": "end", class: "chart-label" },
        label.length > 18 ? `${label.slice(0, 17)}…` : label,
      ),
      svg("rect", { x: labelW, y, width: w.toFixed(1), height: rowH - 5, rx: 2, class: "bar" }),
      svg("text", { x: labelW + w + 4, y: y + 12, class: "chart-value" }, String(values[r])),
    );
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title, class: "chart" },
    svg("title", {}, title),
    rows,
  );
}

/** Histogram of counts over bin edges (hand-made SVG). */
export function histogram(title: string, edges: readonly number[], counts: readonly number[]): SVGElement {
  const width = 360;
  const height = 120;
  const padB = 18;
  const n = counts.length;
  const top = Math.max(1, ...counts);
  const bw = (width - 20) / Math.max(1, n);
  const bars = counts.map((c, b) => {
    const hgt = ((height - padB - 6) * c) / top;
    return svg(
      "rect",
      {
        x: (10 + b * bw + 1).toFixed(1),
        y: (height - padB - hgt).toFixed(1),
        width: Math.max(1, bw - 2).toFixed(1),
        height: hgt.toFixed(1),
        class: "bar",
      },
      svg("title", {}, `${edges[b].toPrecision(3)}–${edges[b + 1].toPrecision(3)}: ${c} users`),
    );
  });
  const axis = n
    ? [
        svg("text", { x: 10, y: height - 4, class: "chart-value" }, edges[0].toPrecision(2)),
        svg(
          "text",
          { x: width - 10, y: height - 4, "text-anchor": "end", class: "chart-value" },
          edges[n].toPrecision(2),
        ),
      ]
    : [
        svg(
          "text",
          { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-value" },
          "never fires for sampled users",
        ),
      ];
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title, class: "chart" },
    svg("title", {}, title),
    bars,
    axis,
  );
}
