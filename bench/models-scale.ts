/**
 * Recommender scale and speed benchmark (not a test).
 *
 * 1. ML-latest-small (training users of the seed-42 held-out split): EASE fit time, ELSA (d 256,
 *    batch 64) epoch time, and the same ELSA epoch in PyTorch (bench/models-elsa-torch.py) with the ratio.
 * 2. ML-20M/25M-sized synthetic data (140k users x 30k items, ~20M interactions, popularity-skewed,
 *    built directly as typed arrays): build time and peak RSS; ELSA d 256 epoch time (over a slice of
 *    users, extrapolated to all users, unless --elsa-users 0) against PyTorch on the same slice;
 *    EASE on the most popular --ease-items items (fit time split into Gram / inverse / the rest) and
 *    Csr.fromTriplets on the same 20M entries.
 * Each phase runs in its own Node process so that its peak RSS (process.resourceUsage().maxRSS) is its own.
 *
 *   npx tsx bench/models-scale.ts [--data <ml-latest-small dir or name>] [--phases small,elsa,ease,triplets]
 *       [--users 140000] [--items 30000] [--nnz 20000000] [--ease-items 20000] [--elsa-users 20000]
 *       [--repeats 3] [--threads N] [--tmp DIR] [--write] [--render <results.json>]
 * --write replaces the "Models" section of bench/RESULTS.md; --render re-renders the JSON line a run printed last.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/load.js";
import { heldOutUsersSplit } from "../src/data/splits/index.js";
import { createModel } from "../src/models/index.js";
import { backendInfo, kernels } from "../src/tensor/backend.js";
import { Csr } from "../src/tensor/csr.js";
import type { Kernels } from "../src/tensor/kernels/types.js";
import { Rng } from "../src/tensor/rng.js";
import { findTorchPython } from "./kernels-torch.js";
import { firstColumns, peakRssMiB, synthInteractions, torchElsaEpochs } from "./models-synth.js";
import { markdownTable, median, writeResultsSection } from "./timing.js";

const { values: o } = parseArgs({
  options: {
    phase: { type: "string" },
    phases: { type: "string", default: "small,elsa,ease,triplets" },
    data: {
      type: "string",
      default: fileURLToPath(new URL("../../shared/data/ml-latest-small", import.meta.url)),
    },
    users: { type: "string", default: "140000" },
    items: { type: "string", default: "30000" },
    nnz: { type: "string", default: "20000000" },
    "ease-items": { type: "string", default: "20000" },
    "elsa-users": { type: "string", default: "20000" },
    repeats: { type: "string", default: "3" },
    threads: { type: "string" },
    tmp: { type: "string", default: join(tmpdir(), "reclens-bench-models") },
    write: { type: "boolean", default: false },
    render: { type: "string" },
  },
});
const shape = { users: Number(o.users), items: Number(o.items), nnz: Number(o.nnz), seed: 7 };
const repeats = Number(o.repeats);
const elsaConfig = { dim: 256, batchSize: 64, lr: 0.02, beta1: 0.9, beta2: 0.999, epochs: 1 };
const log = (s: string): void => void process.stderr.write(`${s}\n`);
type Result = Record<string, unknown>;

function setThreads(): number {
  if (o.threads) kernels().setThreads(Number(o.threads));
  return backendInfo().threads;
}

function torchPython(): string | undefined {
  const py = findTorchPython();
  if ("python" in py) return py.python;
  log(`PyTorch comparison skipped: ${py.reason}`);
  return undefined;
}

/** ELSA epochs in reclens (median of `n`) on x. */
async function elsaEpochs(x: Csr, n: number): Promise<number[]> {
  const secs: number[] = [];
  for (let r = 0; r < n; r++) {
    const model = createModel("elsa", elsaConfig);
    const rep = await model.fit(x, { rng: new Rng(r + 1) });
    secs.push(rep.seconds);
    log(`  reclens ELSA epoch ${rep.seconds.toFixed(2)} s (loss ${rep.losses[0].toFixed(4)})`);
  }
  return secs;
}

function torchEpochs(x: Csr, threads: number, n: number): Result {
  const py = torchPython();
  if (!py) return {};
  const t = torchElsaEpochs(
    py,
    x,
    { ...elsaConfig, batch: elsaConfig.batchSize, threads, repeats: n, seed: 1 },
    o.tmp,
  );
  log(
    `  PyTorch ${t.torch} ELSA epochs ${t.epochSec.map((s) => s.toFixed(2)).join(", ")} s (loss ${t.loss.toFixed(6)})`,
  );
  return { torch: t.torch, torchEpochSec: t.epochSec, torchBatches: t.batches };
}

