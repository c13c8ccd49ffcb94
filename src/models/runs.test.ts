import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { readManifest, runLayout } from "../store/manifest.js";
import { evaluateRun, trainRun } from "./runs.js";

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
    expect(again.validation.metrics["recall@10"].mean).toBe(m.metrics["val/recall@10"]);
    expect(r.test.users).toBe(m.metrics["test/users"]);
  });

  it("refuses to re-evaluate when the data changed since training", async () => {
    appendFileSync(csv, "u0,i29,5\n");
    await expect(evaluateRun(out)).rejects.toThrow(/no longer matches the run \(fingerprint/);
  });
});
