/**
 * Peak memory of the EASE fit, before and after the in-place inverse (not a test):
 * `npx tsx bench/ease-memory.ts --items N [--users U] [--mode inplace|copy]`, one mode per process so
 * the peak resident set (process.resourceUsage().maxRSS) belongs to that mode alone.
 *
 * "copy" is the former path (Gram G, then P = spdInverse(G) into a second buffer while the addon holds
 * a third, float32 work copy); "inplace" is src/models/ease.ts now (G inverted in its own buffer, B
 * overwriting it). Data: U users x N items, 40 random items per user (seeded). Prints one JSON line.
 */
import { easeWeights, gramMatrix } from "../src/models/ease.js";
import { kernels } from "../src/tensor/backend.js";
import { Csr } from "../src/tensor/csr.js";
import { Rng } from "../src/tensor/rng.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const items = Number(opt("--items", "8000"));
const users = Number(opt("--users", String(items * 4)));
const mode = opt("--mode", "inplace");
if (!Number.isInteger(items) || items < 1 || !["inplace", "copy"].includes(mode)) {
  console.error(`bad arguments: --items ${items} --mode ${mode} (mode: inplace | copy)`);
  process.exit(2);
}

const rng = new Rng(11);
const perUser = 40;
const indptr = new Int32Array(users + 1);
const indices = new Int32Array(users * perUser);
for (let u = 0; u < users; u++) {
  const picked = new Set<number>();
  while (picked.size < Math.min(perUser, items)) picked.add(Math.floor(rng.uniform() * items));
  indices.set(
    [...picked].sort((a, b) => a - b),
    u * perUser,
  );
  indptr[u + 1] = (u + 1) * perUser;
}
const x = new Csr(users, items, indptr, indices, new Float32Array(indices.length).fill(1));
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
let b;
if (mode === "inplace") {
  b = easeWeights(x, 500);
} else {
  const g = gramMatrix(x);
  for (let i = 0; i < items; i++) g.data[i * items + i] += 500;
  const p = kernels().spdInverse(g);
  const scale = new Float32Array(items);
  for (let j = 0; j < items; j++) scale[j] = -1 / p.data[j * items + j];
  for (let i = 0; i < items; i++) {
    const row = p.row(i);
    for (let j = 0; j < items; j++) row[j] *= scale[j];
    row[i] = 0;
  }
  b = p;
}
const seconds = (performance.now() - t0) / 1000;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    mode,
    items,
    users,
    threads: kernels().threads(),
    seconds: Number(seconds.toFixed(2)),
    peakRssMiB: Math.round(maxRssMiB),
    rssBeforeFitMiB: Math.round(rssBefore / 2 ** 20),
    matrixMiB: Math.round((items * items * 4) / 2 ** 20),
    check: b.data[1],
  }),
);