async function phaseSmall(): Promise<Result> {
  const threads = setThreads();
  let ds;
  try {
    ds = await loadDataset(o.data, { cache: false });
  } catch (err) {
    const skipped = `dataset "${o.data}" not loaded (${(err as Error).message.split("\n")[0]})`;
    log(`small: skipped, ${skipped}`);
    return { skipped };
  }
  const x = heldOutUsersSplit(ds, { seed: 42 }).train;
  log(`small: ${ds.name} training users ${x.rows} x ${x.cols}, ${x.nnz} interactions, ${threads} thread(s)`);
  const ease: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const rep = await createModel("ease", { lambda: 100 }).fit(x, { rng: new Rng(1) });
    ease.push(rep.seconds);
    log(`  EASE fit ${rep.seconds.toFixed(2)} s`);
  }
  const elsa = (await elsaEpochs(x, repeats + 1)).slice(1); // first epoch is warm-up
  const torch = torchEpochs(x, threads, repeats + 1);
  const torchSec = (torch.torchEpochSec as number[] | undefined)?.slice(1);
  return {
    name: ds.name,
    users: x.rows,
    items: x.cols,
    nnz: x.nnz,
    threads,
    easeSec: ease,
    elsaSec: elsa,
    ...torch,
    torchEpochSec: torchSec,
    peakRssMiB: peakRssMiB(),
  };
}

function buildSynth(): { x: Csr; buildSec: number } {
  const t0 = performance.now();
  const x = synthInteractions(shape);
  const buildSec = (performance.now() - t0) / 1000;
  log(
    `synthetic ${x.rows} x ${x.cols}, ${x.nnz} interactions built in ${buildSec.toFixed(1)} s, peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
  return { x, buildSec };
}

async function phaseElsa(): Promise<Result> {
  const threads = setThreads();
  const { x, buildSec } = buildSynth();
  const rssAfterBuild = peakRssMiB();
  const sliceUsers = Number(o["elsa-users"]) > 0 ? Math.min(x.rows, Number(o["elsa-users"])) : x.rows;
  const slice = sliceUsers < x.rows ? x.rowRange(0, sliceUsers) : x;
  log(
    `elsa: d ${elsaConfig.dim}, batch ${elsaConfig.batchSize}, epoch over ${slice.rows} users (${slice.nnz} interactions), ${threads} thread(s)`,
  );
  const n = Math.max(1, Math.min(repeats, 2));
  const elsa = await elsaEpochs(slice, n);
  const rssAfterElsa = peakRssMiB();
  const torch = torchEpochs(slice, threads, n);
  return {
    users: x.rows,
    items: x.cols,
    nnz: x.nnz,
    buildSec,
    rssAfterBuild,
    rssAfterElsa,
    sliceUsers: slice.rows,
    sliceNnz: slice.nnz,
    threads,
    elsaSec: elsa,
    ...torch,
    peakRssMiB: peakRssMiB(),
  };
}

async function phaseEase(): Promise<Result> {
  const threads = setThreads();
  const full = buildSynth().x;
  const x = firstColumns(full, Math.min(full.cols, Number(o["ease-items"])));
  const rssData = peakRssMiB();
  log(
    `ease: ${x.rows} x ${x.cols}, ${x.nnz} interactions (the ${x.cols} most popular items), lambda 500, ${threads} thread(s)`,
  );
  // Time the inverse and the sparse products inside Ease.fit by wrapping the kernels.
  const k = kernels() as { -readonly [K in keyof Kernels]: Kernels[K] };
  const inv = k.spdInverse;
  const mm = k.csrMm;
  let invStart = 0;
  let invSec = 0;
  let mmSec = 0;
  k.spdInverse = (a) => {
    invStart = performance.now();
    const r = inv.call(k, a);
    invSec += (performance.now() - invStart) / 1000;
    return r;
  };
  k.csrMm = (...args) => {
    const t = performance.now();
    const r = mm.apply(k, args);
    mmSec += (performance.now() - t) / 1000;
    return r;
  };
  const t0 = performance.now();
  const rep = await createModel("ease", { lambda: 500 }).fit(x, { rng: new Rng(1) });
  const gramSec = (invStart - t0) / 1000;
  k.spdInverse = inv;
  k.csrMm = mm;
  log(
    `  EASE fit ${rep.seconds.toFixed(1)} s: Gram ${gramSec.toFixed(1)} s, inverse ${invSec.toFixed(1)} s, reconstruction diagnostic X B ${mmSec.toFixed(1)} s`,
  );
  return {
    users: x.rows,
    items: x.cols,
    nnz: x.nnz,
    threads,
    fitSec: rep.seconds,
    gramSec,
    invSec,
    reconMmSec: mmSec,
    rssData,
    peakRssMiB: peakRssMiB(),
  };
}

function phaseTriplets(): Result {
  const { x } = buildSynth();
  const r = new Int32Array(x.nnz);
  for (let u = 0; u < x.rows; u++) r.fill(u, x.indptr[u], x.indptr[u + 1]);
  const c = x.indices.slice();
  // Shuffle the triplet order so fromTriplets has to sort, as with a real file.
  const rng = new Rng(3);
  for (let i = c.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [r[i], r[j]] = [r[j], r[i]];
    [c[i], c[j]] = [c[j], c[i]];
  }
  const rssBefore = peakRssMiB();
  const t0 = performance.now();
  const y = Csr.fromTriplets(x.rows, x.cols, r, c);
  const sec = (performance.now() - t0) / 1000;
  let same = y.nnz === x.nnz;
  for (let p = 0; same && p < x.nnz; p++) same = y.indices[p] === x.indices[p];
  log(
    `triplets: Csr.fromTriplets on ${x.nnz} entries ${sec.toFixed(1)} s, identical ${same}, peak RSS ${peakRssMiB().toFixed(0)} MiB`,
  );
  return { nnz: x.nnz, sec, same, rssBefore, peakRssMiB: peakRssMiB() };
}

const phases: Record<string, () => Promise<Result> | Result> = {
  small: phaseSmall,
  elsa: phaseElsa,
  ease: phaseEase,
  triplets: phaseTriplets,
};

/** Runs one phase in a child Node process (same loader flags) and returns its JSON result. */
function runChild(phase: string): Promise<Result> {
  const self = fileURLToPath(import.meta.url);
  const args = process.argv.slice(2).filter((a) => a !== "--write");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, self, ...args, "--phase", phase], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`phase ${phase} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}") as Result);
    });
  });
}

