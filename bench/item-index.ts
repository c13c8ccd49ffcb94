/**
 * Item index benchmark (not a test): exact steered top-20 and the usearch (HNSW) ANN index on
 * synthetic catalogues (d 64 by default, DIM=...). Prints markdown tables; nothing is written.
 *
 *   RECLENS_THREADS=1 npx tsx bench/item-index.ts exact [10000,100000,200000,1000000]
 *   RECLENS_THREADS=1 node --expose-gc --import tsx bench/item-index.ts ann [1000000] [gauss|clustered] [dir] [16,32,64,128,256]
 *
 * exact: per catalogue size, a linear recommender (user = x A, decode = z A^T, the shape of ELSA)
 * with a TopK SAE (256 latents, k 16) is served through steer/recommend.ts with two boost knobs:
 * "index" is the item-index path (one sgemv for the steered list, the unsteered list cached per
 * user), "decode" the path before it (decode + mask + top-k, twice). Also the bare index (one
 * sgemv + selection), RSS growth with items, and heap growth with cached users.
 * ann: builds (1 thread; or reopens, memory-mapped) the HNSW index of the catalogue in [dir] and
 * reports build time (wall and CPU), memory, query p50/p99 (wall and CPU) and recall@20 against
 * the exact index for a few expansion_search values. The graph's degree and build beam come from
 * RECLENS_BENCH_M and RECLENS_BENCH_EF_ADD (defaults: the index's, 16 and 128). The catalogue
 * `run:<dir>` takes a run's own item vectors and bias (e.g. bench/load.ts's synthrun), so the recall
 * of the index that run is served through can be measured.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { ExactItemIndex } from "../src/index/exact.js";
import { readAnnMeta, UsearchItemIndex } from "../src/index/usearch.js";
import { servingIndexOf } from "../src/index/serving.js";
import { loadModel } from "../src/models/index.js";
import type { Recommender, UserBatch } from "../src/models/types.js";
import { topNUnseen } from "../src/nested/nested-rank.js";
import { NestedRecommender } from "../src/nested/nested.js";
import { makeSaeConfig } from "../src/sae/config.js";
import { SparseAutoencoder } from "../src/sae/model.js";
import { steerCode, type SteerOp } from "../src/steer/ops.js";
import { recommend } from "../src/steer/recommend.js";
import { backendInfo, kernels } from "../src/tensor/backend.js";
import { Csr } from "../src/tensor/csr.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { markdownTable } from "./timing.js";

const mode = process.argv[2] ?? "exact";
const D = Number(process.env.DIM ?? 64);
const ms = (x: number): string => x.toFixed(2);
const mb = (x: number): string => (x / 2 ** 20).toFixed(0);
const pct = (s: number[], p: number): number => {
  const t = [...s].sort((a, b) => a - b);
  return t[Math.min(t.length - 1, Math.floor((p / 100) * t.length))];
};

function itemMatrix(n: number, seed: number): Matrix {
  const m = new Matrix(n, D);
  new Rng(seed).fillNormal(m.data, 0, 1 / Math.sqrt(D));
  return m;
}

/** ELSA's shape without training: encodeUsers = x A, decode = z A^T - x. */
function linearModel(a: Matrix): Recommender {
  const decode = (z: Matrix, batch?: UserBatch): Matrix => {
    const out = kernels().gemm(false, true, 1, z, a, 0, new Matrix(z.rows, a.rows));
    if (batch) {
      const x = batch.rows;
      for (let u = 0; u < x.rows; u++)
        for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++)
          out.data[u * a.rows + x.indices[p]] -= x.values[p];
    }
    return out;
  };
  return {
    name: "linear-synth",
    config: {},
    nItems: a.rows,
    dim: a.cols,
    fit: () => Promise.reject(new Error("synthetic")),
    encodeUsers: (b: UserBatch) => kernels().csrMm(b.rows, a),
    decode,
    scoreUsers(b: UserBatch) {
      return decode(this.encodeUsers(b), b);
    },
    encodeItems: () => a,
    save: () => undefined,
  };
}

