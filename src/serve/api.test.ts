import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLabel } from "../concepts/labels.js";
import { recommend, type SteerOp } from "../steer/index.js";
import type { RunningServer } from "./api.js";
import { createServer, startServer } from "./api.js";
import type { ErrorBody } from "./http-errors.js";
import type { RecommendationView } from "./steering.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { request } from "./test-utils/http.js";
import { singleUserBatch } from "./user-batches.js";

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

/** steer.recommend on one user, straight from the library (the reference for the API). */
function direct(u: number, n: number, ops: SteerOp[]) {
  return recommend(fx.ws.model, fx.ws.sae, singleUserBatch(fx.ws.users, u), {
    n,
    ...(ops.length ? { steer: ops } : {}),
  }).users[0];
}

/** The share of a list's items whose planted concept is c. */
function conceptShare(items: readonly { item: { index: number } }[], c: number): number {
  return items.filter((x) => fx.world.truth.itemConcept[x.item.index] === c).length / items.length;
}

describe("serve API: info and users", () => {
  it("binds to loopback and answers /api/health", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const r = await get("/api/health");
    expect(r).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("describes dataset, model, SAE, labels and metrics in /api/info", async () => {
    const r = await get<Record<string, Record<string, unknown>>>("/api/info");
    expect(r.status).toBe(200);
    expect(r.body.dataset).toMatchObject({
      name: "synthetic",
      users: 300,
      items: 120,
      interactions: fx.world.dataset.matrix.nnz,
    });
    expect(r.body.model).toMatchObject({ name: "elsa", dim: 16, items: 120, itemVectors: true });
    expect(r.body.sae).toMatchObject({ architecture: "topk", dIn: 16, dSae: 16 });
    expect(r.body.labels).toMatchObject({
      labelled: Object.keys(fx.ws.labels.labels).length,
      persisted: false,
    });
    expect(r.body.metrics).toEqual({ "test/ndcg@20": 0.5 });
  });

  it("searches users by id prefix, exact match first, paged", async () => {
    const all = fx.ws.users.ids.filter((id) => id.startsWith("u1"));
    expect(all.length).toBe(111); // u1, u10..u19, u100..u199
    const first = await get<{ total: number; users: { id: string; interactions: number }[] }>(
      "/api/users?query=u1&limit=5",
    );
    expect(first.body.total).toBe(111);
    expect(first.body.users.map((u) => u.id)).toEqual(["u1", "u10", "u11", "u12", "u13"]);
    expect(first.body.users[0].interactions).toBe(fx.world.dataset.matrix.rowNnz(1));
    const last = await get<{ users: { id: string }[] }>("/api/users?query=U1&offset=100&limit=20");
    expect(last.body.users.map((u) => u.id)).toEqual(all.slice(100, 120));
    expect(last.body.users.map((u) => u.id)).toEqual([
      "u189",
      "u190",
      "u191",
      "u192",
      "u193",
      "u194",
      "u195",
      "u196",
      "u197",
      "u198",
      "u199",
    ]);
    const none = await get<{ total: number }>("/api/users?query=zz");
    expect(none.body.total).toBe(0);
  });

  it("returns a user's history, most recent first, with titles and concepts", async () => {
    const m = fx.world.dataset.matrix;
    const ts = fx.world.dataset.timestamps as Float64Array;
    const u = 7;
    const entries = Array.from(m.rowIndices(u), (i, p) => ({ i, t: ts[m.indptr[u] + p] })).sort(
      (a, b) => b.t - a.t || a.i - b.i,
    );
    const r = await get<{
      interactions: number;
      truncated: boolean;
      history: {
        item: { index: number; title: string; concepts: Record<string, string[]> };
        timestamp: number;
      }[];
    }>(`/api/users/u${u}?limit=3`);
    expect(r.status).toBe(200);
    expect(r.body.interactions).toBe(entries.length);
    expect(r.body.truncated).toBe(true);
    expect(r.body.history.map((h) => h.item.index)).toEqual(entries.slice(0, 3).map((e) => e.i));
    const first = r.body.history[0].item;
    expect(first.title).toBe(fx.world.dataset.itemTitles?.[first.index]);
    expect(first.concepts.genre).toContain(
      fx.world.truth.conceptNames[fx.world.truth.itemConcept[first.index]],
    );
  });
});

describe("serve API: steered recommendations", () => {
  it("unsteered lists equal steer.recommend and exclude the history", async () => {
    const u = 3;
    const r = await get<RecommendationView>(`/api/users/u${u}/recommendations?n=10`);
    expect(r.status).toBe(200);
    const ref = direct(u, 10, []);
    expect(r.body.items.map((x) => x.item.index)).toEqual(Array.from(ref.items));
    expect(r.body.items.map((x) => x.score)).toEqual(Array.from(ref.scores));
    expect(r.body.entered).toEqual([]);
    expect(r.body.left).toEqual([]);
    const seen = new Set(fx.world.dataset.matrix.rowIndices(u));
    expect(r.body.items.some((x) => seen.has(x.item.index))).toBe(false);
    // Active neurons: exactly the user's code (TopK k=3), labelled from the labels document.
    expect(r.body.neurons.map((a) => [a.neuron, a.activation])).toEqual(
      ref.neurons.map((a) => [a.neuron, a.activation]),
    );
    for (const a of r.body.neurons)
      expect(a.label).toBe(fx.ws.labels.labels[String(a.neuron)]?.label ?? null);
  });

  it("boosting a planted concept's neuron pulls that concept into the list (same as the library)", async () => {
    const u = 0;
    const base = await get<RecommendationView>(`/api/users/u${u}/recommendations?n=20`);
    // A concept the user's list under-represents.
    const c = [0, 1, 2, 3].sort(
      (a, b) => conceptShare(base.body.items, a) - conceptShare(base.body.items, b),
    )[0];
    const j = fx.world.conceptNeuron[c];
    // the published blend on request (the calibrated shift default: strength-api.test.ts)
    const r = await get<RecommendationView>(
      `/api/users/u${u}/recommendations?n=20&boost=${j}:0.6&operator=blend`,
    );
    expect(r.status).toBe(200);
    const ref = direct(u, 20, [{ kind: "boost", knobs: [{ neuron: j, alpha: 0.6 }] }]);
    expect(r.body.items.map((x) => x.item.index)).toEqual(Array.from(ref.items));
    expect(r.body.entered).toEqual(Array.from(ref.entered, (i) => fx.world.dataset.items[i]));
    expect(r.body.left).toEqual(Array.from(ref.left, (i) => fx.world.dataset.items[i]));
    expect(r.body.entered.length).toBe(r.body.left.length);
    expect(r.body.entered.length).toBeGreaterThan(0);
    expect(conceptShare(r.body.items, c)).toBeGreaterThan(conceptShare(base.body.items, c) + 0.2);
    // entered flags and ranks are consistent between the two lists
    expect(r.body.items.filter((x) => x.changed).map((x) => x.item.id)).toEqual(r.body.entered);
    expect(r.body.unsteered.filter((x) => x.changed).map((x) => x.item.id)).toEqual(r.body.left);
    const boosted = r.body.neurons.find((a) => a.neuron === j);
    expect(boosted?.steeredActivation).toBeGreaterThan(boosted?.activation ?? Infinity);
    expect(boosted?.label).toBe(fx.ws.labels.labels[String(j)].label);
    expect(r.body.steering.boost).toEqual([
      { neuron: j, alpha: 0.6, label: fx.ws.labels.labels[String(j)].label, source: "tfidf" },
    ]);
  });

  it("knobs name neurons by label or by id, as on the command line (same steering service)", async () => {
    const j = fx.world.conceptNeuron[1];
    const app = createServer({ ...fx.ws, labels: setLabel(fx.ws.labels, j, "Dark Knob") }, { webRoot: null });
    try {
      const view = async (query: string): Promise<RecommendationView> => {
        const r = await app.inject({ method: "GET", url: `/api/users/u3/recommendations?n=15&${query}` });
        expect(r.statusCode).toBe(200);
        return r.json<RecommendationView>();
      };
      const byId = await view(`boost=${j}:0.5`);
      const byLabel = await view(`boost=${encodeURIComponent("dark knob:0.5")}`);
      expect(byLabel.items).toEqual(byId.items);
      expect(byLabel.steering).toEqual(byId.steering);
      expect(byLabel.steering.boost).toEqual([
        { neuron: j, alpha: 0.5, label: "Dark Knob", source: "manual" },
      ]);
      const off = await view(`suppress=${encodeURIComponent("DARK KNOB")}`);
      expect(off.steering.suppress).toEqual([{ neuron: j, factor: 0, label: "Dark Knob", source: "manual" }]);
      expect(off.items).toEqual((await view(`suppress=${j}`)).items);
    } finally {
      await app.close();
    }
  });

  it("suppression switches the neuron off (factor 0) or scales it", async () => {
    const u = 11;
    const base = await get<RecommendationView>(`/api/users/u${u}/recommendations?n=15`);
    const top = base.body.neurons[0];
    const off = await get<RecommendationView>(`/api/users/u${u}/recommendations?n=15&suppress=${top.neuron}`);
    const ref = direct(u, 15, [{ kind: "suppress", neurons: [top.neuron], factor: 0 }]);
    expect(off.body.items.map((x) => x.item.index)).toEqual(Array.from(ref.items));
    expect(off.body.neurons.find((a) => a.neuron === top.neuron)?.steeredActivation).toBe(0);
    const half = await get<RecommendationView>(
      `/api/users/u${u}/recommendations?n=15&suppress=${top.neuron}:0.5`,
    );
    expect(half.body.neurons.find((a) => a.neuron === top.neuron)?.steeredActivation).toBeCloseTo(
      top.activation * 0.5,
      6,
    );
  });

  it("answers concurrent steered requests exactly as sequential ones", async () => {
    const paths = Array.from(
      { length: 24 },
      (_, t) =>
        `/api/users/u${t * 7}/recommendations?n=10&boost=${fx.world.conceptNeuron[t % 4]}:${(0.1 * (1 + (t % 5))).toFixed(1)}`,
    );
    const sequential: RecommendationView[] = [];
    for (const p of paths) sequential.push((await get<RecommendationView>(p)).body);
    const concurrent = await Promise.all(paths.map((p) => get<RecommendationView>(p)));
    concurrent.forEach((r, t) => {
      expect(r.status).toBe(200);
      expect(r.body.items.map((x) => x.item.id)).toEqual(sequential[t].items.map((x) => x.item.id));
      expect(r.body.user.id).toBe(`u${t * 7}`);
    });
  });
});

describe("serve API: client errors", () => {
  const cases: [string, number, string][] = [
    ["/api/users/u0/recommendations?n=0", 400, "n"],
    ["/api/users/u0/recommendations?n=101", 400, "n"],
    ["/api/users/u0/recommendations?n=abc", 400, "n"],
    ["/api/users/u0/recommendations?n=1&n=2", 400, "n"],
    ["/api/users/u0/recommendations?boost=3", 400, "boost"],
    ["/api/users/u0/recommendations?boost=3:1.5", 400, "boost"],
    ["/api/users/u0/recommendations?boost=16:0.5", 400, "boost"],
    ["/api/users/u0/recommendations?boost=1:0.6,2:0.5", 400, "boost"],
    ["/api/users/u0/recommendations?boost=1:0.2,1:0.2", 400, "boost"],
    ["/api/users/u0/recommendations?boost=1:0.2&suppress=1", 400, "suppress"],
    ["/api/users/u0/recommendations?suppress=2:1.5", 400, "suppress"],
    ["/api/users/u0/recommendations?suppress=x", 400, "suppress"],
    ["/api/users/u0/recommendations?boost=" + "1:0.01,".repeat(200), 400, "boost"],
    ["/api/users/u0/recommendations?verbose=1", 400, "verbose"],
    ["/api/users/nobody/recommendations", 404, "id"],
    ["/api/users/nobody", 404, "id"],
    ["/api/users/u0?limit=0", 400, "limit"],
    ["/api/users?limit=501", 400, "limit"],
    ["/api/users?offset=-1", 400, "offset"],
    ["/api/users?query=" + "x".repeat(101), 400, "query"],
    ["/api/neurons/abc", 400, "j"],
    ["/api/neurons/-1", 400, "j"],
    ["/api/neurons/16", 404, "j"],
    ["/api/neurons/3?k=51", 400, "k"],
    ["/api/neurons?sort=random", 400, "sort"],
    ["/api/neurons?includeDead=yes", 400, "includeDead"],
    ["/api/neurons/3/reach?strength=2", 400, "strength"],
    ["/api/neurons/99/reach", 404, "j"],
  ];
  it.each(cases)("GET %s -> %i naming %s", async (path, status, field) => {
    const r = await get<ErrorBody>(path);
    expect(r.status).toBe(status);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.body.statusCode).toBe(status);
    expect(r.body.field).toBe(field);
    expect(r.body.message).toContain(status === 404 ? "not found" : field);
  });

  it("unknown routes and methods are JSON 404s", async () => {
    const r = await get<ErrorBody>("/api/nothing");
    expect(r.status).toBe(404);
    expect(r.body.message).toBe("no route GET /api/nothing");
    const del = await request<ErrorBody>(`${server.url}/api/users/u0`, { method: "DELETE" });
    expect(del.status).toBe(404);
  });
});