const f = (x: number, d = 1): string => x.toFixed(d);
const num = (r: Result, k: string): number => r[k] as number;
const med = (r: Result, k: string): number => median(r[k] as number[]);

if (o.phase) {
  const fn = phases[o.phase];
  if (!fn) throw new Error(`unknown phase "${o.phase}" (known: ${Object.keys(phases).join(", ")})`);
  process.stdout.write(`${JSON.stringify(await fn())}\n`);
} else {
  let results: Record<string, Result>;
  if (o.render) {
    results = JSON.parse(readFileSync(o.render, "utf8")) as Record<string, Result>;
  } else {
    const loadBefore = loadavg()[0];
    results = {};
    for (const p of o.phases.split(",")) results[p] = await runChild(p);
    results.meta = {
      date: new Date().toISOString().slice(0, 10),
      cpu: cpus()[0]?.model ?? "?",
      cores: availableParallelism(),
      loadBefore,
      loadAfter: loadavg()[0],
      backend: backendInfo().backend,
      threads: setThreads(),
      node: process.version,
    };
  }
  const text = render(results);
  console.log(text);
  console.log(JSON.stringify(results));
  if (o.write) writeResultsSection(fileURLToPath(new URL("./RESULTS.md", import.meta.url)), "Models", text);
}

/** How many timings a phase recorded under `key` (0 when the phase did not run). */
function runsOf(r: Result | undefined, key: string): number {
  return Array.isArray(r?.[key]) ? (r[key] as unknown[]).length : 0;
}

