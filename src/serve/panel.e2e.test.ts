import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "./api.js";
import { recommendForUser } from "./steering.js";
import { requestSteering } from "./strength.js";
import {
  CHROMIUM,
  hasChromium,
  openPanelBrowser,
  repoRoot,
  type PanelBrowser,
} from "./test-utils/chromium.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";

/**
 * End-to-end: the built panel in real headless Chromium (Debian's `chromium` package; no browser
 * download). Skipped when /usr/bin/chromium is absent: install it with `apt-get install -y chromium`.
 */
const outDir = join(repoRoot, "test-output");
if (!hasChromium) console.warn(`panel e2e skipped: ${CHROMIUM} not found (apt-get install -y chromium)`);

let fx: ServeFixture;
let server: RunningServer;
let browser: PanelBrowser;
let page: Page;

describe.skipIf(!hasChromium)("control panel in headless Chromium", () => {
  beforeAll(async () => {
    browser = await openPanelBrowser("reclens-panel-");
    page = browser.page;
    fx = await serveFixture();
    server = await browser.serve(fx.ws);
    mkdirSync(outDir, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const listed = (): Promise<string[]> =>
    page.locator("#rec-list li").evaluateAll((els) => els.map((e) => e.getAttribute("data-item") ?? ""));

  it("picks a user, moves a labelled knob and re-ranks the list as the API does", async () => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    const external: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) external.push(r.url());
    });
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.locator("#info").textContent()).toContain("synthetic: 300 users");
    await page.getByRole("button", { name: /^u0 · / }).click();
    await page.locator("#rec-list li").nth(19).waitFor();
    const before = await listed();
    const unsteered = recommendForUser(fx.ws, 0, 20, { boost: [], suppress: [] });
    expect(before).toEqual(unsteered.items.map((x) => x.item.id));
    expect(await page.locator("#rec-list").getAttribute("aria-live")).toBe("polite");

    // Move the first knob by keyboard: 8 steps of 0.05 to the right = boost alpha 0.4.
    const knob = page.locator(".knob").first();
    const j = Number(await knob.getAttribute("data-neuron"));
    const label = fx.ws.labels.labels[String(j)].label;
    const slider = knob.locator('input[type="range"]');
    await slider.focus();
    for (let s = 0; s < 8; s++) await slider.press("ArrowRight");
    await expect.poll(() => page.locator("#rec-status").textContent()).toMatch(/entered/);
    // the panel's boost goes through the API's serving operator (strength 0.4, calibrated shift)
    const { steering } = requestSteering(fx.ws, { boost: [`${j}:0.4`], suppress: [] });
    const expected = recommendForUser(fx.ws, 0, 20, steering);
    await expect.poll(listed).toEqual(expected.items.map((x) => x.item.id));
    expect(await listed()).not.toEqual(before);
    expect(await page.locator("#rec-list li.entered").count()).toBe(expected.entered.length);
    expect(await page.locator("#left-list li").count()).toBe(expected.left.length);
    expect(await page.locator(".knob.moved .knob-name").textContent()).toBe(label);
    expect(await slider.getAttribute("aria-valuetext")).toBe("strength 0.4");
    // The slider is labelled for screen readers by the neuron's label.
    expect(await page.getByLabel(new RegExp(`^${label} #${j}$`)).count()).toBe(1);
    await page.screenshot({ path: join(outDir, "panel.png"), fullPage: true });
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  });

  it("browses neurons with the keyboard and boosts one for the current user", async () => {
    await page.getByRole("tab", { name: "User" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "Neurons" }).getAttribute("aria-selected")).toBe("true");
    const j = fx.world.conceptNeuron[2];
    const label = fx.ws.labels.labels[String(j)].label;
    await page.locator(".neuron-row", { hasText: `#${j}` }).click();
    await expect.poll(() => page.locator("#neuron-card h2").textContent()).toBe(`#${j} ${label}`);
    expect(await page.locator("#neuron-card .numbered").first().locator("li").count()).toBe(20);
    expect(await page.locator("#neuron-card svg.chart").count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(outDir, "panel-neurons.png"), fullPage: true });
    await page.getByRole("button", { name: "Boost for u0" }).click();
    expect(await page.getByRole("tab", { name: "User" }).getAttribute("aria-selected")).toBe("true");
    await expect
      .poll(() => page.locator(`.knob[data-neuron="${j}"]`).getAttribute("class"))
      .toContain("moved");
    expect(await page.locator(`.knob[data-neuron="${j}"] .knob-name`).textContent()).toBe(label);
  });
});
