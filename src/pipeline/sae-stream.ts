import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { firingRateSvg } from "../plot/firing-rates.js";
import { evaluateSae } from "../sae/evaluate.js";
import { saeConfigToJson, saveSae } from "../sae/io.js";
import { SparseAutoencoder } from "../sae/model.js";
import type { ProgressStream } from "../sae/progress.js";
import { openShards, type Shard } from "../sae/shards.js";
import { initialiseFromShards, streamedBatches, type StreamStats } from "../sae/stream.js";
import { trainSae, type EpochSummary } from "../sae/trainer.js";
import { writeFileAtomic } from "../store/atomic.js";
import { createManifest, writeManifest } from "../store/manifest.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { SAE_RUN_FILES, embeddingsSaeSettings, type FittedSae, type SaeRunResult } from "./sae-run.js";
import type { SaeOutOptions } from "./sae-lineage.js";
import { firingRates } from "./sae-metrics.js";
import {
  buildLossConfig,
  buildSaeConfig,
  deadAfterOf,
  isScaleFree,
  type SaeSettingsInput,
} from "./sae-settings.js";

/** Options of {@link trainSaeOnShards}. */
export interface ShardsSaeOptions extends Omit<SaeOutOptions, "resume"> {
  /** SAE directory to write. */
  readonly out: string;
  /** Shuffle-buffer rows, the memory bound (default 262144; >= all rows: exact in-memory order). */
  readonly bufferRows?: number;
  /** Rows of the first-pass sample for b_dec / data atoms (default 65536). */
  readonly sampleRows?: number;
  /** Parquet: the list<float> column (default: the only one). */
  readonly column?: string;
  readonly progress?: "auto" | "always" | "never";
  readonly stream?: ProgressStream;
  readonly onEpoch?: (e: EpochSummary) => void;
}

/** Result of {@link trainSaeOnShards}: the SAE run plus the stream's memory accounting. */
export interface ShardsSaeResult extends SaeRunResult {
  readonly streamStats: StreamStats;
}

/** Identity of a shard set: sha256 over each shard's absolute path, rows, columns, bytes and mtime. */
function shardsHash(shards: readonly Shard[]): string {
  const h = createHash("sha256");
  for (const s of shards) {
    const st = statSync(s.path);
    h.update(`${resolve(s.path)}\t${s.rows}\t${s.cols}\t${st.size}\t${st.mtimeMs}\n`);
  }
  return h.digest("hex");
}

/** A seeded sample of up to `n` rows spread over all shards (for the reported metrics). */
async function sampleRows(shards: readonly Shard[], n: number, seed: number): Promise<Matrix> {
  const total = shards.reduce((s, x) => s + x.rows, 0);
  const take = Math.min(n, total);
  const out = new Matrix(take, shards[0].cols);
  const rng = new Rng(seed * 131 + 7);
  let at = 0;
  for (const [i, sh] of shards.entries()) {
    const want = i === shards.length - 1 ? take - at : Math.round((take * sh.rows) / total);
    const k = Math.min(want, sh.rows, take - at);
    if (k <= 0) continue;
    const start = rng.int(sh.rows - k + 1);
    await sh.readInto(start, start + k, out.data, at);
    at += k;
  }
  return at === take ? out : out.rowRange(0, at);
}

/**
 * `reclens sae train --shards`: trains an SAE on sharded .npy / Parquet embeddings larger than
 * memory (sae/stream.ts): a first pass initialises (and for "dataset" normalisation measures the
 * exact statistics), then every epoch streams the shards through a seeded shuffle buffer. No
 * validation split and no checkpoints: every row trains; the reported metrics ("train/fve", ...) are
 * on a seeded sample of up to 16384 rows. Writes the same SAE directory as trainSaeOnEmbeddings.
 */
export async function trainSaeOnShards(
  spec: string,
  input: SaeSettingsInput,
  opts: ShardsSaeOptions,
): Promise<ShardsSaeResult> {
  const started = Date.now();
  const settings = embeddingsSaeSettings(input, `--shards ${spec}`, opts);
  const shards = await openShards(spec, opts.column);
  try {
    const total = shards.reduce((s, x) => s + x.rows, 0);
    const config = buildSaeConfig(settings, shards[0].cols);
    const losses = buildLossConfig(settings, total);
    const sae = new SparseAutoencoder(config, settings.seed);
    await initialiseFromShards(sae, shards, {
      atoms: settings.init,
      seed: settings.seed,
      matchScale: isScaleFree(losses),
      ...(opts.sampleRows !== undefined ? { sampleRows: opts.sampleRows } : {}),
    });
    const stream = streamedBatches(shards, {
      batchSize: settings.batchSize,
      seed: settings.seed,
      bufferRows: opts.bufferRows ?? 262_144,
    });
    const training = await trainSae(
      sae,
      stream.source,
      losses,
      {
        epochs: settings.epochs,
        lr: settings.lr,
        seed: settings.seed,
        patience: 0,
        stepsPerEpoch: stream.batchesPerEpoch,
        deadAfter: deadAfterOf(settings, total),
        progress: opts.progress ?? "auto",
      },
      {
        ...(opts.onEpoch ? { checkpoint: (_s, e) => opts.onEpoch?.(e) } : {}),
        ...(opts.stream ? { stream: opts.stream } : {}),
      },
    );
    const fitted: FittedSae = { sae, config, losses, training, seconds: (Date.now() - started) / 1000 };
    const sample = await sampleRows(shards, 16_384, settings.seed);
    const ev = evaluateSae(sae, sample, losses, 1024, settings.seed);
    const firing = firingRates(sae, sample);
    const last = training.epochs[training.epochs.length - 1];
    const metrics: Record<string, number> = {
      "train/epochs": training.epochs.length,
      "train/seconds": fitted.seconds,
      "train/loss": last.loss,
      "train/l0": last.l0,
      "train/sampleRows": sample.rows,
    };
    for (const [key, v] of Object.entries(ev.metrics ?? {})) if (key !== "loss") metrics[`train/${key}`] = v;
    let dead = 0;
    for (const r of firing) if (r === 0) dead++;
    metrics["train/deadFraction"] = dead / Math.max(1, firing.length);
    saveSae(sae, opts.out);
    writeFileAtomic(
      join(opts.out, SAE_RUN_FILES.firing),
      firingRateSvg(firing, "a sample of the shard rows"),
    );
    writeFileAtomic(
      join(opts.out, SAE_RUN_FILES.training),
      `${JSON.stringify({ epochs: training.epochs, stoppedEarly: training.stoppedEarly, stream: stream.stats }, null, 2)}\n`,
    );
    const manifest = createManifest({
      kind: "sae",
      seed: settings.seed,
      config: {
        source: "shards",
        shards: shards.map((s) => ({ file: resolve(s.path), rows: s.rows })),
        stream: {
          bufferRows: Math.min(total, opts.bufferRows ?? 262_144),
          peakRowsHeld: stream.stats.peakRowsHeld,
        },
        settings: { ...settings },
        sae: saeConfigToJson(config),
        data: { trainRows: total, validationRows: 0 },
      },
      data: {
        name: spec,
        source: resolve(spec),
        hash: shardsHash(shards),
        users: total,
        items: 0,
        interactions: 0,
      },
      metrics,
    });
    writeManifest(opts.out, manifest);
    return { dir: opts.out, fitted, metrics, manifest, streamStats: stream.stats };
  } finally {
    for (const s of shards) s.close();
  }
}
