import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainIntentsForUser } from "../pipeline/intent-explain.js";
import { plantedSaerecRun } from "../pipeline/intent-explain-testing.js";
import { modelListForUser } from "../pipeline/recommend-run.js";
import type { ModelRunContext } from "../pipeline/run-context.js";
import type { RunningServer } from "./api.js";
import { loadServedWorkspace } from "./run-loader.js";
import { hasChromium, openPanelBrowser, type PanelBrowser } from "./test-utils/chromium.js";

/**
 * The panel over a SAERec run without an SAE, in headless Chromium (skipped without
 * /usr/bin/chromium): only the User view, no knobs but the note naming `reclens sae train`, the
 * model's own list (as `reclens recommend` prints it), the history, and the intents box.
 */
let ctx: ModelRunContext;
let server: RunningServer;
let browser: PanelBrowser;
let page: Page;
const errors: string[] = [];

describe.skipIf(!hasChromium)("panel over a run without an SAE (SAERec) in headless Chromium", () => {
  beforeAll(async () => {
    browser = await openPanelBrowser("reclens-no-sae-web-");
    page = browser.page;
    const root = browser.tempDir("reclens-no-sae-panel-");
    ctx = await plantedSaerecRun(root, join(root, "lib"));
    server = await browser.serve(await loadServedWorkspace(ctx.dir));
    page.on("pageerror", (e) => errors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("hides the SAE views and knobs, lists the model's items and their intents", async () => {
    await page.goto(`${server.url}/?user=2&view=neurons`);
    await expect.poll(() => page.locator("#info").textContent(), { timeout: 15_000 }).toContain("no SAE");
    for (const tab of ["neurons", "editor", "eval"])
      expect(await page.locator(`#tab-${tab}`).isHidden()).toBe(true);
    expect(await page.locator("#view-user").isVisible()).toBe(true);
    expect(await page.locator("#no-sae").textContent()).toContain(`reclens sae train --run ${ctx.dir}`);
    for (const sel of ["#knobs", "#new-user", "#knob-search"])
      expect(await page.locator(sel).isHidden()).toBe(true);
    const want = modelListForUser(ctx, "2", 20).items.map((it) => it.id);
    const listed = (): Promise<string[]> =>
      page.locator("#rec-list li").evaluateAll((els) => els.map((e) => e.getAttribute("data-item") ?? ""));
    await expect.poll(listed, { timeout: 15_000 }).toEqual(want);
    await expect.poll(() => page.locator("#rec-list .why-btn").count(), { timeout: 15_000 }).toBe(0);
    expect(await page.locator("#knobs-title").textContent()).toBe("History of 2");
    const intents = explainIntentsForUser(ctx, "2", { n: 10 }).items.map((it) => it.id);
    await expect
      .poll(
        () =>
          page
            .locator("#intents-table tbody tr")
            .evaluateAll((els) => els.map((e) => e.getAttribute("data-item") ?? "")),
        { timeout: 15_000 },
      )
      .toEqual(intents);
    expect(errors).toEqual([]);
  }, 60_000);
});
