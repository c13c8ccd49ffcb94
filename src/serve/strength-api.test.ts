import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strengthToAmount } from "../steer/calibration.js";
import { recommend } from "../steer/index.js";
import { createServer } from "./api.js";
import type { ExplainView } from "./explain.js";
import type { RecommendationView } from "./steering.js";
import { workspaceScales } from "./strength.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { singleUserBatch } from "./user-batches.js";

/** GET /api/users/:id/recommendations with one 0..1 strength: the calibrated shift by default. */
let fx: ServeFixture;
let app: ReturnType<typeof createServer>;
beforeAll(async () => {
  fx = await serveFixture();
  app = createServer(fx.ws, { webRoot: null });
});
afterAll(async () => {
  await app.close();
});

async function view(query: string, u = 0): Promise<RecommendationView> {
  const r = await app.inject({ method: "GET", url: `/api/users/u${u}/recommendations?n=20&${query}` });
  expect(r.statusCode, r.body).toBe(200);
  return r.json<RecommendationView>();
}

describe("serving strength scale", () => {
  it("strength 0 is the model's own list; a strength is the calibrated shift the library computes", async () => {
    const j = fx.world.conceptNeuron[2];
    const base = await view("");
    const zero = await view(`boost=${j}:0`);
    expect(zero.items).toEqual(base.items);
    expect(zero.steering).toMatchObject({ operator: "shift", amount: 0 });
    const r = await view(`boost=${j}:0.4`);
    const scales = workspaceScales(fx.ws);
    // the in-memory workspace's calibration is measured once and kept
    expect(workspaceScales(fx.ws)).toBe(scales);
    const amount = strengthToAmount(scales.neuron, 0.4);
    expect(amount).toBeGreaterThan(0);
    expect(r.steering.operator).toBe("shift");
    expect(r.steering.amount).toBeCloseTo(amount, 12);
    const ref = recommend(fx.ws.model, fx.ws.sae, singleUserBatch(fx.ws.users, 0), {
      n: 20,
      steer: [{ kind: "shift", knobs: [{ neuron: j, amount }] }],
    }).users[0];
    expect(r.items.map((x) => x.item.index)).toEqual(Array.from(ref.items));
    // the published blend stays selectable, and differs
    const blend = await view(`boost=${j}:0.4&operator=blend`);
    expect(blend.steering.operator).toBe("blend");
    expect(blend.steering.amount).toBeUndefined();
    const refBlend = recommend(fx.ws.model, fx.ws.sae, singleUserBatch(fx.ws.users, 0), {
      n: 20,
      steer: [{ kind: "boost", knobs: [{ neuron: j, alpha: 0.4 }] }],
    }).users[0];
    expect(blend.items.map((x) => x.item.index)).toEqual(Array.from(refBlend.items));
  });

  it("the concept's share of the list rises with the strength, and the change is gradual", async () => {
    const c = 1;
    const j = fx.world.conceptNeuron[c];
    const strengths = [0, 0.2, 0.4, 0.6, 0.8, 1];
    const share = strengths.map(() => 0);
    const users = [0, 3, 7, 11, 19, 23, 29, 31];
    for (const u of users)
      for (const [q, s] of strengths.entries()) {
        const r = await view(`boost=${j}:${s}`, u);
        share[q] +=
          r.items.filter((x) => fx.world.truth.itemConcept[x.item.index] === c).length / 20 / users.length;
      }
    for (let q = 1; q < share.length; q++) expect(share[q]).toBeGreaterThanOrEqual(share[q - 1]);
    expect(share[share.length - 1]).toBeGreaterThan(share[0] + 0.3);
  });

  it("explains the list it serves (same operator and amount); bad operators are named", async () => {
    const j = fx.world.conceptNeuron[0];
    const r = await view(`boost=${j}:0.5`);
    const e = await app.inject({ method: "GET", url: `/api/users/u0/explain?n=20&boost=${j}:0.5` });
    expect(e.statusCode).toBe(200);
    const ex = e.json<ExplainView>();
    expect(ex.items.map((i) => i.id)).toEqual(r.items.map((x) => x.item.id));
    ex.items.forEach((it, p) => expect(it.explanation.score).toBe(r.items[p].score));
    const bad = await app.inject({
      method: "GET",
      url: `/api/users/u0/recommendations?boost=${j}:0.5&operator=mix`,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/operator/);
  });
});