function users(count: number, items: number, seed: number): Csr {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < count; u++) {
    const seen = new Set<number>();
    while (seen.size < 30) seen.add(rng.int(items));
    for (const i of seen) {
      r.push(u);
      c.push(i);
    }
  }
  return Csr.fromTriplets(count, items, r, c);
}

async function exactBench(sizes: number[]): Promise<void> {
  const rows: string[][] = [];
  const rss0 = process.memoryUsage().rss;
  for (const n of sizes) {
    const a = itemMatrix(n, n);
    const model = linearModel(a);
    const x = users(400, n, 5);
    const sae = new SparseAutoencoder(makeSaeConfig("topk", D, 256, { k: 16, normalisation: "none" }), 1);
    sae.initialise(model.encodeUsers({ rows: x }));
    const nested = new NestedRecommender(model, sae);
    const tBuild = performance.now();
    servingIndexOf(model);
    const buildMs = performance.now() - tBuild;
    const batchOf = (u: number): UserBatch => ({ rows: x.gatherRows([u]), userIds: Int32Array.of(u) });
    const opsFor = (u: number): SteerOp[] => [
      {
        kind: "boost",
        knobs: [
          { neuron: (u * 7) % 256, alpha: 0.3 },
          { neuron: (u * 13 + 5) % 256, alpha: 0.2 },
        ],
      },
    ];
    const reps = n >= 1_000_000 ? 60 : 300;
    // index path: the first request per user fills the cache (as a server's first request does)
    const cold: number[] = [];
    const warm: number[] = [];
    const warmCpu: number[] = [];
    for (let t = 0; t < 2 * reps; t++) {
      const u = t % reps;
      const s = performance.now();
      const c = process.cpuUsage();
      recommend(model, sae, batchOf(u), { n: 20, steer: opsFor(t) });
      const cpu = process.cpuUsage(c);
      (t < reps ? cold : warm).push(performance.now() - s);
      if (t >= reps) warmCpu.push((cpu.user + cpu.system) / 1000);
    }
    // the decode path (what recommend did before): decode + mask + top-k for both lists
    const old: number[] = [];
    const oldCpu: number[] = [];
    for (let t = 0; t < Math.min(reps, 100); t++) {
      const b = batchOf(t);
      const s = performance.now();
      const c = process.cpuUsage();
      const enc = nested.encodeWithError(b);
      const steered = steerCode(enc.code, opsFor(t));
      topNUnseen(nested.scoresFromCode(enc.code, b, { addError: enc }), b.rows, 20);
      topNUnseen(nested.scoresFromCode(steered, b, { addError: enc }), b.rows, 20);
      old.push(performance.now() - s);
      const cpu = process.cpuUsage(c);
      oldCpu.push((cpu.user + cpu.system) / 1000);
    }
    // the bare index: one sgemv + selection
    const idx = new ExactItemIndex(a);
    const q = new Float32Array(D);
    new Rng(3).fillNormal(q, 0, 1);
    const bare: number[] = [];
    for (let t = 0; t < reps; t++) {
      const s = performance.now();
      idx.topKSync(q, 20);
      bare.push(performance.now() - s);
    }
    rows.push([
      n.toLocaleString("en-US"),
      ms(pct(warm, 50)),
      ms(pct(warm, 99)),
      ms(pct(warmCpu, 50)),
      ms(pct(cold, 50)),
      ms(pct(old, 50)),
      ms(pct(oldCpu, 50)),
      ms(pct(bare, 50)),
      (pct(old, 50) / pct(warm, 50)).toFixed(1),
      (buildMs / 1000).toFixed(1),
      mb(process.memoryUsage().rss - rss0),
    ]);
    console.log(rows[rows.length - 1].join(" | "));
  }
  console.log(
    `\nexact index, d ${D}, backend ${backendInfo().backend} (${backendInfo().threads} thread(s)), node ${process.version}, load average ${loadavg()[0].toFixed(1)}\n`,
  );
  console.log(
    markdownTable(
      [
        "items",
        "steered top-20 p50 ms (index, cached)",
        "p99 ms",
        "CPU ms p50",
        "p50 ms, first request of a user",
        "p50 ms, decode path (before)",
        "CPU ms p50 (before)",
        "bare index top-20 p50 ms",
        "speed-up",
        "index set-up s",
        "RSS growth MB (cumulative)",
      ],
      rows,
    ),
  );
  // heap growth with cached users (100k items)
  const a = itemMatrix(100_000, 9);
  const model = linearModel(a);
  const x = users(20_000, 100_000, 6);
  const sae = new SparseAutoencoder(makeSaeConfig("topk", D, 256, { k: 16, normalisation: "none" }), 1);
  sae.initialise(model.encodeUsers({ rows: x.rowRange(0, 400) }));
  const index = servingIndexOf(model);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const marks: string[][] = [];
  for (let u = 0; u < 10_000; u++) {
    recommend(model, sae, { rows: x.gatherRows([u]), userIds: Int32Array.of(u) }, { n: 20 });
    if ((u + 1) % 2500 === 0) {
      gc?.();
      marks.push([
        String(u + 1),
        String(index?.cachedLists),
        mb(process.memoryUsage().heapUsed - heap0),
        ((performance.now() - t0) / (u + 1)).toFixed(2),
      ]);
    }
  }
  console.log(
    `\n${markdownTable(["users served", "cached lists", "heap growth MB", "mean ms per unsteered request"], marks)}`,
  );
}

