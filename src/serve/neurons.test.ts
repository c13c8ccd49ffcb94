import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLabels } from "../concepts/labels.js";
import type { Recommender } from "../models/types.js";
import { promoteItem } from "../steer/index.js";
import { createServer, startServer, type RunningServer } from "./api.js";
import type { PromotionView, ReachView } from "./editor.js";
import type { ErrorBody } from "./http-errors.js";
import type { NeuronDetail, NeuronSummary } from "./neuron-views.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { request, sendJson } from "./test-utils/http.js";
import { fixtureDir } from "../data/test-utils/fixtures.js";

let fx: ServeFixture;
let server: RunningServer;
let labelsFile: string;

beforeAll(async () => {
  labelsFile = join(fixtureDir({}, "reclens-serve-"), "concepts", "labels.json");
  fx = await serveFixture(labelsFile);
  server = await startServer(fx.ws, { port: 0, webRoot: null });
});
afterAll(async () => {
  await server?.close();
});

const get = <T>(path: string) => request<T>(server.url + path);

/** Each neuron's firing rate over all users, straight from the model and SAE. */
function firingRates(): Float64Array {
  const code = fx.ws.sae.encode(fx.ws.model.encodeUsers({ rows: fx.world.dataset.matrix }));
  const rate = new Float64Array(code.dSae);
  for (const j of code.indices) rate[j] += 1 / code.rows;
  return rate;
}

describe("serve API: neurons", () => {
  it("lists neurons with firing rates equal to a direct count, sorted as asked", async () => {
    const rate = firingRates();
    const r = await get<{ total: number; neurons: NeuronSummary[] }>("/api/neurons?sort=firing&limit=500");
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(16);
    for (const n of r.body.neurons) expect(n.firingRate).toBeCloseTo(rate[n.neuron], 12);
    const rates = r.body.neurons.map((n) => n.firingRate);
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    const asc = await get<{ neurons: NeuronSummary[] }>("/api/neurons?sort=firing&order=asc&limit=3");
    expect(asc.body.neurons.map((n) => n.firingRate)).toEqual([...rates].reverse().slice(0, 3));
    const byPurity = await get<{ neurons: NeuronSummary[] }>("/api/neurons?sort=purity");
    const p = byPurity.body.neurons.map((n) => n.scores["purity@10"]);
    expect(p).toEqual([...p].sort((a, b) => b - a));
  });

  it("filters by label substring or id", async () => {
    const label = fx.ws.labels.labels[String(fx.world.conceptNeuron[1])].label;
    const want = Object.entries(fx.ws.labels.labels)
      .filter(([, e]) => e.label.toLowerCase().includes(label.slice(0, 4).toLowerCase()))
      .map(([k]) => Number(k));
    const r = await get<{ total: number; neurons: NeuronSummary[] }>(
      `/api/neurons?q=${encodeURIComponent(label.slice(0, 4).toUpperCase())}`,
    );
    expect(r.body.neurons.map((n) => n.neuron)).toEqual(want.sort((a, b) => a - b));
    const one = await get<{ neurons: NeuronSummary[] }>("/api/neurons?q=7");
    expect(one.body.neurons.map((n) => n.neuron)).toContain(7);
  });

  it("shows a neuron card: top items from Z, tag counts, histogram over users, promoted items", async () => {
    const j = fx.world.conceptNeuron[2];
    const r = await get<NeuronDetail>(`/api/neurons/${j}?k=10`);
    expect(r.status).toBe(200);
    const z = fx.ws.neurons.itemActivations;
    const column = Array.from({ length: z.rows }, (_, i) => ({ i, v: z.get(i, j) }))
      .filter((x) => x.v > 0)
      .sort((a, b) => b.v - a.v || a.i - b.i)
      .slice(0, 10);
    expect(r.body.topItems.map((t) => t.item.index)).toEqual(column.map((x) => x.i));
    expect(r.body.topItems.map((t) => t.activation)).toEqual(column.map((x) => x.v));
    const genre = r.body.tagDistribution.find((t) => t.kind === "genre");
    const c = fx.world.truth.conceptNames.indexOf(genre?.tags[0].name ?? "");
    const carrying = column.filter(
      (x) => fx.world.truth.itemConcept[x.i] === c || fx.world.truth.itemSecondary[x.i] === c,
    ).length;
    expect(genre?.tags[0].count).toBe(carrying);
    expect(genre?.items).toBe(10);
    expect(r.body.histogram.counts.reduce((a, b) => a + b, 0)).toBe(r.body.firingUsers);
    expect(r.body.firingUsers).toBe(Math.round(firingRates()[j] * 300));
    expect(r.body.histogram.edges[0]).toBe(0);
    // The planted concept of the neuron dominates the items it promotes.
    const planted = r.body.promotes.filter((p) => fx.world.truth.itemConcept[p.item.index] === 2).length;
    expect(planted).toBeGreaterThanOrEqual(8);
    const deltas = r.body.promotes.map((p) => p.delta);
    expect(deltas).toEqual([...deltas].sort((a, b) => b - a));
  });

  it("previews a concept's reach on the boost's strength scale: each user as the recommendation route", async () => {
    const j = fx.world.conceptNeuron[0];
    const r = await get<ReachView>(`/api/neurons/${j}/reach?strength=0.4&n=10&limit=200`);
    expect(r.status).toBe(200);
    expect(r.body.strength).toBe(0.4);
    expect(r.body.amount).toBeGreaterThan(0);
    // every user's entered items = those of GET /api/users/:id/recommendations?boost=#j:0.4
    const boost = encodeURIComponent(`#${j}:0.4`);
    const byUser = new Map<string, string[]>();
    for (const id of fx.ws.users.ids) {
      const rec = await get<{ entered: string[] }>(
        `/api/users/${encodeURIComponent(id)}/recommendations?n=10&boost=${boost}`,
      );
      byUser.set(id, rec.body.entered);
    }
    for (const u of r.body.users) {
      const entered = byUser.get(u.id) ?? [];
      expect(u.enteredCount).toBe(entered.length);
      expect(u.entered.map((i) => i.id)).toEqual(entered.slice(0, 5));
    }
    const lists = [...byUser.values()];
    const changed = lists.filter((e) => e.length > 0).length;
    const entered = lists.reduce((a, e) => a + e.length, 0);
    expect(r.body.usersConsidered).toBe(300);
    expect(r.body.users.length).toBe(200);
    expect(r.body.usersChanged).toBe(changed);
    expect(changed).toBeGreaterThan(0);
    expect(r.body.meanEntered).toBeCloseTo(entered / 300, 12);
  });

  it("strength 0 reaches nobody (every list unchanged)", async () => {
    const j = fx.world.conceptNeuron[0];
    const r = await get<ReachView>(`/api/neurons/${j}/reach?strength=0&n=10&limit=5`);
    expect(r.status).toBe(200);
    expect(r.body.amount).toBe(0);
    expect(r.body.usersChanged).toBe(0);
    expect(r.body.meanEntered).toBe(0);
    expect(r.body.topEntered).toEqual([]);
  });
});

