/**
 * Kernels benchmark (not a test): `npm run bench:kernels [-- --write] [-- --quick] [-- --no-torch]`.
 *
 * 1. gemm GFLOP/s, blas backend on 1 and 2 threads, 1024x1024x1024 and (1024x512)x(512x4096); the
 *    reference backend only at 256^3 (its triple loop would take minutes at 1024^3); PyTorch on the
 *    same threads in a child Python process when one with torch is found, with the ratio.
 * 2. TopK SAE training step (batch 1024, d 512, 4096 latents, k 32: forward, backward, Adam),
 *    reclens (autograd + optim over the blas kernels) vs PyTorch.
 * 3. Non-gemm kernels: reference (TypeScript) vs blas (native C++), 1 and 2 threads.
 *
 * The machine is shared, so measurements are interleaved (each gemm and the SAE step: reclens, then
 * PyTorch from a long-lived Python process per thread count) and each figure is the median over
 * rounds of per-round medians. --write replaces the
 * "Kernels" section of bench/RESULTS.md.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { backendInfo } from "../src/tensor/backend.js";
import { blasKernels } from "../src/tensor/kernels/blas.js";
import { loadNative } from "../src/tensor/kernels/native.js";
import { referenceKernels } from "../src/tensor/kernels/reference.js";
import type { Kernels } from "../src/tensor/kernels/types.js";
import { Matrix } from "../src/tensor/matrix.js";
import { Rng } from "../src/tensor/rng.js";
import { opCases } from "./kernels-ops.js";
import { makeLibrarySaeStep, makeSaeStep, saeStepFlops, type SaeShape } from "./kernels-sae.js";
import { TorchServer, findTorchPython } from "./kernels-torch.js";
import { markdownTable, median, timeIt, writeResultsSection } from "./timing.js";

const argv = new Set(process.argv.slice(2));
const quick = argv.has("--quick");
const ROUNDS = quick ? 1 : 5;
const WARMUP = 2;
const REPEATS = quick ? 3 : 5;
const SAE_REPEATS = quick ? 2 : 3;
const THREADS = [1, 2];
const GEMMS: [number, number, number][] = [
  [1024, 1024, 1024],
  [1024, 512, 4096],
]; // m, k, n
const REF_GEMM: [number, number, number] = [256, 256, 256];
const SAE: SaeShape = { batch: 1024, d: 512, latents: 4096, k: 32 };

const load = loadNative();
// Select the backend now: the first kernels() call (inside autograd) would otherwise reset the
// thread count chosen below to RECLENS_THREADS / all cores.
if (!load.ok || backendInfo().backend !== "blas") {
  console.error(
    `bench:kernels needs the blas backend: ${load.ok ? "RECLENS_BACKEND forces reference" : load.reason}`,
  );
  process.exit(1);
}
const torchPy = argv.has("--no-torch") ? { reason: "--no-torch" } : findTorchPython();
const torchNote =
  "python" in torchPy
    ? `PyTorch ${torchPy.version} (${torchPy.python})`
    : `PyTorch not run: ${torchPy.reason}`;
const loadBefore = loadavg()[0];
console.log(
  `machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores; ${load.addon.config().config}; node ${process.version}; ${torchNote}`,
);

function gemmTiming(
  k: Kernels,
  [m, kk, n]: [number, number, number],
  warmup: number,
  repeats: number,
): number {
  const rng = new Rng(7);
  const a = new Matrix(m, kk);
  const b = new Matrix(kk, n);
  rng.fillNormal(a.data);
  rng.fillNormal(b.data);
  const c = new Matrix(m, n);
  return timeIt(() => k.gemm(false, false, 1, a, b, 0, c), warmup, repeats).medianMs;
}

const gflops = ([m, k, n]: [number, number, number], ms: number): number => (2 * m * n * k) / (ms * 1e6);
const shapeName = ([m, k, n]: [number, number, number]): string =>
  m === k && k === n ? `${m}^3` : `(${m}x${k})x(${k}x${n})`;

// ---- 1 and 2: gemm and SAE step, interleaved with PyTorch ----
const blasMs = new Map<string, number[]>();
const torchMs = new Map<string, number[]>();
const push = (map: Map<string, number[]>, key: string, v: number): void =>
  void map.set(key, [...(map.get(key) ?? []), v]);
// Idle OpenBLAS threads spin for a while after a call; pausing between sides lets them sleep.
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
const saeStep = makeSaeStep(SAE);
const librarySaeStep = makeLibrarySaeStep(SAE);
const servers =
  "python" in torchPy ? await Promise.all(THREADS.map((t) => TorchServer.start(torchPy.python, t))) : [];
for (let round = 0; round < ROUNDS; round++) {
  for (const [ti, t] of THREADS.entries()) {
    const torch = servers[ti];
    blasKernels.setThreads(t);
    for (const g of GEMMS) {
      push(blasMs, `${t}:${shapeName(g)}`, gemmTiming(blasKernels, g, WARMUP, REPEATS));
      await pause();
      if (torch) {
        const [m, k, n] = g;
        push(
          torchMs,
          `${t}:${shapeName(g)}`,
          (await torch.request({ op: "gemm", m, k, n, warmup: WARMUP, repeats: REPEATS })).ms,
        );
        await pause();
      }
    }
    push(blasMs, `${t}:sae`, timeIt(saeStep, 1, SAE_REPEATS).medianMs);
    await pause();
    push(blasMs, `${t}:libsae`, timeIt(librarySaeStep, 1, SAE_REPEATS).medianMs);
    await pause();
    if (torch) {
      push(
        torchMs,
        `${t}:sae`,
        (await torch.request({ op: "sae_sparse", ...SAE, warmup: 1, repeats: SAE_REPEATS })).ms,
      );
      await pause();
    }
    console.log(`round ${round + 1}/${ROUNDS}, ${t} thread(s) done`);
  }
}
for (const s of servers) s.close();
const refMs = gemmTiming(referenceKernels, REF_GEMM, 1, 3);

const f1 = (x: number): string => x.toFixed(1);
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
const gemmRows: string[][] = [
  ["reference", "1", shapeName(REF_GEMM), f1(refMs), f1(gflops(REF_GEMM, refMs)), "-", "-", "-"],
];
const saeRows: string[][] = [];
const ratios: number[] = [];
for (const t of THREADS) {
  for (const g of GEMMS) {
    const key = `${t}:${shapeName(g)}`;
    const ours = blasMs.get(key) ?? [];
    const theirs = torchMs.get(key);
    const ms = median(ours);
    const cells = [f1(ms), `${f1(gflops(g, ms))} / ${f1(gflops(g, Math.min(...ours)))}`];
    if (theirs) {
      const tms = median(theirs);
      ratios.push(tms / ms);
      cells.push(
        `${f1(gflops(g, tms))} / ${f1(gflops(g, Math.min(...theirs)))}`,
        pct(tms / ms),
        pct(Math.min(...theirs) / Math.min(...ours)),
      );
    } else {
      cells.push("n/a", "n/a", "n/a");
    }
    gemmRows.push(["blas", String(t), shapeName(g), ...cells]);
  }
  const lib = blasMs.get(`${t}:libsae`) ?? [];
  const ours = blasMs.get(`${t}:sae`) ?? [];
  const theirs = torchMs.get(`${t}:sae`);
  const libMs = median(lib);
  const ms = median(ours);
  const cells = [
    `${f1(libMs)} / ${f1(Math.min(...lib))}`,
    `${f1(ms)} / ${f1(Math.min(...ours))}`,
    f1(saeStepFlops(SAE) / (ms * 1e6)),
  ];
  if (theirs)
    cells.push(
      `${f1(median(theirs))} / ${f1(Math.min(...theirs))}`,
      `${(median(theirs) / libMs).toFixed(2)}x`,
      `${(median(theirs) / ms).toFixed(2)}x`,
    );
  else cells.push("n/a", "n/a", "n/a");
  saeRows.push([String(t), ...cells]);
}
const gemmTable = markdownTable(
  [
    "backend",
    "threads",
    "gemm",
    "ms (median)",
    "GFLOP/s median / best",
    "PyTorch GFLOP/s median / best",
    "blas / PyTorch (median)",
    "blas / PyTorch (best)",
  ],
  gemmRows,
);
const saeTable = markdownTable(
  [
    "threads",
    "src/sae step ms median / best",
    "autograd step ms median / best",
    "autograd gemm GFLOP/s (median)",
    "PyTorch ms/step median / best",
    "PyTorch / src/sae (median)",
    "PyTorch / autograd (median)",
  ],
  saeRows,
);

// ---- 3: non-gemm kernels ----
const opRows: string[][] = [];
for (const op of opCases()) {
  const ref = timeIt(() => op.run(referenceKernels), 1, quick ? 2 : 3).medianMs;
  const perThread = THREADS.map((t) => {
    blasKernels.setThreads(t);
    return timeIt(() => op.run(blasKernels), WARMUP, REPEATS).medianMs;
  });
  opRows.push([op.name, f1(ref), ...perThread.map((ms) => `${ms.toFixed(2)} (${(ref / ms).toFixed(1)}x)`)]);
}
blasKernels.setThreads(availableParallelism());
const opTable = markdownTable(
  ["kernel", "reference ms", ...THREADS.map((t) => `blas ms, ${t} thread(s) (speed-up)`)],
  opRows,
);

const loadAfter = loadavg()[0];
const target =
  ratios.length > 0
    ? `On medians, blas gemm reaches ${pct(Math.min(...ratios))}-${pct(Math.max(...ratios))} of PyTorch's GFLOP/s (target >= 90%); "best" is the fastest round of each side.`
    : "PyTorch comparison not run.";
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:kernels\`. Machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, ` +
    `shared with other jobs (1-min load average ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end), so figures are noisy; ` +
    `${load.addon.config().config}; node ${process.version}; ${torchNote}. Each figure is the median (or best) over ${ROUNDS} interleaved round(s) of the median of ${REPEATS} timed runs after ${WARMUP} warm-up runs (SAE step: ${SAE_REPEATS} runs after 1).`,
  "",
  "### gemm (C = A B, float32)",
  "",
  gemmTable,
  "",
  `The reference backend is measured at ${shapeName(REF_GEMM)} only: its triple loop would take minutes at 1024^3. ${target}`,
  "",
  `### TopK SAE training step (batch ${SAE.batch}, d ${SAE.d}, ${SAE.latents} latents, k ${SAE.k}: forward, backward, Adam)`,
  "",
  saeTable,
  "",
  "src/sae is the library's TopK SAE (hand-written backward that exploits the k-sparse code: only the encoder product is a dense gemm), with decoder-gradient projection and renormalisation on top of the same work. PyTorch is the sparse-decode reference step of bench/kernels-torch.py (`sae_sparse`: decoder through F.embedding_bag on the k active latents, as sparsify without Triton, same projection, Adam and renormalisation). The autograd column is the naive dense step on the generic tape (a dense code and five gemms); its GFLOP/s counts only those five gemms. A ratio above 1x means reclens is faster. bench/sae-vs-torch.ts measures the same step side by side with CPU time.",
  "",
  "### Non-gemm kernels: reference (TypeScript) vs blas (native C++)",
  "",
  opTable,
];
console.log(`\n${report.join("\n")}\n`);
if (argv.has("--write")) {
  const path = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
  writeResultsSection(path, "Kernels", report.join("\n"));
  console.log(`wrote the Kernels section of ${path}`);
}
