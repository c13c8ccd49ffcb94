import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recommend } from "../steer/index.js";
import { createServer } from "./api.js";
import type { ErrorBody } from "./http-errors.js";
import type { RecommendationView } from "./steering.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { singleUserBatch } from "./user-batches.js";

let fx: ServeFixture;
let app: ReturnType<typeof createServer>;

beforeAll(async () => {
  fx = await serveFixture();
  app = createServer(fx.ws, { webRoot: null });
});
afterAll(async () => {
  await app?.close();
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const r = await app.inject({ method: "GET", url });
  return { status: r.statusCode, body: r.json() };
}

describe("serve API: clamp in the steering request", () => {
  it("sets the latent to exactly the value and ranks as the library's clamp op does", async () => {
    const u = 5;
    const j = fx.world.conceptNeuron[2];
    const base = (await get(`/api/users/u${u}/recommendations?n=10`)).body as RecommendationView;
    const before = base.neurons.find((a) => a.neuron === j)?.activation ?? 0;
    const value = before + 3.25;
    const r = await get(`/api/users/u${u}/recommendations?n=10&clamp=${j}:${value}`);
    expect(r.status).toBe(200);
    const view = r.body as RecommendationView;
    expect(view.steering.clamp).toEqual([{ neuron: j, value, ...labelView(j) }]);
    const n = view.neurons.find((a) => a.neuron === j);
    expect(n?.activation).toBeCloseTo(before, 6);
    expect(n?.steeredActivation).toBeCloseTo(value, 6);
    const ref = recommend(fx.ws.model, fx.ws.sae, singleUserBatch(fx.ws.users, u), {
      n: 10,
      steer: [{ kind: "clamp", neuron: j, value }],
    }).users[0];
    expect(view.items.map((x) => x.item.index)).toEqual(Array.from(ref.items));
    expect(view.items.map((x) => x.score)).toEqual(Array.from(ref.scores));
    // Clamping the latent to its own activation changes nothing.
    const same = (await get(`/api/users/u${u}/recommendations?n=10&clamp=${j}:${before}`))
      .body as RecommendationView;
    expect(same.items.map((x) => x.item.id)).toEqual(base.items.map((x) => x.item.id));
  });

  it("a large clamp on a planted concept's latent fills the list with that concept", async () => {
    const c = 1;
    const j = fx.world.conceptNeuron[c];
    const share = (v: RecommendationView): number =>
      v.items.filter((x) => fx.world.truth.itemConcept[x.item.index] === c).length / v.items.length;
    let baseShare = 0;
    let clampShare = 0;
    for (const u of [0, 4, 8, 12, 16]) {
      baseShare += share((await get(`/api/users/u${u}/recommendations?n=10`)).body as RecommendationView);
      clampShare += share(
        (await get(`/api/users/u${u}/recommendations?n=10&clamp=${j}:50`)).body as RecommendationView,
      );
    }
    expect(clampShare / 5).toBeGreaterThan(baseShare / 5);
    expect(clampShare / 5).toBeGreaterThanOrEqual(0.8);
  });

  it("rejects bad clamps with 400 naming the clamp field", async () => {
    for (const q of ["clamp=3", "clamp=3:-1", "clamp=9999:1", "clamp=1:1,1:2", "boost=1:0.2&clamp=1:1"]) {
      const r = await get(`/api/users/u0/recommendations?${q}`);
      expect(r.status).toBe(400);
      expect((r.body as ErrorBody).field).toBe("clamp");
    }
  });
});

function labelView(j: number): { label: string | null; source: string | null } {
  const e = fx.ws.labels.labels[String(j)];
  return { label: e?.label ?? null, source: e?.source ?? null };
}
