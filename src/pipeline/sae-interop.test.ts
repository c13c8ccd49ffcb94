import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeSaeConfig } from "../sae/config.js";
import { SAE_CONFIG_FILE, SAE_WEIGHTS_FILE, SPARSIFY_WEIGHTS_FILE, loadSae } from "../sae/io.js";
import { SparseAutoencoder } from "../sae/model.js";
import { openShards } from "../sae/shards.js";
import type { Sae } from "../sae/types.js";
import { writeSafetensors } from "../store/safetensors.js";
import { Matrix } from "../tensor/matrix.js";
import { exportRun } from "./export.js";
import { labelRun } from "./label-run.js";
import { recommendForUser } from "./recommend-run.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { readRunLabels } from "./run-labels.js";
import { loadRunSae } from "./sae-ref.js";
import { trainSaeOnRun } from "./sae-run.js";
import { PLANTED_SAE, plantedRun } from "./testing.js";

/**
 * The "past one machine" round trip, files only: export a run's probing-site vectors as Parquet
 * shards (what SAELens / sparsify would train on), lay out a known SAE as each library writes it
 * after training (cfg.json + weights, hand-written to their documented layouts, no reclens writer),
 * import it back: codes equal the original SAE's, and labelling, steering and recommending work.
 */
const root = mkdtempSync(join(tmpdir(), "reclens-interop-"));
let ctx: ModelRunContext;
let original: SparseAutoencoder;
let shardRows: Matrix;

beforeAll(async () => {
  const planted = await plantedRun(root);
  ctx = await openModelRun(planted.ctx.dir);
  await trainSaeOnRun(ctx, PLANTED_SAE, { progress: "never" });
  original = loadRunSae(ctx).sae;
  // 1. Export: one Parquet shard per split part.
  const shardDir = join(root, "shards");
  mkdirSync(shardDir);
  for (const part of ["train", "validation", "test"] as const)
    exportRun(ctx, { what: "embeddings", format: "parquet", part, out: join(shardDir, `${part}.parquet`) });
  const shards = await openShards(shardDir);
  const total = shards.reduce((s, x) => s + x.rows, 0);
  shardRows = new Matrix(total, shards[0].cols);
  let at = 0;
  for (const s of shards) {
    await s.readInto(0, s.rows, shardRows.data, at);
    at += s.rows;
  }
}, 180_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** SAELens v6 after training a TopK SAE with layer_norm inputs (sae_lens/saes/sae.py, topk_sae.py). */
function writeSaelensFolder(dir: string, sae: Sae): void {
  mkdirSync(dir, { recursive: true });
  const t = sae.tensors();
  writeFileSync(
    join(dir, "cfg.json"),
    JSON.stringify({
      architecture: "topk",
      d_in: sae.dIn,
      d_sae: sae.dSae,
      k: sae.config.k,
      rescale_acts_by_decoder_norm: false,
      dtype: "float32",
      device: "cuda",
      apply_b_dec_to_input: true,
      normalize_activations: "layer_norm",
      reshape_activations: "none",
      metadata: { sae_lens_version: "6.5.0", model_name: "reclens-planted-elsa", hook_name: "user" },
    }),
  );
  writeSafetensors(join(dir, "sae_weights.safetensors"), {
    W_enc: t.W_enc,
    b_enc: t.b_enc,
    W_dec: t.W_dec,
    b_dec: t.b_dec,
  });
}

/** EleutherAI sparsify after training (sparsify/sparse_coder.py save_to_disk): encoder is [d_sae, d_in]. */
function writeSparsifyFolder(dir: string, sae: Sae): void {
  mkdirSync(dir, { recursive: true });
  const t = sae.tensors();
  const enc = new Float32Array(sae.dIn * sae.dSae);
  for (let i = 0; i < sae.dIn; i++)
    for (let j = 0; j < sae.dSae; j++) enc[j * sae.dIn + i] = t.W_enc.data[i * sae.dSae + j];
  writeFileSync(
    join(dir, "cfg.json"),
    JSON.stringify({
      activation: "topk",
      expansion_factor: sae.dSae / sae.dIn,
      normalize_decoder: true,
      num_latents: sae.dSae,
      k: sae.config.k,
      multi_topk: false,
      skip_connection: false,
      transcode: false,
      d_in: sae.dIn,
    }),
  );
  writeSafetensors(join(dir, "sae.safetensors"), {
    "encoder.weight": { shape: [sae.dSae, sae.dIn], data: enc },
    "encoder.bias": t.b_enc,
    W_dec: t.W_dec,
    b_dec: t.b_dec,
  });
}

function expectSameCodes(a: Sae, b: Sae, x: Matrix): void {
  const ca = a.encode(x);
  const cb = b.encode(x);
  expect(Array.from(cb.indptr)).toEqual(Array.from(ca.indptr));
  expect(Array.from(cb.indices)).toEqual(Array.from(ca.indices));
  for (let p = 0; p < ca.values.length; p++) expect(cb.values[p]).toBeCloseTo(ca.values[p], 5);
}

describe("SAELens / sparsify round trip", () => {
  it("exported Parquet shards hold every user's probing-site vector", () => {
    expect(shardRows.rows).toBe(ctx.dataset.users.length);
    expect(shardRows.cols).toBe(ctx.model.dim);
  });

  const cases = [
    { name: "SAELens v6", dir: "sae-saelens", write: writeSaelensFolder, weights: SAE_WEIGHTS_FILE },
    { name: "sparsify", dir: "sae-sparsify", write: writeSparsifyFolder, weights: SPARSIFY_WEIGHTS_FILE },
  ];
  for (const c of cases)
    it(`a ${c.name} folder imports with the original's codes, and labels, steers and recommends`, async () => {
      // sparsify has no input normalisation: its "known SAE" is the trained weights without one.
      const known =
        c.name === "sparsify"
          ? (() => {
              const s = new SparseAutoencoder(
                makeSaeConfig("topk", original.dIn, original.dSae, {
                  k: original.config.k,
                  normalisation: "none",
                }),
                0,
              );
              s.loadTensors(original.tensors(), "original");
              return s;
            })()
          : original;
      const dir = join(ctx.dir, c.dir);
      c.write(dir, known);
      expect(existsSync(join(dir, SAE_CONFIG_FILE)) && existsSync(join(dir, c.weights))).toBe(true);
      const imported = loadSae(dir);
      expect(imported.config.k).toBe(known.config.k);
      expectSameCodes(known, imported, shardRows);
      // Label, then steer a user's list with a labelled latent.
      await labelRun(ctx, { saeDir: dir });
      const loaded = loadRunSae(ctx, dir);
      const doc = readRunLabels(ctx, loaded);
      const labelled = Object.keys(doc.labels).map(Number);
      expect(labelled.length).toBeGreaterThan(0);
      const user = ctx.dataset.users[ctx.split.test.users[0]];
      const plain = recommendForUser(ctx, loaded, doc, user, { n: 10 });
      expect(plain.items).toHaveLength(10);
      expect(plain.items.every((i) => Number.isFinite(i.score))).toBe(true);
      const j = labelled[0];
      const steered = recommendForUser(ctx, loaded, doc, user, { n: 10, boosts: [`${j}:0.8`] });
      expect(steered.items.every((i) => Number.isFinite(i.score))).toBe(true);
      expect(steered.items.map((i) => i.id)).not.toEqual(plain.items.map((i) => i.id));
    }, 120_000);
});
