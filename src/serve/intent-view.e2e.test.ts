import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reclens } from "../cli/test-utils/reclens.js";
import { explainIntentsForUser } from "../pipeline/intent-explain.js";
import { plantedSaerecRun } from "../pipeline/intent-explain-testing.js";
import type { ModelRunContext } from "../pipeline/run-context.js";
import type { RunningServer } from "./api.js";
import { loadWorkspace } from "./run-loader.js";
import { hasChromium, openPanelBrowser, type PanelBrowser } from "./test-utils/chromium.js";

/**
 * The panel's SAERec intents box in headless Chromium (skipped without /usr/bin/chromium): for a
 * planted SAERec run, the selected user's list with the intents beside each item is the intents
 * service's, and unticking an intent re-ranks exactly as the service does with that intent off.
 */
let ctx: ModelRunContext;
let server: RunningServer;
let browser: PanelBrowser;
let page: Page;
const errors: string[] = [];

describe.skipIf(!hasChromium)("panel intents box (SAERec run) in headless Chromium", () => {
  beforeAll(async () => {
    browser = await openPanelBrowser("reclens-intent-view-web-");
    page = browser.page;
    const root = browser.tempDir("reclens-intent-view-");
    ctx = await plantedSaerecRun(root, join(root, "lib"));
    await reclens(
      ...["sae", "train", "--run", ctx.dir, "--k", "2", "--expansion", "2", "--epochs", "2"],
      "--quiet",
    );
    server = await browser.serve(await loadWorkspace(ctx.dir, { maxStatUsers: 20 }));
    page.on("pageerror", (e) => errors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  const listed = (): Promise<string[]> =>
    page
      .locator("#intents-table tbody tr")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-item") ?? ""));

  it("shows the service's list with intents beside each item; unticking an intent re-ranks as the service", async () => {
    await page.goto(`${server.url}/?user=2`);
    const plain = explainIntentsForUser(ctx, "2", { n: 10 });
    await expect.poll(listed, { timeout: 15_000 }).toEqual(plain.items.map((it) => it.id));
    // Beside the first item: its strongest intent with its part of the score.
    const first = plain.items[0].intents[0];
    expect(
      await page.locator("#intents-table tbody tr").first().locator(".chip").first().textContent(),
    ).toContain(first.label);
    const off = explainIntentsForUser(ctx, "2", { n: 10, off: ["2"] });
    expect(off.items.map((it) => it.id)).not.toEqual(plain.items.map((it) => it.id));
    await page.locator('#intents input[type="checkbox"][data-intent="2"]').uncheck();
    await expect.poll(listed, { timeout: 15_000 }).toEqual(off.items.map((it) => it.id));
    const entered = await page
      .locator("#intents-table tbody tr")
      .evaluateAll((els) =>
        els.filter((e) => e.querySelector(".entered")).map((e) => e.getAttribute("data-item")),
      );
    expect(entered).toEqual(off.items.filter((it) => it.entered).map((it) => it.id));
    if (off.left.length > 0)
      expect(await page.locator("#intents-left").textContent()).toContain("Left the list");
    // The switched-off intent stays listed (unticked) so it can be turned back on.
    expect(await page.locator('#intents input[data-intent="2"]').isChecked()).toBe(false);
    await page.locator('#intents input[data-intent="2"]').check();
    await expect.poll(listed, { timeout: 15_000 }).toEqual(plain.items.map((it) => it.id));
    expect(errors).toEqual([]);
  }, 60_000);
});