describe("serve API: item promotion", () => {
  it("reports the users who would newly receive the item, as steer.promoteItem does", async () => {
    const item = 17;
    const j = fx.world.conceptNeuron[fx.world.truth.itemConcept[item]];
    const r = await sendJson<PromotionView>(
      `${server.url}/api/items/${fx.world.dataset.items[item]}/promote`,
      "POST",
      { neuron: j, strength: 0.3, n: 10, limit: 5 },
    );
    expect(r.status).toBe(200);
    const ref = promoteItem(
      fx.ws.model,
      fx.ws.sae,
      { rows: fx.world.dataset.matrix },
      { item, neuron: j, strengths: [0.3], n: 10 },
    );
    expect(r.body.entered.count).toBe(ref.points[0].entered.length);
    expect(r.body.usersInTopN).toBe(ref.points[0].usersInTopN);
    expect(r.body.baselineInTopN).toBe(ref.baselineInTopN);
    expect(r.body.eligibleUsers).toBe(ref.eligibleUsers);
    expect(r.body.meanRankGain).toBeCloseTo(ref.points[0].meanRankGain, 9);
    expect(r.body.entered.users.length).toBe(Math.min(5, ref.points[0].entered.length));
    for (const u of r.body.entered.users) {
      expect(u.rankAfter).toBeLessThanOrEqual(10);
      expect(u.rankBefore).toBeGreaterThan(10);
    }
  });

  const body = { neuron: 1, strength: 0.5, n: 10 };
  const cases: [string, unknown, number, string][] = [
    ["missing neuron", { strength: 1 }, 400, "body.neuron"],
    ["fractional neuron", { ...body, neuron: 1.5 }, 400, "body.neuron"],
    ["neuron out of range", { ...body, neuron: 16 }, 400, "body.neuron"],
    ["unknown neuron label", { ...body, neuron: "no such label" }, 400, "body.neuron"],
    ["negative strength", { ...body, strength: -1 }, 400, "body.strength"],
    ["string strength", { ...body, strength: "1" }, 400, "body.strength"],
    ["n too large", { ...body, n: 1000 }, 400, "body.n"],
    ["unknown field", { ...body, path: "/etc/passwd" }, 400, "body.path"],
    ["not an object", [1, 2], 400, "body"],
  ];
  it.each(cases)("rejects %s", async (_name, b, status, field) => {
    const r = await sendJson<ErrorBody>(`${server.url}/api/items/i3/promote`, "POST", b);
    expect(r.status).toBe(status);
    expect(r.body.field).toBe(field);
  });

  it("rejects unknown items, bad JSON, other content types and oversized bodies", async () => {
    const url = `${server.url}/api/items/i3/promote`;
    expect((await sendJson<ErrorBody>(`${server.url}/api/items/nope/promote`, "POST", body)).status).toBe(
      404,
    );
    const bad = await request<ErrorBody>(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{neuron:",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("body");
    const text = await request<ErrorBody>(url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    expect(text.status).toBe(415);
    const big = await sendJson<ErrorBody>(url, "POST", { ...body, pad: "x".repeat(20_000) });
    expect(big.status).toBe(413);
    expect(big.body.field).toBe("body");
  });

  it("answers 503 (Unavailable) when the model has no item vectors", async () => {
    const m = fx.ws.model;
    const noItems: Recommender = {
      name: m.name,
      config: m.config,
      nItems: m.nItems,
      dim: m.dim,
      fit: (t, c) => m.fit(t, c),
      encodeUsers: (b) => m.encodeUsers(b),
      decode: (z, b) => m.decode(z, b),
      scoreUsers: (b) => m.scoreUsers(b),
      save: (d) => m.save(d),
    };
    const app = createServer({ ...fx.ws, model: noItems }, { webRoot: null });
    const r = await app.inject({ method: "POST", url: "/api/items/i3/promote", payload: body });
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(r.body).message).toContain("no item vectors");
    await app.close();
  });
});

describe("serve API: label edits", () => {
  it("persists a manual label atomically and serves it back", async () => {
    const j = 5;
    const r = await sendJson<{
      neuron: number;
      persisted: boolean;
      entry: { label: string; source: string };
    }>(`${server.url}/api/neurons/${j}/label`, "PUT", {
      label: "  dark thrillers ",
      description: "hand-checked",
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      neuron: j,
      persisted: true,
      entry: { label: "dark thrillers", source: "manual" },
    });
    const onDisk = readLabels(labelsFile);
    expect(onDisk.labels[String(j)]).toMatchObject({
      label: "dark thrillers",
      source: "manual",
      description: "hand-checked",
    });
    // Untouched neurons keep their generated labels.
    expect(onDisk.labels["6"]).toEqual(fx.ws.labels.labels["6"]);
    const card = await get<NeuronDetail>(`/api/neurons/${j}`);
    expect(card.body.label).toBe("dark thrillers");
    expect(card.body.source).toBe("manual");
  });

  const cases: [string, string, unknown, number, string][] = [
    ["empty label", "/api/neurons/2/label", { label: "   " }, 400, "body.label"],
    ["long label", "/api/neurons/2/label", { label: "x".repeat(201) }, 400, "body.label"],
    ["missing label", "/api/neurons/2/label", {}, 400, "body.label"],
    ["extra field", "/api/neurons/2/label", { label: "a", source: "llm" }, 400, "body.source"],
    ["unknown neuron", "/api/neurons/16/label", { label: "a" }, 404, "j"],
  ];
  it.each(cases)("rejects %s", async (_name, path, b, status, field) => {
    const before = readLabels(labelsFile);
    const r = await sendJson<ErrorBody>(server.url + path, "PUT", b);
    expect(r.status).toBe(status);
    expect(r.body.field).toBe(field);
    expect(readLabels(labelsFile)).toEqual(before);
  });
});
