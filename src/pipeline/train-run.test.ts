import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { readManifest, runLayout } from "../store/manifest.js";
import { absoluteDataRef, evaluateRun, trainRun } from "./train-run.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-runs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two taste groups of 40 users over 2 x 15 items, ratings 1..5 (only >= 4 count as interactions). */
function writeRatings(path: string): void {
  const rng = new Rng(3);
  const lines = ["user,item,rating"];
  for (let u = 0; u < 80; u++) {
    const g = u % 2;
    for (let i = 0; i < 15; i++)
      if (rng.uniform() < 0.5) lines.push(`u${u},i${g * 15 + i},${4 + rng.int(2)}`);
    if (rng.uniform() < 0.5) lines.push(`u${u},i${(1 - g) * 15 + rng.int(15)},${1 + rng.int(3)}`); // disliked: dropped
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
}

describe("train and evaluate runs", () => {
  const csv = join(dir, "ratings.csv");
  writeRatings(csv);
  const out = join(dir, "run-ease");

  it("writes a run whose manifest metrics are reproduced by re-evaluating the saved model", async () => {
    const r = await trainRun({
      data: `csv:${csv}`,
      load: { cache: false },
      model: "ease",
      modelConfig: { lambda: 5 },
      seed: 7,
      out,
    });
    expect(existsSync(join(runLayout(out).model, "weights.safetensors"))).toBe(true);
    const m = readManifest(out);
    expect(m.data.users).toBe(80);
    expect(m.data.items).toBe(30);
    expect(m.config).toMatchObject({
      model: "ease",
      modelConfig: { lambda: 5 },
      split: { kind: "heldOutUsers", seed: 7, foldInFraction: 0.8 },
    });
    // Two clean taste groups: the ~7 unseen items of the user's own group come first, so every
    // held-out item is in the top 10 (a random ranking of the ~24 candidates would reach ~0.4).
    expect(m.metrics["test/recall@10"]).toBe(1);
    const again = await evaluateRun(out, { ks: [10, 20] });
    expect(again.test.metrics["ndcg@10"].mean).toBe(m.metrics["test/ndcg@10"]);
    expect(again.validation?.metrics["recall@10"].mean).toBe(m.metrics["val/recall@10"]);
    expect(r.test.users).toBe(m.metrics["test/users"]);
  });

  it("leave-k-out: every user trains, test users find their k held-out items, evaluateRun agrees", async () => {
    const lko = join(dir, "run-lko");
    const progress: (Readonly<Record<string, number>> | undefined)[] = [];
    const r = await trainRun({
      data: `csv:${csv}`,
      load: { cache: false },
      model: "ease",
      modelConfig: { lambda: 5 },
      seed: 3,
      split: { kind: "leaveKOut", k: 2, valK: 1 },
      out: lko,
      onProgress: (p) => progress.push(p.valMetrics),
    });
    const m = readManifest(lko);
    expect(m.config).toMatchObject({ split: { kind: "leaveKOut", seed: 3, k: 2, valK: 1, order: "random" } });
    expect(r.fit.bestEpoch).toBe(1);
    // every user with > 3 interactions is a validation user, > 2 a test user; all 80 train
    expect(m.metrics["test/users"]).toBeGreaterThan(70);
    expect(m.metrics["test/recall@10"]).toBeGreaterThan(0.8); // own group first; random ranking ~0.4
    expect(Object.keys(progress[0] ?? {})).toEqual(["recall_trunc@20", "ndcg@20"]);
    expect(progress[0]?.["ndcg@20"]).toBe(m.metrics["val/ndcg@20"]);
    const again = await evaluateRun(lko, { ks: [10, 20] });
    expect(again.test.metrics["ndcg@10"].mean).toBe(m.metrics["test/ndcg@10"]);
    expect(again.validation?.users).toBe(m.metrics["val/users"]);
  });

  it("leave-k-out without a validation set trains without early stopping and reports test only", async () => {
    const r = await trainRun({
      data: `csv:${csv}`,
      load: { cache: false },
      model: "ease",
      seed: 3,
      split: { kind: "leaveKOut", k: 1, valK: 0 },
      out: join(dir, "run-lko-noval"),
    });
    expect(r.validation).toBeUndefined();
    expect(r.manifest.metrics["val/users"]).toBeUndefined();
    expect(r.manifest.config).toMatchObject({ training: { earlyStopping: null } });
    expect((await evaluateRun(join(dir, "run-lko-noval"))).validation).toBeUndefined();
  });

  it("--stop-metric: early stopping watches the named metric, recorded in the manifest; a bad name fails first", async () => {
    const r = await trainRun({
      data: `csv:${csv}`,
      load: { cache: false },
      model: "mf",
      modelConfig: { epochs: 6, dim: 8 },
      seed: 5,
      patience: 100,
      stopMetric: "hr@10",
      out: join(dir, "run-mf-hr"),
    });
    // the best weights are kept: the validation report's hr@10 is the best of the watched scores
    expect(r.fit.valScores).toHaveLength(6);
    expect(r.validation?.metrics["hr@10"].mean).toBeCloseTo(Math.max(...r.fit.valScores), 12);
    expect(readManifest(join(dir, "run-mf-hr")).config.training).toEqual({
      earlyStopping: "val/hr@10",
      patience: 100,
    });
    await expect(
      trainRun({ data: `csv:${csv}`, model: "mf", seed: 5, stopMetric: "mrr", out: join(dir, "run-bad") }),
    ).rejects.toThrow(/stop metric "mrr" is not one of ndcg@K/);
    expect(existsSync(join(dir, "run-bad"))).toBe(false);
  });

  it("refuses to re-evaluate when the data changed since training", async () => {
    appendFileSync(csv, "u0,i29,5\n");
    await expect(evaluateRun(out)).rejects.toThrow(/no longer matches the run \(fingerprint/);
  });
});

describe("absoluteDataRef", () => {
  it("makes relative paths absolute, keeps prefixes and registered names", () => {
    const here = process.cwd();
    expect(absoluteDataRef("package.json")).toBe(`${here}/package.json`);
    expect(absoluteDataRef("csv:package.json")).toBe(`csv:${here}/package.json`);
    expect(absoluteDataRef("ml-100k")).toBe("ml-100k");
    expect(absoluteDataRef("csv:no/such/file.csv")).toBe("csv:no/such/file.csv");
  });
});