/** The markdown report of a run's results. */
function render(results: Record<string, Result>): string {
  const m = results.meta;
  const lines: string[] = [];
  lines.push(
    `Measured ${String(m.date)} by \`npm run bench:models\`. Machine: ${String(m.cpu)}, ` +
      `${num(m, "cores")} cores shared with other jobs (1-min load average ${f(num(m, "loadBefore"))} at start, ${f(num(m, "loadAfter"))} at end); ` +
      `backend ${String(m.backend)}, ${num(m, "threads")} thread(s) on both sides; node ${String(m.node)}. ` +
      `ELSA: d ${elsaConfig.dim}, batch ${elsaConfig.batchSize}, Adam lr ${elsaConfig.lr}; PyTorch runs the official formulation ` +
      `(dense batch, autograd, torch.optim.Adam) in a child process (bench/models-elsa-torch.py). ` +
      `"PyTorch / reclens" is PyTorch's time over reclens' time (above 1: reclens is faster). ` +
      `Times are medians of ${runsOf(results.small, "elsaSec")} run(s) on ML-latest-small (ELSA after one warm-up epoch) ` +
      `and of ${runsOf(results.elsa, "elsaSec")} full epoch(s) on the synthetic data; EASE is one fit.`,
    "",
  );
  const rows: string[][] = [];
  const s = results.small;
  if (s?.skipped) lines.push(`ML-latest-small phase skipped: ${String(s.skipped)}.`, "");
  else if (s) {
    const t = s.torchEpochSec ? median(s.torchEpochSec as number[]) : NaN;
    rows.push([
      `${String(s.name)} training users (${num(s, "users")} x ${num(s, "items")}, ${num(s, "nnz")} nnz)`,
      `${f(med(s, "easeSec"), 2)} s (lambda 100)`,
      `${f(med(s, "elsaSec"), 3)} s`,
      Number.isNaN(t) ? "n/a" : `${f(t, 3)} s`,
      Number.isNaN(t) ? "n/a" : `${f(t / med(s, "elsaSec"), 2)}x`,
      `${f(num(s, "peakRssMiB"), 0)} MiB`,
    ]);
  }
  const e = results.elsa;
  const ea = results.ease;
  if (e || ea) {
    const scale = e ? num(e, "users") / num(e, "sliceUsers") : 1;
    const t = e?.torchEpochSec ? median(e.torchEpochSec as number[]) : NaN;
    rows.push([
      `synthetic ${num(e ?? ea, "users")} x ${e ? num(e, "items") : "?"}, ${e ? num(e, "nnz") : "?"} nnz`,
      ea
        ? `${f(num(ea, "fitSec"))} s at ${num(ea, "items")} items (Gram ${f(num(ea, "gramSec"))}, inverse ${f(num(ea, "invSec"))}, X B diagnostic ${f(num(ea, "reconMmSec"))})`
        : "-",
      e
        ? `${f(med(e, "elsaSec") * scale)} s${scale > 1 ? ` (${f(med(e, "elsaSec"))} s for ${num(e, "sliceUsers")} users x ${f(scale, 2)})` : ""}`
        : "-",
      Number.isNaN(t) ? "n/a" : `${f(t * scale)} s${scale > 1 ? ` (${f(t)} s x ${f(scale, 2)})` : ""}`,
      Number.isNaN(t) || !e ? "n/a" : `${f(t / med(e, "elsaSec"), 2)}x`,
      [
        e ? `ELSA ${f(num(e, "peakRssMiB"), 0)} MiB (data alone ${f(num(e, "rssAfterBuild"), 0)})` : "",
        ea ? `EASE ${f(num(ea, "peakRssMiB"), 0)} MiB` : "",
      ]
        .filter(Boolean)
        .join("; "),
    ]);
  }
  lines.push(
    markdownTable(
      ["data", "EASE fit", "ELSA epoch", "PyTorch ELSA epoch", "PyTorch / reclens", "peak RSS"],
      rows,
    ),
    "",
  );
  if (e && num(e, "sliceUsers") < num(e, "users"))
    lines.push(
      `The synthetic ELSA epoch is timed over the first ${num(e, "sliceUsers")} users (${num(e, "sliceNnz")} interactions, ` +
        `all ${num(e, "items")} items, so every batch costs what it costs in a full epoch) and scaled by users; the full epoch was not run.`,
    );
  if (e && ea && num(ea, "items") < num(e, "items")) {
    const n = num(e, "items");
    const k = num(ea, "items");
    const rest = num(ea, "fitSec") - num(ea, "gramSec") - num(ea, "invSec") - num(ea, "reconMmSec");
    const nnzRatio = num(e, "nnz") / num(ea, "nnz");
    const projSec =
      num(ea, "gramSec") * nnzRatio ** 2 +
      num(ea, "invSec") * (n / k) ** 3 +
      num(ea, "reconMmSec") * (n / k) * nnzRatio +
      rest * (n / k) ** 2;
    const projGiB = (num(ea, "rssData") + (3 * 4 * n * n) / 2 ** 20) / 1024;
    lines.push(
      `EASE was fitted on the ${k} most popular items (${num(ea, "nnz")} interactions). At all ${n} items it was not run; ` +
        `projected: inverse x (${n}/${k})^3, X B x ${f((n / k) * nnzRatio, 2)}, the dense n x n loops x ${f((n / k) ** 2, 2)}, Gram x ${f(nnzRatio ** 2, 2)} (interactions squared) ` +
        `-> about ${f(projSec / 60)} min, and peak RSS about ${f(projGiB)} GiB (three dense n x n float32 buffers are alive at once: ` +
        `G, the LAPACK work copy and P^-1, then G, P^-1 and B; measured ${f(num(ea, "peakRssMiB") / 1024)} GiB at ${k} items). ` +
        `The remaining ${f(rest)} s at ${k} items is B = -P / diag(P) (a column-order loop) and the other O(n^2) passes.`,
    );
  }
  if (e) lines.push(`Synthetic matrix built directly as typed arrays in ${f(num(e, "buildSec"))} s.`);
  const tr = results.triplets;
  if (tr)
    lines.push(
      `Csr.fromTriplets on the same ${num(tr, "nnz")} entries (shuffled): ${f(num(tr, "sec"))} s, peak RSS ${f(num(tr, "peakRssMiB"), 0)} MiB (${f(num(tr, "rssBefore"), 0)} MiB before the call); result identical: ${String(tr.same)}.`,
    );
  return lines.join("\n\n").replace(/\n\n\n+/g, "\n\n");
}
