import type { PurityPlotData, SteerEvalPlotData } from "../../../pipeline/run-plots.js";
import { histogramFigure } from "../../../plot/bars-plot.js";
import { frontierFigures, reportFromStored } from "../../../plot/frontier-plot.js";
import { asChart } from "./charts.js";
import { errorText, fmt, h, pct, replace } from "./dom.js";

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = (await res.json()) as unknown;
  if (!res.ok) throw new Error((body as { message?: string }).message ?? `${path}: HTTP ${res.status}`);
  return body as T;
}

function steerSection(d: SteerEvalPlotData): HTMLElement {
  if (!d.available) return h("p", { class: "muted", id: "eval-steer-missing" }, d.reason);
  const r = d.report;
  const [frontier, strength] = frontierFigures(reportFromStored(d.report), d.metric, {
    width: 460,
    height: 340,
  });
  return h(
    "div",
    { id: "eval-steer" },
    h(
      "p",
      { class: "muted" },
      `${d.family} segments · ${r.users} of ${r.heldOutUsers} held-out users · top-${r.k} · ${r.curves.length} operators`,
    ),
    h(
      "div",
      { class: "chart-row" },
      h("figure", {}, asChart(frontier, `Segment share vs ${d.metric}@${r.k} kept`)),
      h("figure", {}, asChart(strength, "Segment share vs strength")),
    ),
  );
}

function puritySection(d: PurityPlotData): HTMLElement {
  if (!d.available) return h("p", { class: "muted", id: "eval-purity-missing" }, d.reason);
  const title = `purity@${d.k} of the ${d.counted} labelled neurons with a concept`;
  return h(
    "div",
    { id: "eval-purity" },
    h(
      "p",
      { class: "muted" },
      `mean purity@${d.k} ${fmt(d.meanPurity)} · ${pct(d.shareAbove90)} at or above 0.9 · ${d.withConcept} of ${d.liveNeurons} live neurons labelled with a concept`,
    ),
    h(
      "figure",
      {},
      asChart(
        histogramFigure(d.edges, d.counts, {
          title,
          xLabel: `purity@${d.k}`,
          yLabel: "neurons",
          width: 560,
          height: 300,
        }),
        title,
      ),
    ),
  );
}

/**
 * The Evaluation view: the run's steer-eval operator frontier and the labels' purity distribution
 * as charts (GET /api/plots/steer-eval and /api/plots/purity); says so when the run has neither.
 */
export function mountEvalView(root: HTMLElement): { refresh(): Promise<void> } {
  const steer = h("section", { "aria-labelledby": "eval-steer-h" });
  const purity = h("section", { "aria-labelledby": "eval-purity-h" });
  replace(
    root,
    h("h2", { id: "eval-steer-h" }, "Steering operators (steer-eval)"),
    steer,
    h("h2", { id: "eval-purity-h" }, "Label purity"),
    purity,
  );
  let loaded = false;
  return {
    async refresh() {
      if (loaded) return;
      replace(steer, h("p", { class: "muted" }, "Loading…"));
      replace(purity, h("p", { class: "muted" }, "Loading…"));
      const [s, p] = await Promise.allSettled([
        getJson<SteerEvalPlotData>("/api/plots/steer-eval"),
        getJson<PurityPlotData>("/api/plots/purity"),
      ]);
      replace(
        steer,
        s.status === "fulfilled" ? steerSection(s.value) : h("p", { class: "error" }, errorText(s.reason)),
      );
      replace(
        purity,
        p.status === "fulfilled" ? puritySection(p.value) : h("p", { class: "error" }, errorText(p.reason)),
      );
      loaded = s.status === "fulfilled" && p.status === "fulfilled";
    },
  };
}
