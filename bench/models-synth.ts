/**
 * Helpers for bench/models-scale.ts: a seeded, popularity-skewed synthetic interaction matrix built
 * directly as typed arrays (no triplet pass), column filtering to the most popular items, peak-RSS
 * reading, and the PyTorch ELSA epoch run through bench/models-elsa-torch.py.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Csr } from "../src/tensor/csr.js";
import { AliasSampler, Rng } from "../src/tensor/rng.js";

/** Shape and randomness of the synthetic matrix. */
export interface SynthShape {
  readonly users: number;
  readonly items: number;
  /** Target number of interactions (the result is within a fraction of a percent). */
  readonly nnz: number;
  readonly seed: number;
}

/**
 * users x items binary Csr. Item j is drawn with probability proportional to (j + 10)^-0.8 (item 0
 * most popular, the top item holds ~0.5% of interactions, as in ML-20M); user u has
 * round(exp(mu + sigma z)) distinct items (lognormal activity, sigma 1, clamped to [5, 5000], mu set
 * so the mean is nnz / users). Rows are sampled without replacement by rejection and sorted.
 */
export function synthInteractions(s: SynthShape): Csr {
  const rng = new Rng(s.seed);
  const weights = new Float64Array(s.items);
  for (let j = 0; j < s.items; j++) weights[j] = (j + 10) ** -0.8;
  const sampler = new AliasSampler(weights);
  const sigma = 1;
  const mu = Math.log(s.nnz / s.users) - (sigma * sigma) / 2;
  const cap = Math.min(5000, Math.floor(s.items / 4));
  const indptr = new Int32Array(s.users + 1);
  for (let u = 0; u < s.users; u++) {
    const n = Math.round(Math.exp(mu + sigma * rng.normal()));
    indptr[u + 1] = indptr[u] + Math.max(5, Math.min(cap, n));
  }
  const indices = new Int32Array(indptr[s.users]);
  const stamp = new Int32Array(s.items).fill(-1);
  for (let u = 0; u < s.users; u++) {
    const start = indptr[u];
    const end = indptr[u + 1];
    for (let p = start; p < end;) {
      const j = sampler.sample(rng);
      if (stamp[j] === u) continue;
      stamp[j] = u;
      indices[p++] = j;
    }
    indices.subarray(start, end).sort();
  }
  return new Csr(s.users, s.items, indptr, indices, new Float32Array(indices.length).fill(1));
}

/** The columns [0, keep) of `x` (the `keep` most popular items of a synthInteractions matrix). */
export function firstColumns(x: Csr, keep: number): Csr {
  const indptr = new Int32Array(x.rows + 1);
  let nnz = 0;
  for (let p = 0; p < x.nnz; p++) if (x.indices[p] < keep) nnz++;
  const indices = new Int32Array(nnz);
  let w = 0;
  for (let u = 0; u < x.rows; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) if (x.indices[p] < keep) indices[w++] = x.indices[p];
    indptr[u + 1] = w;
  }
  return new Csr(x.rows, keep, indptr, indices, new Float32Array(nnz).fill(1));
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
}

/** Settings of one PyTorch ELSA timing. */
export interface TorchElsaRequest {
  readonly dim: number;
  readonly batch: number;
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly threads: number;
  /** Timed epochs (the caller drops warm-up ones). */
  readonly repeats: number;
  readonly seed: number;
}

/** What the PyTorch side reports. */
export interface TorchElsaResult {
  readonly torch: string;
  readonly threads: number;
  readonly epochSec: number[];
  readonly batches: number;
  readonly loss: number;
}

const torchScript = fileURLToPath(new URL("./models-elsa-torch.py", import.meta.url));

/**
 * Runs `repeats` ELSA epochs of PyTorch over the binary matrix `x` (values must all be 1) in a child
 * Python process with the given thread count; the CSR goes through files in `tmpDir`.
 */
export function torchElsaEpochs(
  python: string,
  x: Csr,
  req: TorchElsaRequest,
  tmpDir: string,
): TorchElsaResult {
  for (let p = 0; p < x.nnz; p++)
    if (x.values[p] !== 1) throw new Error(`torchElsaEpochs: value ${x.values[p]} at entry ${p} is not 1`);
  mkdirSync(tmpDir, { recursive: true });
  const prefix = join(tmpDir, `elsa-${process.pid}-${x.rows}x${x.cols}`);
  const ptr = x.indptr;
  const idx = x.indices;
  writeFileSync(`${prefix}.indptr`, new Uint8Array(ptr.buffer, ptr.byteOffset, ptr.byteLength));
  writeFileSync(`${prefix}.indices`, new Uint8Array(idx.buffer, idx.byteOffset, idx.byteLength));
  writeFileSync(`${prefix}.json`, JSON.stringify({ prefix, rows: x.rows, cols: x.cols, ...req }));
  const t = String(req.threads);
  try {
    const r = spawnSync(python, [torchScript, `${prefix}.json`], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t },
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0)
      throw new Error(`PyTorch ELSA (${python}) failed: ${r.error?.message ?? r.stderr.trim()}`);
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as TorchElsaResult;
  } finally {
    for (const ext of [".indptr", ".indices", ".json"]) rmSync(`${prefix}${ext}`, { force: true });
  }
}
