/**
 * Streaming SAE training over sharded float32 .npy files vs in-memory training (issue #16).
 *
 *   npx tsx bench/sae-stream.ts write  --dir /tmp/sae-shards --rows 1000000 --shard-rows 250000 [--dim 256]
 *   npx tsx bench/sae-stream.ts stream --dir /tmp/sae-shards [--buffer 262144] [--max-rows N]
 *   npx tsx bench/sae-stream.ts memory --dir /tmp/sae-shards --rows 200000
 *
 * Run each mode in its own process (peak RSS = /proc/self/status VmHWM is per process), with
 * RECLENS_THREADS=1. Prints one JSON line: rows trained, seconds and CPU seconds of the training
 * phase, rows/s (wall and CPU), peak RSS and the stream's rows held. Data: rows ~ N(0, 1) plus a
 * planted sparse structure (each row = 4 random atoms of 512 + noise), seeded by shard index.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeSaeConfig } from "../src/sae/config.js";
import { shuffledBatches } from "../src/sae/batches.js";
import { SparseAutoencoder } from "../src/sae/model.js";
import { listShardFiles, openShards } from "../src/sae/shards.js";
import { initialiseFromShards, streamedBatches } from "../src/sae/stream.js";
import { trainSae } from "../src/sae/trainer.js";
import type { LossConfig } from "../src/sae/losses/types.js";
import { encodeNpyMatrix, readNpyMatrix } from "../src/store/npy.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";

const args = process.argv.slice(3);
function opt(name: string, dflt?: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) {
    if (dflt === undefined) throw new Error(`--${name} is required`);
    return dflt;
  }
  return Number(args[i + 1]);
}
function str(name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : args[i + 1];
}

function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dir = str("dir", "/tmp/sae-shards");
const dim = opt("dim", 256);
const losses: LossConfig = { l2: { weight: 1 } };
const sae = () =>
  new SparseAutoencoder(makeSaeConfig("topk", dim, opt("latents", 2048), { k: opt("k", 32) }), 1);
const batch = opt("batch", 1024);
const trainCfg = { epochs: 1, lr: 1e-3, seed: 1, progress: "never" as const };

function writeShards(): void {
  mkdirSync(dir, { recursive: true });
  const rows = opt("rows");
  const per = opt("shard-rows", 250_000);
  const atoms = new Matrix(512, dim);
  new Rng(99).fillNormal(atoms.data, 0, 1);
  for (let s = 0, i = 0; s < rows; s += per, i++) {
    const n = Math.min(per, rows - s);
    const m = new Matrix(n, dim);
    const rng = new Rng(1000 + i);
    rng.fillNormal(m.data, 0, 0.1);
    for (let r = 0; r < n; r++)
      for (let a = 0; a < 4; a++) {
        const j = rng.int(512);
        const w = 1 + rng.uniform();
        for (let c = 0; c < dim; c++) m.data[r * dim + c] += w * atoms.data[j * dim + c];
      }
    writeFileSync(join(dir, `part-${String(i).padStart(4, "0")}.npy`), encodeNpyMatrix(m));
  }
  console.log(JSON.stringify({ mode: "write", dir, rows, dim, shards: Math.ceil(rows / per) }));
}

async function measure(mode: string, run: () => Promise<{ rows: number; extra?: object }>): Promise<void> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const { rows, extra } = await run();
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      mode,
      rows,
      dim,
      seconds: +sec.toFixed(2),
      cpuSeconds: +cpu.toFixed(2),
      rowsPerSec: Math.round(rows / sec),
      rowsPerCpuSec: Math.round(rows / cpu),
      peakRssMb: Math.round(vmHwmMb()),
      rssMb: Math.round(mem.rss / 2 ** 20),
      threads: process.env.RECLENS_THREADS ?? "default",
      ...extra,
    }),
  );
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode === "write") return writeShards();
  if (mode === "stream") {
    const shards = await openShards(dir);
    const s = sae();
    const i0 = process.hrtime.bigint();
    const ic0 = process.cpuUsage();
    await initialiseFromShards(s, shards, { atoms: "data", seed: 1 });
    const ic = process.cpuUsage(ic0);
    const init = {
      initSeconds: +(Number(process.hrtime.bigint() - i0) / 1e9).toFixed(2),
      initCpuSeconds: +((ic.user + ic.system) / 1e6).toFixed(2),
      initPeakRssMb: Math.round(vmHwmMb()),
    };
    const stream = streamedBatches(shards, { batchSize: batch, seed: 1, bufferRows: opt("buffer", 262_144) });
    const maxRows = opt("max-rows", stream.rows);
    const limited = async function* (epoch: number): AsyncGenerator<Matrix> {
      let n = 0;
      for await (const b of stream.source(epoch)) {
        if (n >= maxRows) break;
        n += b.rows;
        yield b;
      }
    };
    await measure("stream", async () => {
      const rep = await trainSae(s, (e) => ({ [Symbol.asyncIterator]: () => limited(e) }), losses, trainCfg);
      return {
        rows: rep.epochs[0].samples,
        extra: {
          ...init,
          totalRows: stream.rows,
          peakRowsHeld: stream.stats.peakRowsHeld,
          loss: +rep.epochs[0].loss.toFixed(4),
        },
      };
    });
    return;
  }
  if (mode === "memory") {
    const want = opt("rows");
    const parts: Matrix[] = [];
    let have = 0;
    for (const f of listShardFiles(dir)) {
      if (have >= want) break;
      const m = readNpyMatrix(f);
      const k = Math.min(m.rows, want - have);
      parts.push(k === m.rows ? m : m.rowRange(0, k));
      have += k;
    }
    const x = new Matrix(have, dim);
    let at = 0;
    for (const p of parts) {
      x.data.set(p.data, at * dim);
      at += p.rows;
    }
    parts.length = 0;
    const s = sae();
    s.initialise(x.rows > 65536 ? x.rowRange(0, 65536) : x, { atoms: "data", seed: 1 });
    await measure("memory", async () => {
      const rep = await trainSae(s, shuffledBatches(x, batch, 1), losses, trainCfg);
      return { rows: rep.epochs[0].samples, extra: { loss: +rep.epochs[0].loss.toFixed(4) } };
    });
    return;
  }
  throw new Error(`mode must be write, stream or memory, got ${mode}`);
}

await main();
