/**
 * TopK SAE training step, reclens (src/sae, blas backend) against the PyTorch sparse-decode reference
 * (bench/kernels-torch.py `sae_sparse`: F.embedding_bag decoder, as sparsify without Triton), side by
 * side at 1 and 2 threads: `npx tsx bench/sae-vs-torch.ts [--rounds N] [--repeats N]`.
 *
 * The two sides alternate (reclens, PyTorch, reclens, ...) so that load from other jobs hits both;
 * each figure is the median over rounds of the median of `repeats` steps after one warm-up step, as
 * wall time and as process CPU time (all threads) per step. On a loaded machine CPU time is the
 * steadier measure of work; wall time is what a user waits for.
 */
import { loadavg } from "node:os";
import { backendInfo, kernels } from "../src/tensor/backend.js";
import { makeLibrarySaeStep, type SaeShape } from "./kernels-sae.js";
import { TorchServer, findTorchPython } from "./kernels-torch.js";
import { markdownTable, median } from "./timing.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = flag("--rounds", 3);
const REPEATS = flag("--repeats", 5);
const THREADS = [1, 2];
const SAE: SaeShape = { batch: 1024, d: 512, latents: 4096, k: 32 };

if (backendInfo().backend !== "blas") {
  console.error(
    "bench/sae-vs-torch.ts needs the blas backend (build the addon: node scripts/build-native.mjs)",
  );
  process.exit(1);
}
const py = findTorchPython();
if (!("python" in py)) {
  console.error(py.reason);
  process.exit(1);
}

/** Median wall and CPU ms per step of `repeats` steps after one warm-up. */
function timeSteps(step: () => void, repeats: number): { ms: number; cpuMs: number } {
  step();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu) };
}

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
const step = makeLibrarySaeStep(SAE);
const servers = await Promise.all(THREADS.map((t) => TorchServer.start(py.python, t)));
const ours = new Map<number, { ms: number[]; cpu: number[] }>();
const theirs = new Map<number, { ms: number[]; cpu: number[] }>();
const add = (m: Map<number, { ms: number[]; cpu: number[] }>, t: number, ms: number, cpu: number): void => {
  const e = m.get(t) ?? { ms: [], cpu: [] };
  e.ms.push(ms);
  e.cpu.push(cpu);
  m.set(t, e);
};
const loadBefore = loadavg()[0];
for (let round = 0; round < ROUNDS; round++) {
  for (const [ti, t] of THREADS.entries()) {
    kernels().setThreads(t);
    const mine = timeSteps(step, REPEATS);
    add(ours, t, mine.ms, mine.cpuMs);
    await pause();
    const r = await servers[ti].request({ op: "sae_sparse", ...SAE, warmup: 1, repeats: REPEATS });
    add(theirs, t, r.ms, r.cpuMs ?? Number.NaN);
    await pause();
    console.error(
      `round ${round + 1}/${ROUNDS}, ${t} thread(s): reclens ${mine.ms.toFixed(1)} ms (cpu ${mine.cpuMs.toFixed(1)}), ` +
        `PyTorch ${r.ms.toFixed(1)} ms (cpu ${(r.cpuMs ?? Number.NaN).toFixed(1)})`,
    );
  }
}
for (const s of servers) s.close();
const f = (x: number): string => x.toFixed(1);
const rows = THREADS.map((t) => {
  const a = ours.get(t) as { ms: number[]; cpu: number[] };
  const b = theirs.get(t) as { ms: number[]; cpu: number[] };
  const [am, ac, bm, bc] = [median(a.ms), median(a.cpu), median(b.ms), median(b.cpu)];
  return [
    String(t),
    `${f(am)} (${f(Math.min(...a.ms))})`,
    f(ac),
    `${f(bm)} (${f(Math.min(...b.ms))})`,
    f(bc),
    `${(am / bm).toFixed(2)}x`,
    `${(ac / bc).toFixed(2)}x`,
  ];
});
console.log(
  `batch ${SAE.batch}, d ${SAE.d}, ${SAE.latents} latents, k ${SAE.k}; PyTorch ${py.version}; ${ROUNDS} alternating round(s) x ${REPEATS} steps; load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`,
);
console.log(
  markdownTable(
    [
      "threads",
      "reclens ms/step median (best)",
      "reclens CPU ms/step",
      "PyTorch sparse ms/step median (best)",
      "PyTorch CPU ms/step",
      "reclens / PyTorch wall",
      "reclens / PyTorch CPU",
    ],
    rows,
  ),
);
