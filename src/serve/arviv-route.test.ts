import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  arvivConceptsOf,
  MIN_RBO,
  trainJointSaeOnRun,
  type ArvivReport,
} from "../pipeline/arviv-protocol.js";
import { jointFidelity, jointSaeData } from "../pipeline/joint-sae.js";
import { openModelRun } from "../pipeline/run-context.js";
import { trainRun } from "../pipeline/train-run.js";
import { loadSae } from "../sae/io.js";
import type { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { startServer, type RunningServer } from "./api.js";
import type { ErrorBody } from "./http-errors.js";
import { loadWorkspace } from "./run-loader.js";
import { serveFixture } from "./test-utils/fixture.js";
import { request } from "./test-utils/http.js";

/**
 * GET /api/purity/arviv on a tiny ML-1M-format run: 3 genres x 60 movies (Comedy 1995, Drama 1965,
 * Horror 1985), 240 users who each rate 14 movies of one genre and 2 of another. An MF run (d 8) and
 * a joint SAE (12 latents) over its users and items; the route's numbers are checked against a
 * brute-force recomputation from the SAE's item activations and the run's training counts.
 */
const GENRES = ["Comedy", "Drama", "Horror"] as const;
const YEARS = [1995, 1965, 1985];
const PER = 60;
const USERS = 240;

let dir: string;
let runDir: string;
let saeDir: string;
let server: RunningServer;

function writeMl1m(root: string): void {
  const movies: string[] = [];
  for (let i = 0; i < 3 * PER; i++) {
    const g = Math.floor(i / PER);
    movies.push(`${i + 1}::Movie ${i + 1} (${YEARS[g]})::${GENRES[g]}`);
  }
  const rng = new Rng(11);
  const ratings: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const g = u % 3;
    const own = rng.permutation(PER).subarray(0, 14);
    const other = rng.permutation(PER).subarray(0, 2);
    for (const i of own) ratings.push(`${u + 1}::${g * PER + i + 1}::5::${1000 + u}`);
    for (const i of other) ratings.push(`${u + 1}::${((g + 1) % 3) * PER + i + 1}::5::${1000 + u}`);
  }
  writeFileSync(join(root, "movies.dat"), `${movies.join("\n")}\n`);
  writeFileSync(join(root, "ratings.dat"), `${ratings.join("\n")}\n`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reclens-arviv-route-"));
  const data = join(dir, "ml");
  runDir = join(dir, "run");
  saeDir = join(dir, "sae");
  mkdirSync(data);
  writeMl1m(data);
  await trainRun({
    data,
    load: { cache: false },
    model: "mf",
    modelConfig: { dim: 8, loss: "bce", epochs: 15, batchSize: 128, lr: 0.02, bias: true },
    seed: 5,
    split: { kind: "leaveKOut", k: 2, valK: 0 },
    patience: 0,
    out: runDir,
  });
  const ctx = await openModelRun(runDir, { load: { cache: false } });
  await trainJointSaeOnRun(
    ctx,
    {
      latents: 12,
      beta: 1,
      kl: 0.01,
      l1: 0,
      epochs: 30,
      usersPerBatch: 32,
      topItems: 10,
      lr: 1e-2,
      normalisation: "none",
    },
    saeDir,
  );
  const ws = await loadWorkspace(runDir, { saeDir, load: { cache: false } });
  server = await startServer(ws, { port: 0, webRoot: null });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Items sorted by activation of neuron n (descending, ties to the lower index), positives only. */
function ranked(z: Matrix, n: number): number[] {
  const items: number[] = [];
  for (let i = 0; i < z.rows; i++) if (z.get(i, n) > 0) items.push(i);
  return items.sort((a, b) => z.get(b, n) - z.get(a, n) || a - b);
}

describe("GET /api/purity/arviv", () => {
  it("returns Table 1 whose rows match a brute-force recomputation from the SAE's item activations", async () => {
    const r = await request<ArvivReport>(`${server.url}/api/purity/arviv`);
    expect(r.status).toBe(200);
    const ctx = await openModelRun(runDir, { load: { cache: false } });
    const sae = loadSae(saeDir);
    const z = sae.encodeDense(ctx.model.encodeItems?.() as Matrix);
    const concepts = arvivConceptsOf(ctx);
    // The 3 genres plus the 5 compound era concepts (Golden-Age, 90's Drama/Comedy/Action, 80's Comedy).
    expect(r.body.table.rows.map((x) => x.concept)).toEqual(concepts.names);
    const has = (i: number, c: number): boolean => {
      const m = concepts.matrix;
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) if (m.indices[p] === c) return true;
      return false;
    };
    const live = Array.from({ length: z.cols }, (_, n) => n).filter((n) => ranked(z, n).length >= 50);
    expect(r.body.table.candidates).toBe(live.length);
    expect(live.length).toBeGreaterThan(0);
    concepts.names.forEach((name, c) => {
      const row = r.body.table.rows[c];
      let best = -1;
      let bestP: number[] = [];
      for (const n of live) {
        const items = ranked(z, n);
        const p = [10, 20, 50].map(
          (k) => items.slice(0, k).filter((i) => has(i, c)).length / Math.min(k, items.length),
        );
        const mean = (p[0] + p[1] + p[2]) / 3;
        const bestMean = best < 0 ? -1 : (bestP[0] + bestP[1] + bestP[2]) / 3;
        if (mean > bestMean + 1e-12 || (Math.abs(mean - bestMean) <= 1e-12 && p[2] > bestP[2])) {
          best = n;
          bestP = p;
        }
      }
      expect(row.neuron, name).toBe(best);
      row.purity?.forEach((v, k) => expect(v, `${name} K=${[10, 20, 50][k]}`).toBeCloseTo(bestP[k], 12));
    });
    // Items per concept: 60 per genre; Golden-Age = the 60 Drama films of 1965, 90's Comedy = 60.
    const items = Object.fromEntries(r.body.table.rows.map((x) => [x.concept, x.items]));
    expect(items).toMatchObject({ Comedy: 60, Drama: 60, Horror: 60, "Golden-Age": 60, "90's Comedy": 60 });
    expect(items["90's Drama"]).toBe(0);
    // Planted genres: each has a neuron whose top 10 items are all of that genre.
    for (const g of GENRES) expect(r.body.table.rows.find((x) => x.concept === g)?.purity?.[0], g).toBe(1);
  });

  it("states the SAE's top-30 fidelity (both towers reconstructed) and whether the table counts", async () => {
    const r = await request<ArvivReport>(`${server.url}/api/purity/arviv`);
    const ctx = await openModelRun(runDir, { load: { cache: false } });
    const f = jointFidelity(loadSae(saeDir), jointSaeData(ctx.model, ctx.split.train));
    expect(r.body.fidelity.rbo).toBeCloseTo(f.rbo, 12);
    expect(r.body.fidelity.kendall).toBeCloseTo(f.kendall, 12);
    expect(r.body.fidelity.users).toBe(USERS);
    expect(r.body.fidelity.rbo).toBeGreaterThan(0);
    expect(r.body.fidelity.rbo).toBeLessThanOrEqual(1);
    expect(r.body.counts).toBe(f.rbo >= MIN_RBO);
    expect(r.body.model).toBe("mf");
  });

  it("the popularity row is the neuron whose top items are the most popular (hand-computed percentiles)", async () => {
    const r = await request<ArvivReport>(`${server.url}/api/purity/arviv`);
    const ctx = await openModelRun(runDir, { load: { cache: false } });
    const z = loadSae(saeDir).encodeDense(ctx.model.encodeItems?.() as Matrix);
    const t = ctx.split.train;
    const counts = new Float64Array(t.cols);
    for (let p = 0; p < t.indptr[t.rows]; p++) counts[t.indices[p]]++;
    // Mid-rank percentile, 0 = most popular: 1 - ((s + e) / 2) / (items - 1), with s..e the 0-based
    // ascending ranks an item shares with the items of equal count.
    const top = (i: number): number => {
      let less = 0;
      let eq = 0;
      for (let j = 0; j < counts.length; j++) {
        if (counts[j] < counts[i]) less++;
        else if (counts[j] === counts[i]) eq++;
      }
      return 1 - (less + (less + eq - 1)) / 2 / (counts.length - 1);
    };
    const meanPct = (n: number, k: number): number => {
      const items = ranked(z, n).slice(0, k);
      return items.reduce((s, i) => s + top(i), 0) / items.length;
    };
    const live = Array.from({ length: z.cols }, (_, n) => n).filter((n) => ranked(z, n).length >= 50);
    const score = (n: number): number => (meanPct(n, 10) + meanPct(n, 20) + meanPct(n, 50)) / 3;
    const want = live.reduce((b, n) => (score(n) < score(b) - 1e-12 ? n : b), live[0]);
    const row = r.body.table.popularity;
    expect(row.neuron).toBe(want);
    [10, 20, 50].forEach((k, q) => expect(row.percentile?.[q], `K=${k}`).toBeCloseTo(meanPct(want, k), 12));
    expect(row.percentile?.[0]).toBeLessThan(0.5); // its top 10 are more popular than the median
  });

  it("answers 503 with a clear message when the server was not started on a run directory", async () => {
    const fx = await serveFixture(join(dir, "labels-2.json"));
    const bare = await startServer(fx.ws, { port: 0, webRoot: null });
    try {
      const r = await request<ErrorBody>(`${bare.url}/api/purity/arviv`);
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).toMatch(/reclens serve --run <dir>/);
    } finally {
      await bare.close();
    }
  });
});
