import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveKnob, type KnobResolution } from "../pipeline/knobs.js";
import type { ResolvedSpec } from "../pipeline/steering.js";
import type { RunningServer } from "./api.js";
import { startServer } from "./api.js";
import type { ErrorBody } from "./http-errors.js";
import type { RecommendationView } from "./steering.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { request } from "./test-utils/http.js";

let fx: ServeFixture;
let server: RunningServer;

beforeAll(async () => {
  fx = await serveFixture();
  server = await startServer(fx.ws, { port: 0, webRoot: null });
});
afterAll(async () => {
  await server?.close();
});

const get = <T>(path: string) => request<T>(server.url + path);

describe("concept knobs over HTTP", () => {
  it("labels are distinct and the concept index resolves every planted concept", () => {
    const texts = Object.values(fx.ws.labels.labels).map((e) => e.label.toLowerCase());
    expect(new Set(texts).size).toBe(texts.length);
    for (const name of fx.world.truth.conceptNames) {
      const c = fx.ws.labels.concepts?.find((k) => k.kind === "genre" && k.name === name);
      expect(c, name).toBeDefined();
      expect(c?.representative).toBeGreaterThanOrEqual(0);
    }
  });

  it("GET /api/knobs/resolve answers as the library does, for each mapping", async () => {
    const name = fx.world.truth.conceptNames[1];
    for (const mapping of ["representative", "unique", "direction"] as const) {
      const r = await get<KnobResolution>(
        `/api/knobs/resolve?ref=${encodeURIComponent(name)}&mapping=${mapping}`,
      );
      expect(r.status).toBe(200);
      expect(r.body).toEqual(resolveKnob(fx.ws.labels, name, { mapping }, "ref"));
      expect(r.body.by).toBe("concept");
      const total = r.body.neurons.reduce((s, n) => s + n.weight, 0);
      expect(total).toBeCloseTo(1, 9);
    }
    const bad = await get<ErrorBody>("/api/knobs/resolve?ref=nothing%20like%20it");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/close matches/);
  });

  it("a concept boost resolves, reports the neurons used, and equals boosting them by id", async () => {
    const name = fx.world.truth.conceptNames[2];
    const byName = await get<RecommendationView & { resolved: ResolvedSpec[] }>(
      `/api/users/u3/recommendations?n=10&mapping=direction&boost=${encodeURIComponent(`${name}:0.4`)}`,
    );
    expect(byName.status).toBe(200);
    const [res] = byName.body.resolved;
    expect(res).toMatchObject({ field: "boost", spec: `${name}:0.4`, by: "concept", mapping: "direction" });
    const ids = res.neurons.map((n) => `${n.neuron}:${0.4 * n.weight}`).join(",");
    const byId = await get<RecommendationView>(`/api/users/u3/recommendations?n=10&boost=${ids}`);
    expect(byName.body.items.map((i) => i.item.id)).toEqual(byId.body.items.map((i) => i.item.id));
    expect(byName.body.steering.boost.map((k) => k.neuron)).toEqual(res.neurons.map((n) => n.neuron));
  });
});
