import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coldStart } from "../pipeline/cold-start.js";
import { resolveKnob } from "../pipeline/knobs.js";
import { createServer } from "./api.js";
import { codeScale, typicalLevel, type ColdStartView } from "./cold-start.js";
import { promoteOverUsers } from "../pipeline/promotion.js";
import { neuronReach, promotionPreview, PROMOTE_SLICE_USERS, type ReachView } from "./editor.js";
import { userBatches } from "./user-batches.js";
import type { ErrorBody } from "./http-errors.js";
import type { KnobSearchView } from "./knob-search.js";
import { requestSteering, workspaceScales } from "./strength.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";

let fx: ServeFixture;
let app: ReturnType<typeof createServer>;

beforeAll(async () => {
  fx = await serveFixture();
  app = createServer(fx.ws, { webRoot: null });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const post = async <T>(url: string, payload: unknown): Promise<{ status: number; body: T }> => {
  const r = await app.inject({ method: "POST", url, payload: payload as object });
  return { status: r.statusCode, body: r.json() as T };
};
const get = async <T>(url: string): Promise<{ status: number; body: T }> => {
  const r = await app.inject({ method: "GET", url });
  return { status: r.statusCode, body: r.json() as T };
};

describe("reach off the event loop", () => {
  it("answers /api/health between slices of a running reach preview", async () => {
    const j = fx.world.conceptNeuron[1];
    let slices = 0;
    let total = 0;
    let started: () => void = () => undefined;
    const firstSlice = new Promise<void>((resolve) => (started = resolve));
    const reach = neuronReach(fx.ws, j, 0.4, 10, 5, {
      sliceUsers: 10,
      onSlice: (done, all) => {
        slices++;
        total = all;
        started();
      },
    });
    let reachDone = false;
    void reach.then(() => (reachDone = true));
    await firstSlice; // the preview is running now
    const health = await get<{ status: string }>("/api/health");
    expect(health.body.status).toBe("ok");
    // The health answer came back while the preview still had slices to go.
    expect(reachDone).toBe(false);
    const atHealth = slices;
    expect(atHealth).toBeLessThan(30);
    const r = await reach;
    expect(total).toBe(300);
    expect(slices).toBe(30); // 300 users in slices of 10: 30 turns of the event loop
    expect(slices).toBeGreaterThan(atHealth);
    expect(r.usersConsidered).toBe(300);
  });

  it("serves the preview over HTTP from the sliced computation", async () => {
    const j = fx.world.conceptNeuron[0];
    const [http, direct] = await Promise.all([
      get<ReachView>(`/api/neurons/${j}/reach?strength=0.4&n=10&limit=3`),
      neuronReach(fx.ws, j, 0.4, 10, 3, { sliceUsers: 300 }),
    ]);
    expect(http.status).toBe(200);
    expect(http.body.usersChanged).toBe(direct.usersChanged);
    expect(http.body.users.map((u) => u.id)).toEqual(direct.users.map((u) => u.id));
  });

  it("gives the same numbers sliced finely or coarsely, and queues concurrent previews", async () => {
    const j = fx.world.conceptNeuron[2];
    const [a, b] = await Promise.all([
      neuronReach(fx.ws, j, 0.3, 10, 10, { sliceUsers: 7 }),
      neuronReach(fx.ws, j, 0.3, 10, 10, { sliceUsers: 300 }),
    ]);
    expect(a.usersChanged).toBe(b.usersChanged);
    expect(a.meanEntered).toBeCloseTo(b.meanEntered, 12);
    expect(a.users.map((u) => u.id)).toEqual(b.users.map((u) => u.id));
  });

  it("cuts slices by time when no user count is given: a 0 ms budget yields after every user, a huge one once", async () => {
    const j = fx.world.conceptNeuron[1];
    const count = (sliceMs: number): { slices: number; run: Promise<ReachView> } => {
      const c = { slices: 0, run: undefined as unknown as Promise<ReachView> };
      c.run = neuronReach(fx.ws, j, 0.4, 10, 10, { sliceMs, onSlice: () => c.slices++ });
      return c;
    };
    const each = count(0);
    const once = count(1e9);
    const [a, b, c] = await Promise.all([
      each.run,
      once.run,
      neuronReach(fx.ws, j, 0.4, 10, 10, { sliceUsers: 1 }),
    ]);
    expect(each.slices).toBe(300);
    expect(once.slices).toBe(1);
    for (const r of [a, b]) {
      expect(r.usersChanged).toBe(c.usersChanged);
      expect(r.meanEntered).toBe(c.meanEntered);
      expect(r.users).toEqual(c.users);
    }
    // One user per batch is what the recommendation route does: the same activation and entries, bit for bit.
    const top = a.users[0];
    const route = await get<{ neurons: { neuron: number; activation: number }[]; entered: string[] }>(
      `/api/users/${top.id}/recommendations?n=10&boost=%23${j}:0.4`,
    );
    expect(route.body.neurons.find((x) => x.neuron === j)?.activation ?? 0).toBe(top.activation);
    expect(route.body.entered.slice(0, 5)).toEqual(top.entered.map((i) => i.id));
    expect(top.enteredCount).toBe(route.body.entered.length);
  });
});

describe("promotion preview off the event loop", () => {
  it("answers /api/health while it runs, with the totals of one pass over every user", async () => {
    const item = 17;
    const j = fx.world.conceptNeuron[fx.world.truth.itemConcept[item]];
    let done = false;
    const preview = promotionPreview(fx.ws, item, j, 0.3, 10, 300).then((v) => {
      done = true;
      return v;
    });
    const health = await get<{ status: string }>("/api/health");
    expect(health.body.status).toBe("ok");
    expect(done).toBe(false); // 300 users in slices of 16: the health answer came first
    const v = await preview;
    const all = Int32Array.from({ length: 300 }, (_, u) => u);
    const ref = promoteOverUsers(fx.ws.model, fx.ws.sae, userBatches(fx.ws.users, all, PROMOTE_SLICE_USERS), {
      item,
      neuron: j,
      strengths: [0.3],
      n: 10,
    });
    expect(v.usersConsidered).toBe(300);
    expect(v.eligibleUsers).toBe(ref.eligibleUsers);
    expect(v.baselineInTopN).toBe(ref.baselineInTopN);
    expect(v.usersInTopN).toBe(ref.points[0].usersInTopN);
    expect(v.meanRankGain).toBe(ref.points[0].meanRankGain);
    expect(v.entered.count).toBe(ref.points[0].entered.length);
    expect(v.entered.count).toBeGreaterThan(0);
    // Bad requests still throw at once (the route names them as body fields).
    expect(() => promotionPreview(fx.ws, item, 10_000, 0.3, 10, 5)).toThrow(/neuron 10000 out of range/);
  });
});

describe("POST /api/cold-start", () => {
  it("recommends concept c's items for a new user who turns c's neuron alone", async () => {
    for (let c = 0; c < fx.world.conceptNeuron.length; c++) {
      const j = fx.world.conceptNeuron[c];
      const r = await post<ColdStartView>("/api/cold-start", { knobs: [{ neuron: j, strength: 1 }], n: 10 });
      expect(r.status).toBe(200);
      const inConcept = r.body.items.filter((x) => fx.world.truth.itemConcept[x.item.index] === c).length;
      expect(inConcept).toBeGreaterThanOrEqual(9);
      // Same list and scores as the service with the workspace's typical level and scales.
      const direct = coldStart(
        fx.ws.model,
        fx.ws.sae,
        { knobs: [{ neuron: j, strength: 1 }], n: 10, scales: () => workspaceScales(fx.ws) },
        (n) => typicalLevel(fx.ws, n),
        codeScale(fx.ws).reference,
      );
      expect(r.body.items.map((x) => x.item.index)).toEqual(Array.from(direct.items));
      expect(r.body.items[0].score).toBeCloseTo(direct.scores[0], 5);
      // Strength 1 on the boost scale: the amount a boost "#j:1" gets in the recommendation route,
      // times the median total activation of the users' codes.
      const amount = requestSteering(fx.ws, { boost: [`#${j}:1`], suppress: [] }).steering.amount ?? NaN;
      expect(r.body.amount).toBeCloseTo(amount, 12);
      const codes = fx.ws.sae.encode(fx.ws.model.encodeUsers({ rows: fx.world.dataset.matrix }));
      const masses = Array.from({ length: codes.rows }, (_, u) =>
        codes.values.slice(codes.indptr[u], codes.indptr[u + 1]).reduce((a, b) => a + b, 0),
      ).sort((a, b) => a - b);
      expect(r.body.knobs[0].level).toBeCloseTo((masses[149] + masses[150]) / 2, 5);
      expect(r.body.knobs[0].activation).toBeCloseTo((amount * (masses[149] + masses[150])) / 2, 4);
      expect(r.body.knobs[0].label).toBe(fx.ws.labels.labels[String(j)].label);
    }
  });

  it("resolves a concept name as steering does; strength 0.5 gets a boost's calibrated amount", async () => {
    const name = fx.world.truth.conceptNames[3];
    const j = resolveKnob(fx.ws.labels, name).neurons[0].neuron;
    const r = await post<ColdStartView>("/api/cold-start", { knobs: [{ neuron: name, strength: 0.5 }] });
    expect(r.status).toBe(200);
    expect(r.body.resolved[0].by).toBe("concept");
    expect(r.body.knobs[0].neuron).toBe(j);
    const amount = requestSteering(fx.ws, { boost: [`#${j}:0.5`], suppress: [] }).steering.amount ?? NaN;
    expect(amount).toBeGreaterThan(0);
    expect(r.body.knobs[0].amount).toBeCloseTo(amount, 12);
    expect(r.body.knobs[0].activation).toBeCloseTo(amount * r.body.knobs[0].level, 4);
    expect(r.body.items).toHaveLength(20);
  });

  it("strength 0 is unchanged: the same (bias-only) list whichever knob, no activation", async () => {
    const [a, b] = await Promise.all(
      [fx.world.conceptNeuron[0], fx.world.conceptNeuron[1]].map((j) =>
        post<ColdStartView>("/api/cold-start", { knobs: [{ neuron: j, strength: 0 }], n: 10 }),
      ),
    );
    expect(a.status).toBe(200);
    expect(a.body.amount).toBe(0);
    expect(a.body.knobs[0].activation).toBe(0);
    expect(a.body.items.map((x) => x.item.index)).toEqual(b.body.items.map((x) => x.item.index));
    expect(a.body.items.map((x) => x.score)).toEqual(b.body.items.map((x) => x.score));
  });

  it("rejects no knobs, bad strengths and unknown names with 400 naming body.knobs", async () => {
    for (const knobs of [
      [],
      [{ neuron: 1, strength: 2 }],
      [
        { neuron: 1, strength: 0.6 },
        { neuron: 2, strength: 0.6 },
      ],
      [{ neuron: "no such concept zzz" }],
    ]) {
      const r = await post<ErrorBody>("/api/cold-start", { knobs });
      expect(r.status).toBe(400);
      expect(r.body.field).toBe("body.knobs");
    }
    const out = await post<ErrorBody>("/api/cold-start", { knobs: [{ neuron: 99, strength: 1 }] });
    expect(out.status).toBe(400);
    expect(out.body.message).toMatch(/neuron 99 out of range \[0, 16\)/);
  });
});

describe("GET /api/knobs/search", () => {
  it("finds a concept's knob, labels containing the text and ids, over all neurons", async () => {
    const name = fx.world.truth.conceptNames[1]; // "Space Opera"
    const r = await get<KnobSearchView>(`/api/knobs/search?q=${encodeURIComponent(name.toLowerCase())}`);
    expect(r.status).toBe(200);
    const j = resolveKnob(fx.ws.labels, name).neurons[0].neuron;
    expect(r.body.matches[0]).toMatchObject({ neuron: j, match: "concept", text: name });
    // Every neuron labelled "Space Opera · ..." is listed, once each.
    const labelled = Object.entries(fx.ws.labels.labels)
      .filter(([, e]) => e.label.toLowerCase().includes(name.toLowerCase()))
      .map(([id]) => Number(id));
    const found = r.body.matches.map((m) => m.neuron);
    expect(new Set(found).size).toBe(found.length);
    expect([...found].sort((a, b) => a - b)).toEqual(labelled.sort((a, b) => a - b));
    const byId = await get<KnobSearchView>("/api/knobs/search?q=%2313");
    expect(byId.body.matches[0]).toMatchObject({ neuron: 13, match: "id" });
    expect((await get<KnobSearchView>("/api/knobs/search?q=")).body.total).toBe(0);
    expect((await get<ErrorBody>("/api/knobs/search?limit=0")).status).toBe(400);
  });
});