/**
 * A synthetic catalogue of n items: "gauss" (isotropic Gaussian, the hardest case for any
 * partitioning) or "clustered" (1000 Gaussian centres, items = centre + 0.5 x noise of the same
 * scale, norms spread by a log-normal popularity factor: closer to trained item embeddings).
 */
/** The item vectors (and bias) a served run's exact index scores with: `run:<dir>` catalogues. */
function runCatalogue(dir: string): { items: Matrix; bias: Float32Array | null } {
  const serving = servingIndexOf(loadModel(join(dir, "model")));
  if (!serving) throw new RangeError(`${dir}: the model has no linear decoder, so no item index`);
  return { items: serving.view.index.items, bias: serving.view.index.bias };
}

function catalogue(n: number, kind: string, seed: number): Matrix {
  if (kind === "gauss") return itemMatrix(n, seed);
  if (kind !== "clustered") throw new RangeError(`catalogue must be gauss or clustered, got ${kind}`);
  const rng = new Rng(seed);
  const centres = new Float32Array(1000 * D);
  rng.fillNormal(centres, 0, 1 / Math.sqrt(D));
  const m = new Matrix(n, D);
  rng.fillNormal(m.data, 0, 0.5 / Math.sqrt(D));
  for (let i = 0; i < n; i++) {
    const c = rng.int(1000);
    const scale = Math.exp(0.3 * (rng.uniform() + rng.uniform() + rng.uniform() - 1.5));
    for (let t = 0; t < D; t++) m.data[i * D + t] = (m.data[i * D + t] + centres[c * D + t]) * scale;
  }
  return m;
}

const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

/** HNSW graph settings of a build from RECLENS_BENCH_M / RECLENS_BENCH_EF_ADD (index defaults when unset). */
function graphOptions(): { connectivity?: number; expansionAdd?: number } {
  const m = Number(process.env.RECLENS_BENCH_M ?? 0);
  const efAdd = Number(process.env.RECLENS_BENCH_EF_ADD ?? 0);
  return { ...(m > 0 ? { connectivity: m } : {}), ...(efAdd > 0 ? { expansionAdd: efAdd } : {}) };
}

