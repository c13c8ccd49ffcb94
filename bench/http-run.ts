/**
 * A servable run directory at any catalogue size, cheap to build (bench helper, not library code):
 * planted synthetic data (src/data/synth.ts, 20 concepts) and ELSA item embeddings written
 * straight from the planted factors instead of trained (item i = its primary concept's direction,
 * half its secondary one, plus noise, unit-normed; d 64), then the SAE trained on the run by the
 * pipeline's own `trainSaeOnRun` (TopK, 256 latents, k 16, at most 10 epochs) and the neurons
 * labelled by `labelRun`. Serving cost depends on the sizes (items x d, users, latents), not on how
 * well the embeddings were fitted, so this is an honest stand-in for a trained 100k-item run: the
 * HTTP server loads it through the same loadWorkspace as any run. ELSA training on 2000 x 100k is
 * what made `bench/load.ts synth:<users>x<items>` slow.
 *
 *   RECLENS_THREADS=1 npx tsx bench/http-run.ts <dir> [<users>x<items>]   (default 2000x100000)
 *
 * An existing directory built with the same sizes is reused (bench-http-run.json records them).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeSynthetic } from "../src/data/synth-write.js";
import { generateSynthetic } from "../src/data/synth.js";
import { saveArtifact } from "../src/models/artifact.js";
import { ElsaConfigSchema } from "../src/models/elsa.js";
import { labelRun } from "../src/pipeline/label-run.js";
import { openModelRun, RUN_DATASET_FILE } from "../src/pipeline/run-context.js";
import { resolveSplitSettings } from "../src/pipeline/run-split.js";
import { trainSaeOnRun } from "../src/pipeline/sae-run.js";
import { writeFileAtomic } from "../src/store/atomic.js";
import { createManifest, manifestData, runLayout, writeManifest } from "../src/store/manifest.js";
import { tensorFromMatrix } from "../src/store/safetensors.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";

/** Sizes of a bench run. */
export interface HttpRunSpec {
  readonly users: number;
  readonly items: number;
  /** Seed of the data, the factors and the SAE (default 1). */
  readonly seed?: number;
}

/** Embedding width of the bench runs (the item-index benchmarks' d). */
export const HTTP_RUN_DIM = 64;
const MARKER = "bench-http-run.json";

/** Parses "<users>x<items>". */
export function parseSizes(s: string): HttpRunSpec {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`expected <users>x<items>, e.g. 2000x100000; got ${JSON.stringify(s)}`);
  return { users: Number(m[1]), items: Number(m[2]) };
}

/**
 * Unit-norm item embeddings from the planted truth: a random unit direction per concept; item i gets
 * its primary concept's direction, half its secondary one's, and N(0, 0.6^2 / d) noise per entry.
 */
export function plantedItemFactors(
  itemConcept: Int32Array,
  itemSecondary: Int32Array,
  concepts: number,
  d: number,
  seed: number,
): Matrix {
  const rng = new Rng(seed);
  const dirs = new Matrix(concepts, d);
  rng.fillNormal(dirs.data, 0, 1);
  for (let c = 0; c < concepts; c++) {
    const r = dirs.row(c);
    const norm = Math.hypot(...r);
    for (let q = 0; q < d; q++) r[q] /= norm;
  }
  const a = new Matrix(itemConcept.length, d);
  rng.fillNormal(a.data, 0, 0.6 / Math.sqrt(d));
  for (let i = 0; i < a.rows; i++) {
    const r = a.row(i);
    const p = dirs.row(itemConcept[i]);
    const s = itemSecondary[i] >= 0 ? dirs.row(itemSecondary[i]) : undefined;
    let ss = 0;
    for (let q = 0; q < d; q++) {
      r[q] += p[q] + (s ? 0.5 * s[q] : 0);
      ss += r[q] * r[q];
    }
    const inv = 1 / Math.sqrt(ss);
    for (let q = 0; q < d; q++) r[q] *= inv;
  }
  return a;
}

/**
 * Builds (or reuses) the bench run in `dir` and returns its absolute path and the build time
 * (0 when reused).
 */
export async function ensureHttpRun(
  dir: string,
  spec: HttpRunSpec,
): Promise<{ dir: string; seconds: number }> {
  const out = resolve(dir);
  const seed = spec.seed ?? 1;
  const want = JSON.stringify({ users: spec.users, items: spec.items, seed, dim: HTTP_RUN_DIM });
  const marker = join(out, MARKER);
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) return { dir: out, seconds: 0 };
  const t0 = performance.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const syn = generateSynthetic({ users: spec.users, items: spec.items, concepts: 20, seed });
  const dataFile = join(out, RUN_DATASET_FILE);
  await writeSynthetic(dataFile, syn);
  const { dataset, truth } = syn;
  const config = ElsaConfigSchema.parse({ dim: HTTP_RUN_DIM });
  const a = plantedItemFactors(truth.itemConcept, truth.itemSecondary, 20, HTTP_RUN_DIM, seed);
  const layout = runLayout(out);
  saveArtifact(layout.model, { model: "elsa", config, nItems: a.rows }, { A: tensorFromMatrix(a) });
  writeManifest(
    out,
    createManifest({
      kind: "model",
      seed,
      config: {
        model: "elsa",
        modelConfig: config,
        data: { ref: dataFile, load: {} },
        split: resolveSplitSettings(seed),
        training: {
          earlyStopping: null,
          note: "bench/http-run.ts: item embeddings from planted factors, not trained",
        },
        ks: [20],
      },
      data: manifestData(dataset),
      metrics: {},
    }),
  );
  const ctx = await openModelRun(out);
  await trainSaeOnRun(ctx, { k: 16, expansion: 4, epochs: 10, seed }, { progress: "never" });
  await labelRun(await openModelRun(out), { progress: { mode: "never" } });
  writeFileAtomic(marker, want);
  return { dir: out, seconds: (performance.now() - t0) / 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: npx tsx bench/http-run.ts <dir> [<users>x<items>]");
  const r = await ensureHttpRun(dir, parseSizes(process.argv[3] ?? "2000x100000"));
  console.log(`${r.dir}: ${r.seconds > 0 ? `built in ${r.seconds.toFixed(1)} s` : "reused"}`);
}
