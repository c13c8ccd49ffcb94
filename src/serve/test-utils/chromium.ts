import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { startServer, type RunningServer } from "../api.js";
import type { ServedWorkspace } from "../workspace.js";

/**
 * Test harness for the panel's end-to-end tests (not library code): the web bundle built by vite,
 * served by the API, in Debian's headless Chromium (no browser download).
 */

/** Debian's `chromium` package binary; e2e tests skip when it is absent. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether {@link CHROMIUM} exists on this machine. */
export const hasChromium = existsSync(CHROMIUM);

/** The repository root (where test-output/ and src/serve/web/ are). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The built panel open in one Chromium page, and what to tear down after the tests. */
export interface PanelBrowser {
  /** The directory the web bundle was built into. */
  readonly webRoot: string;
  readonly ctx: BrowserContext;
  readonly page: Page;
  /** A fresh temporary directory, removed by `close`. */
  tempDir(prefix: string): string;
  /** Starts the API with the built panel on a free port for `ws`; stopped by `close`. */
  serve(ws: ServedWorkspace): Promise<RunningServer>;
  /** Closes the browser, then every server, then removes every temporary directory. */
  close(): Promise<void>;
}

/**
 * Builds the panel with vite into a temporary directory named `<prefix>...` and opens a persistent
 * headless Chromium context (1400 x 900 viewport, fresh profile, no network chatter) with one page.
 */
export async function openPanelBrowser(prefix: string): Promise<PanelBrowser> {
  const temps: string[] = [];
  const servers: RunningServer[] = [];
  let ctx: BrowserContext | undefined;
  const tempDir = (p: string): string => {
    const dir = mkdtempSync(join(tmpdir(), p));
    temps.push(dir);
    return dir;
  };
  const close = async (): Promise<void> => {
    await ctx?.close();
    for (const s of servers) await s.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  };
  try {
    const webRoot = tempDir(prefix);
    const { build } = await import("vite");
    await build({
      configFile: join(repoRoot, "src/serve/web/vite.config.ts"),
      logLevel: "silent",
      build: { outDir: webRoot, emptyOutDir: true },
    });
    const { chromium } = await import("playwright-core");
    ctx = await chromium.launchPersistentContext(tempDir("reclens-chromium-"), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: CHROMIUM_ARGS,
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const serve = async (ws: ServedWorkspace): Promise<RunningServer> => {
      const server = await startServer(ws, { port: 0, webRoot });
      servers.push(server);
      return server;
    };
    return { webRoot, ctx, page, tempDir, serve, close };
  } catch (e) {
    await close();
    throw e;
  }
}
