import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelRunContext } from "../pipeline/run-context.js";
import { writeOperators, writePurity } from "../pipeline/test-utils/run-plot-files.js";
import { runLayout } from "../store/manifest.js";
import type { RunningServer } from "./api.js";
import { hasChromium, openPanelBrowser, repoRoot, type PanelBrowser } from "./test-utils/chromium.js";
import { serveFixture } from "./test-utils/fixture.js";

/**
 * End-to-end: the panel's Evaluation view (steer-eval frontier and purity charts drawn by Observable
 * Plot) in Debian's headless Chromium; skipped when /usr/bin/chromium is absent.
 */
const outDir = join(repoRoot, "test-output");

let withRun: RunningServer;
let noRun: RunningServer;
let browser: PanelBrowser;
let page: Page;

describe.skipIf(!hasChromium)("Evaluation view in headless Chromium", () => {
  beforeAll(async () => {
    browser = await openPanelBrowser("reclens-panel-eval-");
    page = browser.page;
    const run = browser.tempDir("reclens-panel-eval-run-");
    writeOperators(run);
    writePurity(join(run, "concepts"));
    const fx = await serveFixture();
    // only the run's directory layout is read by the plot routes
    const runCtx = { dir: run, layout: runLayout(run) } as unknown as ModelRunContext;
    withRun = await browser.serve({ ...fx.ws, run: { ctx: runCtx, saeDir: join(run, "sae") } });
    noRun = await browser.serve(fx.ws);
    mkdirSync(outDir, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("draws the frontier and purity charts, legends inside the drawn charts", async () => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${withRun.url}/?view=eval`);
    expect(await page.getByRole("tab", { name: "Evaluation" }).getAttribute("aria-selected")).toBe("true");
    await page.locator("#eval-steer svg.chart").nth(1).waitFor();
    await page.locator("#eval-purity svg.chart").waitFor();
    const charts = page.locator("#eval-steer svg.chart");
    expect(await charts.count()).toBe(2);
    // .chart-row: the frontier and the strength curve side by side (same top, second to the right)
    const [b0, b1] = [await charts.nth(0).boundingBox(), await charts.nth(1).boundingBox()];
    expect(b0 && b1).toBeTruthy();
    if (b0 && b1) {
      expect(Math.abs(b1.y - b0.y)).toBeLessThan(2);
      expect(b1.x).toBeGreaterThanOrEqual(b0.x + b0.width);
    }
    for (let c = 0; c < 2; c++) {
      expect(await charts.nth(c).locator("path.series").count()).toBe(2);
      expect(await charts.nth(c).locator(".legend text").allTextContents()).toEqual(["k2k", "knob"]);
      // measured by the browser: every legend text lies inside its box, the box inside the chart
      const fits = await charts.nth(c).evaluate((svg) => {
        const box = (svg.querySelector(".legend-box") as SVGGraphicsElement).getBBox();
        const texts = Array.from(svg.querySelectorAll(".legend text")).map((t) =>
          (t as SVGGraphicsElement).getBBox(),
        );
        const vb = (svg as SVGSVGElement).viewBox.baseVal;
        return (
          box.x >= 0 &&
          box.y >= 0 &&
          box.x + box.width <= vb.width &&
          box.y + box.height <= vb.height &&
          texts.every((t) => t.x >= box.x && t.x + t.width <= box.x + box.width)
        );
      });
      expect(fits).toBe(true);
    }
    // 4 neurons with a concept, in purity bins 1, 12 (two) and 19
    const bars = page.locator("#eval-purity rect.bar");
    expect(await bars.count()).toBe(20);
    const titles = await bars.evaluateAll((els) =>
      els.map((e) => e.querySelector("title")?.textContent ?? ""),
    );
    expect(titles.filter((t) => !t.endsWith(": 0"))).toEqual([
      "[0.05, 0.1): 1",
      "[0.6, 0.65): 2",
      "[0.95, 1): 1",
    ]);
    expect(await page.locator("#eval-purity").textContent()).toContain("mean purity@10 0.565");
    await page.screenshot({ path: join(outDir, "panel-eval.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("says so when the server has no run to read", async () => {
    await page.goto(`${noRun.url}/?view=eval`);
    await expect
      .poll(() => page.locator("#eval-steer-missing").textContent())
      .toContain("not started from a run");
    expect(await page.locator("#eval-purity-missing").textContent()).toContain("not started from a run");
  });
});
