import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { emptyLabels, labelsPath, writeLabels } from "../concepts/labels.js";
import { writeDatasetCache } from "../data/cache.js";
import { saveSae } from "../sae/io.js";
import { createManifest, dataFingerprint, runLayout, writeManifest } from "../store/manifest.js";
import { ITEM_ACTIVATIONS_FILE, saveItemActivations } from "../pipeline/item-activations.js";
import { RUN_DATASET_FILE } from "../pipeline/run-context.js";
import { saeFingerprint } from "../pipeline/sae-ref.js";
import { exportRun } from "../pipeline/export.js";
import { startServer } from "./api.js";
import { loadWorkspace } from "./run-loader.js";
import { recommendForUser } from "./steering.js";
import { serveFixture, type ServeFixture } from "./test-utils/fixture.js";
import { fixtureDir } from "../data/test-utils/fixtures.js";

let fx: ServeFixture;

/** Writes the fixture as a run directory in the documented layout; returns its path. */
async function writeRun(): Promise<string> {
  const root = fixtureDir({}, "reclens-run-");
  const layout = runLayout(root);
  const d = fx.world.dataset;
  writeManifest(
    root,
    createManifest({
      kind: "demo",
      seed: 1,
      config: {
        model: "elsa",
        split: { kind: "heldOutUsers", seed: 1, valFraction: 0, testFraction: 0.2, foldInFraction: 0.8 },
      },
      data: {
        name: d.name,
        source: d.source,
        hash: dataFingerprint(d.matrix),
        users: d.users.length,
        items: d.items.length,
        interactions: d.matrix.nnz,
      },
      metrics: { "test/ndcg@20": 0.25 },
    }),
  );
  fx.ws.model.save(layout.model);
  saveSae(fx.ws.sae, layout.sae);
  writeLabels(labelsPath(layout.concepts), fx.ws.labels);
  saveItemActivations(join(layout.concepts, ITEM_ACTIVATIONS_FILE), fx.ws.neurons.itemActivations, {
    source: "onehot",
    sae: saeFingerprint(layout.sae),
  });
  const stage = { users: d.users.length, items: d.items.length, interactions: d.matrix.nnz };
  const report = {
    valueKind: "implicit" as const,
    raw: stage,
    duplicatesMerged: 0,
    binarised: stage,
    final: stage,
    filterRounds: 1,
    format: "synthetic",
    notes: [],
  };
  await writeDatasetCache(join(root, RUN_DATASET_FILE), { dataset: d, report }, "test");
  return root;
}

beforeAll(async () => {
  fx = await serveFixture();
});

describe("loadWorkspace", () => {
  it("rebuilds the workspace from a run directory: same lists, labels, Z and model user ids", async () => {
    const root = await writeRun();
    const ws = await loadWorkspace(root);
    expect(ws.labelsPath).toBe(join(root, "concepts", "labels.json"));
    expect(ws.labels).toEqual(fx.ws.labels);
    expect(ws.metrics).toEqual({ "test/ndcg@20": 0.25 });
    expect(ws.source).toMatchObject({ runDir: root, seed: 1 });
    expect(Array.from(ws.neurons.itemActivations.data)).toEqual(
      Array.from(fx.ws.neurons.itemActivations.data),
    );
    expect(Array.from(ws.neurons.firingCount)).toEqual(Array.from(fx.ws.neurons.firingCount));
    const ids = ws.users.modelUserIds as Int32Array;
    fx.world.split.trainUsers.forEach((u, r) => expect(ids[u]).toBe(r));
    expect(ids.filter((v) => v < 0).length).toBe(300 - fx.world.split.trainUsers.length);
    for (const u of [0, 42, 299]) {
      const req = { boost: [{ neuron: fx.world.conceptNeuron[1], alpha: 0.5 }], suppress: [] };
      const a = recommendForUser(ws, u, 10, req);
      const b = recommendForUser(fx.ws, u, 10, req);
      // The fixture's SAE uses dataset normalisation, folded into the saved weights: equal to float32 rounding.
      expect(a.items.map((x) => x.item.id)).toEqual(b.items.map((x) => x.item.id));
      a.items.forEach((x, p) => expect(x.score).toBeCloseTo(b.items[p].score, 4));
    }
  });

  it("starts with no labels when concepts/labels.json is absent", async () => {
    const root = await writeRun();
    rmSync(labelsPath(runLayout(root).concepts));
    const ws = await loadWorkspace(root);
    expect(ws.labels).toEqual(emptyLabels(16));
  });

  it("serves another SAE of the run with the labels in its own concepts directory", async () => {
    const root = await writeRun();
    const other = join(root, "sweep", "k8");
    saveSae(fx.ws.sae, other);
    const ws = await loadWorkspace(root, { saeDir: other });
    expect(ws.labelsPath).toBe(join(other, "concepts", "labels.json"));
    expect(ws.labels).toEqual(emptyLabels(16)); // the run's own labels belong to <run>/sae
    writeLabels(labelsPath(join(other, "concepts")), fx.ws.labels);
    expect((await loadWorkspace(root, { saeDir: other })).labels).toEqual(fx.ws.labels);
  });

  it("rejects data that does not match the manifest, labels for another SAE, and a run without data", async () => {
    const root = await writeRun();
    const mpath = runLayout(root).manifest;
    const manifest = JSON.parse(readFileSync(mpath, "utf8"));
    writeFileSync(mpath, JSON.stringify({ ...manifest, data: { ...manifest.data, hash: "0".repeat(64) } }));
    await expect(loadWorkspace(root)).rejects.toThrow(
      /no longer match .*manifest\.json \(fingerprint [0-9a-f]{12} vs 000000000000\)/,
    );
    writeFileSync(mpath, JSON.stringify(manifest));
    writeLabels(labelsPath(runLayout(root).concepts), emptyLabels(8));
    await expect(loadWorkspace(root)).rejects.toThrow(/labels\.json: labels are for 8 neurons, .*sae has 16/);
    rmSync(join(root, RUN_DATASET_FILE));
    await expect(loadWorkspace(root)).rejects.toThrow(/manifest\.json: config\.data\.ref is missing/);
  });
});

describe("GET /api/export/:what", () => {
  it("sends the table the export service writes; refuses bad input and in-memory workspaces", async () => {
    const root = await writeRun();
    const ws = await loadWorkspace(root);
    const server = await startServer(ws, { port: 0, webRoot: null });
    const memory = await startServer(fx.ws, { port: 0, webRoot: null });
    try {
      const res = await fetch(`${server.url}/api/export/topk?format=csv&part=all&k=5`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/csv");
      const viaHttp = await res.text();
      const out = join(root, "topk.csv");
      exportRun(ws.run!.ctx, { what: "topk", format: "csv", out, part: "all", k: 5 });
      expect(viaHttp).toBe(readFileSync(out, "utf8"));
      expect(viaHttp.trim().split("\n").length).toBe(1 + 300 * 5); // header + 5 items per user
      const bad = await fetch(`${server.url}/api/export/topk?format=xlsx`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toContain(
        'format must be one of parquet, csv, jsonl, got "xlsx"',
      );
      const none = await fetch(`${memory.url}/api/export/topk`);
      expect(none.status).toBe(503);
    } finally {
      await server.close();
      await memory.close();
    }
  });
});
