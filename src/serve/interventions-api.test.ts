import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reclensJson as cli } from "../cli/test-utils/reclens.js";
import { plantedRun, type PlantedRun } from "../pipeline/testing.js";
import { createServer } from "./api.js";
import type { ErrorBody } from "./http-errors.js";
import { loadWorkspace } from "./run-loader.js";
import { serveFixture } from "./test-utils/fixture.js";

/**
 * POST /api/items/:id/promote-audience, /api/suppress and /api/nudge on a planted MF run served with
 * `loadWorkspace`: the same JSON as `reclens promote --audience`, `suppress` and `nudge --json`.
 */
const root = mkdtempSync(join(tmpdir(), "reclens-interventions-api-"));
let planted: PlantedRun;
let run: string;
let app: ReturnType<typeof createServer>;

const post = async <T>(url: string, payload: unknown): Promise<{ status: number; body: T }> => {
  const r = await app.inject({ method: "POST", url, payload: payload as object });
  return { status: r.statusCode, body: r.json() as T };
};

beforeAll(async () => {
  planted = await plantedRun(root, "mf", 2);
  run = planted.ctx.dir;
  await cli(
    "sae",
    "train",
    "--run",
    run,
    "--k",
    "3",
    "--expansion",
    "2",
    "--epochs",
    "40",
    "--quiet",
    "--json",
  );
  app = createServer(await loadWorkspace(run), { webRoot: null });
  await app.ready();
}, 120_000);
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

interface PromoteJson {
  neuron: number;
  audienceUsers: number;
  points: {
    strength: number;
    meanRankBefore: number;
    meanRankAfter: number;
    shareInTopN: number;
    rboRest: number;
  }[];
}
interface SuppressJson {
  neurons: number[];
  points: { factor: number; shareBefore: number; shareAfter: number; rboRest: number }[];
}
interface NudgeJson {
  users: number;
  neurons: { neuron: number; purity: number[] }[];
  points: {
    strength: number;
    shareBefore: number;
    shareAfter: number;
    recallBefore: number;
    recallAfter: number;
  }[];
}

describe("intervention routes = CLI", () => {
  it("promote-audience: same neuron, ranks and shares as `reclens promote --audience`", async () => {
    const concept = `genre:${planted.truth.conceptNames[0]}`;
    const item = planted.ctx.dataset.items[planted.truth.itemConcept.findIndex((g) => g === 2)];
    const want = await cli<PromoteJson>(
      "promote",
      "--run",
      run,
      "--item",
      item,
      "--audience",
      concept,
      "--strength",
      "0,4,16",
      "--n",
      "30",
      "--json",
    );
    const got = await post<PromoteJson>(`/api/items/${item}/promote-audience`, {
      audience: concept,
      strengths: [0, 4, 16],
    });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(want);
    expect(got.body.points[2].meanRankAfter).toBeLessThan(got.body.points[0].meanRankBefore);
  });

  it("suppress: same latents and shares as `reclens suppress`", async () => {
    const concept = `genre:${planted.truth.conceptNames[1]}`;
    const want = await cli<SuppressJson>(
      "suppress",
      "--run",
      run,
      "--concept",
      concept,
      "--users",
      concept,
      "--factor",
      "0,0.5",
      "--json",
    );
    const got = await post<SuppressJson>("/api/suppress", { concept, users: concept, factors: [0, 0.5] });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(want);
    expect(got.body.points[0].shareAfter).toBeLessThan(got.body.points[0].shareBefore);
  });

  it("nudge: same shares and recalls as `reclens nudge`; strength 0 changes nothing", async () => {
    const segment = `genre:${planted.truth.conceptNames[1]}`;
    const concept = `genre:${planted.truth.conceptNames[0]}`;
    const want = await cli<NudgeJson>(
      "nudge",
      "--run",
      run,
      "--segment",
      segment,
      "--concept",
      concept,
      "--strength",
      "0,0.1,0.5",
      "--min-share",
      "0.3",
      "--users",
      "heldout",
      "--json",
    );
    const got = await post<NudgeJson>("/api/nudge", {
      segment,
      concept,
      strengths: [0, 0.1, 0.5],
      minShare: 0.3,
      users: "heldout",
    });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(want);
    const p = got.body.points;
    expect(got.body.users).toBeGreaterThan(0);
    expect(p[0].shareAfter).toBe(p[0].shareBefore);
    expect(p[0].recallAfter).toBe(p[0].recallBefore);
    expect(p[2].shareAfter).toBeGreaterThan(p[0].shareBefore);
  });

  it("bad input is a 400 naming the body field; an unknown item a 404", async () => {
    const bad = await post<ErrorBody>("/api/nudge", { segment: "x", concept: "y", strengths: [] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("body.strengths");
    const neg = await post<ErrorBody>("/api/nudge", {
      segment: `genre:${planted.truth.conceptNames[1]}`,
      concept: `genre:${planted.truth.conceptNames[0]}`,
      strengths: [-1],
      minShare: 0.3,
      users: "heldout",
    });
    expect(neg.status).toBe(400);
    expect(JSON.stringify(neg.body)).toContain("body.strength");
    const missing = await post<ErrorBody>("/api/items/no-such-item/promote-audience", {
      audience: `genre:${planted.truth.conceptNames[0]}`,
      strengths: [1],
    });
    expect(missing.status).toBe(404);
    const concept = await post<ErrorBody>("/api/suppress", { concept: "no-such-genre", users: "ids:0" });
    expect(concept.status).toBe(404);
  });

  it("nudge on a workspace without a run (no held-out users) is 503", async () => {
    const fx = await serveFixture();
    const mem = createServer(fx.ws, { webRoot: null });
    await mem.ready();
    try {
      const r = await mem.inject({
        method: "POST",
        url: "/api/nudge",
        payload: { segment: `genre:${fx.world.truth.conceptNames[0]}`, concept: "x", strengths: [1] },
      });
      expect(r.statusCode).toBe(503);
    } finally {
      await mem.close();
    }
  }, 60_000);
});
