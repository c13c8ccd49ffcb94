import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INTENTS_FORMAT, INTENTS_JSON, INTENTS_TENSORS } from "../intents/library.js";
import { writeSafetensors } from "../store/safetensors.js";
import { Rng } from "../tensor/rng.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { trainRun } from "./train-run.js";

/**
 * Test fixture (not used by library code): an intent library over S3-Rec item ids "1".."18" whose
 * 3 intents are topics ("red" items 1-6, "green" 7-12, "blue" 13-18; confidence .7, .9, .8; item i
 * (0-based) fires its topic with activation 1 + (i % 6) / 10), written to `path`.
 */
export function writePlantedLibrary(path: string): void {
  mkdirSync(path, { recursive: true });
  const itemIds = Array.from({ length: 18 }, (_, i) => String(i + 1));
  const intents = ["red", "green", "blue"].map((label, i) => ({
    id: i,
    latent: i,
    label,
    confidence: [0.7, 0.9, 0.8][i],
    tfidf: { label, keywords: [label, `${label}ish`], accuracy: 1 },
    support: 6,
    topItems: [],
  }));
  writeFileSync(join(path, INTENTS_JSON), JSON.stringify({ format: INTENTS_FORMAT, itemIds, intents }));
  writeSafetensors(join(path, INTENTS_TENSORS), {
    vectors: { shape: [3, 4], data: new Rng(1).fillNormal(new Float32Array(12)) },
    activation_indptr: { shape: [19], data: Int32Array.from({ length: 19 }, (_, i) => i) },
    activation_indices: { shape: [18], data: Int32Array.from({ length: 18 }, (_, i) => Math.floor(i / 6)) },
    activation_values: { shape: [18], data: Float32Array.from({ length: 18 }, (_, i) => 1 + (i % 6) / 10) },
  });
}

/**
 * Test fixture: a SAERec run in `<root>/run` trained (3 epochs, dim 8, seed 1, leave-one-out) on 60
 * users who each walk one topic (user u walks topic u % 3, so user "2" walks "blue"), with the
 * planted library written to `lib`; returns the opened run.
 */
export async function plantedSaerecRun(root: string, lib: string): Promise<ModelRunContext> {
  const rng = new Rng(7);
  const lines: string[] = [];
  for (let u = 1; u <= 60; u++) {
    const topic = u % 3;
    lines.push(`${u} ${Array.from({ length: 6 }, () => 1 + topic * 6 + rng.int(6)).join(" ")}`);
  }
  const data = join(root, "Planted.txt");
  writeFileSync(data, `${lines.join("\n")}\n`);
  writePlantedLibrary(lib);
  const out = join(root, "run");
  await trainRun({
    data: `s3rec:${data}`,
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
  return openModelRun(out);
}
