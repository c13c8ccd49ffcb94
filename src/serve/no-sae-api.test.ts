import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFound } from "../errors.js";
import { explainIntentsForUser, type IntentExplainResult } from "../pipeline/intent-explain.js";
import { plantedSaerecRun } from "../pipeline/intent-explain-testing.js";
import { modelListForUser } from "../pipeline/recommend-run.js";
import type { ModelRunContext } from "../pipeline/run-context.js";
import { createServer, SAE_ROUTE_GROUPS } from "./api.js";
import { SAE_ONLY_ROUTES } from "./routes/no-sae.js";
import { loadServedWorkspace, loadWorkspace } from "./run-loader.js";
import type { RecommendationView } from "./steering.js";
import { serveFixture } from "./test-utils/fixture.js";
import { hasSae, type ModelWorkspace } from "./workspace.js";

/**
 * `reclens serve` on a run without an SAE (a planted SAERec run): recommendations, histories and the
 * intents routes work; every SAE route answers 409 naming `reclens sae train --run <run>`.
 */
const root = mkdtempSync(join(tmpdir(), "reclens-no-sae-api-"));
let ctx: ModelRunContext;
let ws: ModelWorkspace;
let app: FastifyInstance;
const message = (): string => `this run has no SAE; train one with \`reclens sae train --run ${ctx.dir}\``;

beforeAll(async () => {
  ctx = await plantedSaerecRun(root, join(root, "lib"));
  ws = await loadServedWorkspace(ctx.dir);
  app = createServer(ws, { webRoot: null });
}, 120_000);
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

const get = async <T>(url: string): Promise<{ status: number; body: T }> => {
  const r = await app.inject({ method: "GET", url });
  return { status: r.statusCode, body: r.json<T>() };
};

describe("serving a SAERec run without an SAE", () => {
  it("loads as a model workspace; loadWorkspace (SAE required) still names the training command", async () => {
    expect(hasSae(ws)).toBe(false);
    expect(ws.model.name).toBe("saerec");
    await expect(loadWorkspace(ctx.dir)).rejects.toBeInstanceOf(NotFound);
    await expect(loadWorkspace(ctx.dir)).rejects.toThrow(`reclens sae train --run ${ctx.dir}`);
  });

  it("GET /api/info: the model and data, sae and labels null, and how to train an SAE", async () => {
    const r = await get<Record<string, unknown>>("/api/info");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      model: { name: "saerec", dim: 8 },
      dataset: { users: 60, items: 18 },
      sae: null,
      labels: null,
      noSae: message(),
      users: { count: 60, statsSample: 0 },
    });
  });

  it("recommendations are the model's own list, as `reclens recommend` prints it without an SAE", async () => {
    const r = await get<RecommendationView & { resolved: unknown[] }>("/api/users/2/recommendations?n=6");
    expect(r.status).toBe(200);
    const cli = modelListForUser(ctx, "2", 6);
    expect(r.body.items.map((x) => x.item.id)).toEqual(cli.items.map((x) => x.id));
    r.body.items.forEach((x, p) => expect(x.score).toBeCloseTo(cli.items[p].score, 5));
    expect(r.body.items.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.body.unsteered).toEqual(r.body.items);
    expect([r.body.entered, r.body.left, r.body.neurons, r.body.resolved]).toEqual([[], [], [], []]);
    // history excluded: none of user 2's items is listed
    const history = await get<{ history: { item: { id: string } }[] }>("/api/users/2");
    expect(history.status).toBe(200);
    const seen = new Set(history.body.history.map((h) => h.item.id));
    expect(seen.size).toBeGreaterThan(0);
    for (const x of r.body.items) expect(seen.has(x.item.id)).toBe(false);
  });

  it("steering a run without an SAE is a 409 naming the knob field", async () => {
    const r = await get<{ message: string; field: string }>("/api/users/2/recommendations?boost=0:0.5");
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ field: "boost", message: `boost: ${message()}` });
  });

  it("the intents routes answer as the intents service does", async () => {
    const lib = await get<{ total: number }>("/api/intents");
    expect(lib.status).toBe(200);
    expect(lib.body.total).toBe(3);
    const r = await get<IntentExplainResult>("/api/users/2/intents-explain?n=5&off=1");
    expect(r.status).toBe(200);
    const want = explainIntentsForUser(ctx, "2", { n: 5, off: ["1"] });
    expect(r.body.items.map((x) => x.id)).toEqual(want.items.map((x) => x.id));
    expect(r.body.off.map((o) => o.intent)).toEqual([1]);
  });

  it("every SAE route answers 409 with the training command; item search and exports without an SAE work", async () => {
    const bodies: Record<string, unknown> = {
      "/api/neurons/:j/label": { label: "x" },
      "/api/cold-start": { knobs: [] },
      "/api/items/:id/promote-audience": { audience: "a", strengths: [0.5] },
      "/api/suppress": { concept: "a", users: "b" },
      "/api/nudge": { segment: "a", concept: "b", strengths: [0.5] },
    };
    const routes = [
      ...SAE_ONLY_ROUTES,
      { method: "GET", url: "/api/users/:id/explain" },
      { method: "POST", url: "/api/items/:id/promote" },
    ];
    for (const r of routes) {
      const url = r.url.replace(":j", "0").replace(":id", "2");
      const res = await app.inject({
        method: r.method as "GET",
        url,
        ...(r.method === "GET" ? {} : { payload: bodies[r.url] ?? { neuron: 0, strength: 0.5 } }),
      });
      expect([r.method, url, res.statusCode]).toEqual([r.method, url, 409]);
      expect(res.json<{ message: string }>().message).toBe(message());
    }
    expect((await get<{ total: number }>("/api/items?query=1")).body.total).toBeGreaterThan(0);
    expect((await get<{ available: boolean; reason: string }>("/api/plots/purity")).body).toEqual({
      available: false,
      reason: message(),
    });
    const split = await app.inject({ method: "GET", url: "/api/export/split?format=csv" });
    expect(split.statusCode).toBe(200);
    const codes = await app.inject({ method: "GET", url: "/api/export/codes?format=csv" });
    expect(codes.statusCode).toBe(404);
    expect(codes.json<{ message: string }>().message).toContain("reclens sae train --run");
  });

  it("SAE_ONLY_ROUTES are exactly the routes of the SAE route groups", async () => {
    const probe = Fastify();
    const seen: string[] = [];
    probe.addHook("onRoute", (r) => {
      for (const m of [r.method].flat()) if (m !== "HEAD") seen.push(`${m} ${r.url}`);
    });
    const full = (await serveFixture()).ws;
    for (const register of SAE_ROUTE_GROUPS) register(probe, full);
    await probe.ready();
    expect(seen.sort()).toEqual(SAE_ONLY_ROUTES.map((r) => `${r.method} ${r.url}`).sort());
    await probe.close();
  }, 60_000);
});
