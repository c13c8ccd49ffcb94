import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { INTENTS_FORMAT, INTENTS_JSON, INTENTS_TENSORS } from "../intents/library.js";
import { writeSafetensors } from "../store/safetensors.js";
import { Rng } from "../tensor/rng.js";
import { openModelRun } from "./run-context.js";
import { explainSaerecForUser } from "./saerec-intents.js";
import { evaluateRun, trainRun } from "./train-run.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-saerec-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 3 topics x 6 items (S3-Rec ids 1..18); each user walks within one topic.
const rng = new Rng(7);
const lines: string[] = [];
for (let u = 1; u <= 60; u++) {
  const topic = u % 3;
  const seq = Array.from({ length: 6 }, () => 1 + topic * 6 + rng.int(6));
  lines.push(`${u} ${seq.join(" ")}`);
}
const dataPath = join(dir, "Planted.txt");
writeFileSync(dataPath, `${lines.join("\n")}\n`);

/** A library over item ids "1".."18" (plus one id the data lack) whose intents are the topics. */
function writeLibrary(path: string): void {
  mkdirSync(path, { recursive: true });
  const itemIds = [...Array.from({ length: 18 }, (_, i) => String(i + 1)), "999"];
  const intents = ["red", "green", "blue"].map((label, i) => ({ id: i, latent: i, label, confidence: 0.9 }));
  writeFileSync(join(path, INTENTS_JSON), JSON.stringify({ format: INTENTS_FORMAT, itemIds, intents }));
  const indptr = Int32Array.from({ length: 20 }, (_, i) => Math.min(i, 19));
  const indices = Int32Array.from({ length: 19 }, (_, i) => (i < 18 ? Math.floor(i / 6) : 0));
  const vectors = new Float32Array(3 * 4);
  new Rng(1).fillNormal(vectors);
  writeSafetensors(join(path, INTENTS_TENSORS), {
    vectors: { shape: [3, 4], data: vectors },
    activation_indptr: { shape: [20], data: indptr },
    activation_indices: { shape: [19], data: indices },
    activation_values: { shape: [19], data: new Float32Array(19).fill(1) },
  });
}

describe("reclens train saerec --intents", () => {
  it("trains with the library, records it, reloads without it and explains a user", async () => {
    const lib = join(dir, "lib");
    writeLibrary(lib);
    const out = join(dir, "run");
    const r = await trainRun({
      data: `s3rec:${dataPath}`,
      model: "saerec",
      modelConfig: {
        dim: 8,
        blocks: 1,
        maxLen: 8,
        epochs: 3,
        batchSize: 16,
        lr: 0.01,
        personalK: 2,
        publicK: 2,
      },
      seed: 1,
      split: { kind: "leaveOneOut" },
      out,
      intents: lib,
    });
    const rec = (r.manifest.config as { intents?: { intents: number; matchedItems: number } }).intents;
    expect(rec).toMatchObject({ dir: lib, intents: 3, matchedItems: 18 });
    rmSync(lib, { recursive: true }); // the run keeps its own copy of what it needs
    const again = await evaluateRun(out);
    expect(again.test.metrics["ndcg@10"].mean).toBeCloseTo(r.test.metrics["ndcg@10"].mean, 10);
    const ctx = await openModelRun(out);
    const ex = explainSaerecForUser(ctx, "2", { n: 4 });
    expect(ex.items).toHaveLength(4);
    // User 2 walks topic 2 ("blue"): their personal intent.
    expect(ex.intents.filter((x) => x.branch === "personal").map((x) => x.label)).toEqual(["blue"]);
    for (const it of ex.items)
      expect(it.sequence + it.bias + it.intents.reduce((s, p) => s + p.score, 0)).toBeCloseTo(it.score, 4);
    const off = explainSaerecForUser(ctx, "2", { n: 4, off: ["Blue"] });
    expect(off.off).toEqual([{ intent: 2, label: "blue" }]);
    expect(off.intents.map((x) => x.label)).not.toContain("blue");
    expect(() => explainSaerecForUser(ctx, "2", { off: ["purple"] })).toThrow(
      'no intent is labelled "purple"',
    );
  });

  it("refuses --intents for a model other than saerec", async () => {
    const lib = join(dir, "lib2");
    writeLibrary(lib);
    await expect(
      trainRun({
        data: `s3rec:${dataPath}`,
        model: "sasrec",
        modelConfig: { epochs: 1 },
        seed: 1,
        split: { kind: "leaveOneOut" },
        out: join(dir, "run2"),
        intents: lib,
      }),
    ).rejects.toThrow("--intents applies to the saerec model only, not to sasrec");
  });
});