async function annBench(n: number, kind: string, dir: string, efs: number[]): Promise<void> {
  const fromRun = kind.startsWith("run:") ? runCatalogue(kind.slice(4)) : null;
  const a = fromRun ? fromRun.items : catalogue(n, kind, n);
  const bias = fromRun ? fromRun.bias : null;
  n = a.rows;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rss0 = process.memoryUsage().rss;
  let build = "(reopened: memory-mapped view)";
  if (!existsSync(`${dir}/reclens-index.json`)) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    UsearchItemIndex.build(dir, a, bias, { threads: 1, ...graphOptions() });
    const cpu = cpuMs(process.cpuUsage(c0)) / 1000;
    const rssBuilt = process.memoryUsage().rss - rss0;
    build = `build ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${cpu.toFixed(0)} s CPU (1 thread), RSS +${mb(rssBuilt)} MB after the build`;
  }
  const meta = readAnnMeta(dir);
  const fileMb = mb(statSync(`${dir}/${meta.file}`).size);
  const exact = new ExactItemIndex(a, bias);
  const rng = new Rng(77);
  const queries = Array.from({ length: 300 }, () => {
    // queries look like user vectors: sums of a few item vectors plus noise
    const q = new Float32Array(D);
    for (let t = 0; t < 10; t++) {
      const i = rng.int(n);
      for (let c = 0; c < D; c++) q[c] += a.data[i * D + c];
    }
    for (let c = 0; c < D; c++) q[c] += (rng.uniform() - 0.5) * 0.1;
    return q;
  });
  const truth = queries.map((q) => new Set(exact.topKSync(q, 20).items));
  const exactMs: number[] = [];
  for (const q of queries.slice(0, 30)) {
    const s = performance.now();
    exact.topKSync(q, 20);
    exactMs.push(performance.now() - s);
  }
  const rows: string[][] = [];
  let rssView = 0;
  for (const ef of efs) {
    const idx = UsearchItemIndex.open(dir, a, bias, { expansionSearch: ef });
    for (const q of queries.slice(0, 20)) idx.topKSync(q, 20, [0, 1]); // warm-up
    const lat: number[] = [];
    const cpu: number[] = [];
    let hit = 0;
    for (let t = 0; t < queries.length; t++) {
      const s = performance.now();
      const c = process.cpuUsage();
      const h = idx.topKSync(queries[t], 20);
      cpu.push(cpuMs(process.cpuUsage(c)));
      lat.push(performance.now() - s);
      for (const i of h.items) if (truth[t].has(i)) hit++;
    }
    rssView = Math.max(rssView, process.memoryUsage().rss - rss0);
    rows.push([
      String(ef),
      ms(pct(lat, 50)),
      ms(pct(lat, 99)),
      ms(pct(cpu, 50)),
      ms(pct(cpu, 99)),
      (hit / (20 * queries.length)).toFixed(3),
    ]);
    console.log(rows[rows.length - 1].join(" | "));
  }
  console.log(
    `\nANN: ${n.toLocaleString("en-US")} items (${kind}), d ${D}, usearch HNSW (M ${meta.connectivity}, expansion_add ${meta.expansionAdd}, ip); ` +
      `${build}; index file ${fileMb} MB; RSS growth while querying ${mb(rssView)} MB (item matrix excluded); ` +
      `exact index p50 ${ms(pct(exactMs, 50))} ms on the same queries; ${queries.length} queries; load average ${loadavg()[0].toFixed(1)}\n`,
  );
  console.log(
    markdownTable(["expansion_search", "p50 ms", "p99 ms", "CPU ms p50", "CPU ms p99", "recall@20"], rows),
  );
}

if (mode === "exact") {
  const sizes = (process.argv[3] ?? "10000,100000,200000,1000000").split(",").map(Number);
  await exactBench(sizes);
} else if (mode === "ann") {
  const n = Number(process.argv[3] ?? 1_000_000);
  const kind = process.argv[4] ?? "gauss";
  const efs = (process.argv[6] ?? "16,32,64,128,256").split(",").map(Number);
  await annBench(n, kind, process.argv[5] ?? `/tmp/reclens-ann-${kind}-${n}`, efs);
} else throw new RangeError(`mode must be exact or ann, got ${mode}`);
