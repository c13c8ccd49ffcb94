import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PurityPlotData, SteerEvalPlotData } from "../pipeline/run-plots.js";
import type { ModelRunContext } from "../pipeline/run-context.js";
import { writeOperators, writePurity } from "../pipeline/test-utils/run-plot-files.js";
import { runLayout } from "../store/manifest.js";
import { createServer } from "./api.js";
import type { ErrorBody } from "./http-errors.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";

let fx: ServeFixture;
let run: string;
beforeAll(async () => {
  fx = await serveFixture();
  run = mkdtempSync(join(tmpdir(), "reclens-plots-api-"));
});
afterAll(() => rmSync(run, { recursive: true, force: true }));

async function get<T>(ws: ServeFixture["ws"], url: string): Promise<{ status: number; body: T }> {
  const app = createServer(ws, { webRoot: null });
  await app.ready();
  try {
    const r = await app.inject({ method: "GET", url });
    return { status: r.statusCode, body: r.json() as T };
  } finally {
    await app.close();
  }
}

describe("GET /api/plots/*", () => {
  it("says there is nothing to plot without a run directory", async () => {
    const s = await get<SteerEvalPlotData>(fx.ws, "/api/plots/steer-eval");
    expect(s.status).toBe(200);
    expect(s.body).toEqual({ available: false, reason: expect.stringContaining("not started from a run") });
    expect((await get<PurityPlotData>(fx.ws, "/api/plots/purity")).body.available).toBe(false);
  });

  it("serves the run's operator frontier and purity histogram; 400 for a K not stored", async () => {
    // only the run's directory layout is read by these routes
    const ctx = { dir: run, layout: runLayout(run) } as unknown as ModelRunContext;
    const ws = { ...fx.ws, run: { ctx, saeDir: join(run, "sae") } };
    expect((await get<SteerEvalPlotData>(ws, "/api/plots/steer-eval")).body.available).toBe(false);
    writeOperators(run);
    writePurity(join(run, "concepts"));
    const s = await get<SteerEvalPlotData>(ws, "/api/plots/steer-eval");
    if (!s.body.available) throw new Error(s.body.reason);
    expect(s.body.report.curves.map((c) => c.operator)).toEqual(["k2k", "knob"]);
    expect(s.body.report.curves[0].points[1].share.mean).toBe(0.4);
    expect(s.body.report.curves[1].points[2].recallKept).toBeNull();
    const p = await get<PurityPlotData>(ws, "/api/plots/purity?k=20");
    if (!p.body.available) throw new Error(p.body.reason);
    expect(p.body.k).toBe(20);
    expect(p.body.counts.reduce((a, b) => a + b, 0)).toBe(0); // the file stores purity@10 only
    const p10 = await get<PurityPlotData>(ws, "/api/plots/purity");
    if (!p10.body.available) throw new Error(p10.body.reason);
    expect(p10.body.counts.reduce((a, b) => a + b, 0)).toBe(4);
    const bad = await get<ErrorBody>(ws, "/api/plots/purity?k=50");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("purity@50 not stored");
    expect(bad.body.field).toBe("k");
    expect((await get<unknown>(ws, "/api/plots/purity?k=abc")).status).toBe(400);
  });
});
