/**
 * Serving benchmark (not a test): latency of a steered recommendation (in process and over HTTP on
 * loopback) and requests/s under load with autocannon, with a zero-error check.
 *
 *   npx tsx bench/serve.ts [synth | synth:<users>x<items> | <dataset path or name>]
 *   DURATION=5 CONNECTIONS=8 npx tsx bench/serve.ts synth:5000x3000
 *   npx tsx bench/serve.ts /work/shared/data/ml-latest-small
 *
 * Builds a workspace from scratch (ELSA dim 64, TopK SAE 256 latents k 16), then measures:
 * 1. recommendForUser (encode one row, boost two knobs, decode, top-20, JSON view) in process;
 * 2. sequential GET /api/users/:id/recommendations?boost=... over one keep-alive connection;
 * 3. autocannon: CONNECTIONS concurrent connections for DURATION seconds, rotating users and knobs.
 * Server and load generator share this machine's cores, so requests/s is a lower bound.
 */
import { loadavg } from "node:os";
import { basename } from "node:path";
import autocannon from "autocannon";
import { startServer } from "../src/serve/api.js";
import { benchDataset, benchWorkspace } from "./bench-workspace.js";
import { recommendForUser } from "../src/serve/steering.js";
import { backendInfo } from "../src/tensor/backend.js";
import { markdownTable, writeResultsSection } from "./timing.js";

const source = process.argv[2] ?? "synth";
/** How the run is named in RESULTS.md (no local paths). */
const sourceName = source.startsWith("synth") ? source : basename(source);
const duration = Number(process.env.DURATION ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 8);
if (!(duration > 0 && duration <= 60))
  throw new RangeError(`DURATION must be in (0, 60] seconds, got ${process.env.DURATION}`);
if (!(Number.isInteger(connections) && connections >= 1 && connections <= 64))
  throw new RangeError(`CONNECTIONS must be an integer in [1, 64]`);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const t0 = performance.now();
const data = await benchDataset(source);
const { model, sae, ws, workspaceSec: wsSec } = await benchWorkspace(data);
const setupSec = (performance.now() - t0) / 1000;
const users = ws.users.ids.length;
const live = Array.from({ length: sae.dSae }, (_, j) => j).filter((j) => ws.neurons.firingCount[j] > 0);
const knobs = (t: number): { neuron: number; alpha: number }[] =>
  [
    { neuron: live[t % live.length], alpha: 0.3 },
    { neuron: live[(t * 7 + 3) % live.length], alpha: 0.2 },
  ].filter((k, q, a) => q === 0 || k.neuron !== a[0].neuron);
console.log(
  `${data.name}: ${users} users x ${data.items.length} items; elsa dim ${model.dim}, topk SAE ${sae.dSae} (k 16), ${live.length} live; ` +
    `backend ${backendInfo().backend}; setup ${setupSec.toFixed(1)} s (workspace ${wsSec.toFixed(1)} s)`,
);

// 1. In process.
const inproc: number[] = [];
for (let t = 0; t < 2200; t++) {
  const s = performance.now();
  recommendForUser(ws, (t * 37) % users, 20, { boost: knobs(t), suppress: [] });
  if (t >= 200) inproc.push(performance.now() - s);
}
inproc.sort((a, b) => a - b);

// 2. Sequential HTTP on loopback.
const server = await startServer(ws, { port: 0, webRoot: null });
const path = (t: number): string =>
  `/api/users/${encodeURIComponent(ws.users.ids[(t * 37) % users])}/recommendations?n=20&boost=${knobs(t)
    .map((k) => `${k.neuron}:${k.alpha}`)
    .join(",")}`;
const seq: number[] = [];
let seqErrors = 0;
for (let t = 0; t < 1100; t++) {
  const s = performance.now();
  const res = await fetch(server.url + path(t));
  await res.arrayBuffer();
  if (res.status !== 200) seqErrors++;
  if (t >= 100) seq.push(performance.now() - s);
}
seq.sort((a, b) => a - b);

// 3. Load with autocannon.
let counter = 0;
const load = await autocannon({
  url: server.url,
  connections,
  duration,
  requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: path(counter++) }) }],
});
await server.close();

const ms = (x: number): string => x.toFixed(2);
const rows = [
  ["in process (recommendForUser)", ms(percentile(inproc, 50)), ms(percentile(inproc, 99)), "-", "2000", "0"],
  [
    "HTTP sequential, 1 connection",
    ms(percentile(seq, 50)),
    ms(percentile(seq, 99)),
    (1000 / (seq.reduce((a, b) => a + b, 0) / seq.length)).toFixed(0),
    "1000",
    String(seqErrors),
  ],
  [
    `HTTP autocannon, ${connections} connections, ${duration} s`,
    ms(load.latency.p50),
    ms(load.latency.p99),
    load.requests.average.toFixed(0),
    String(load.requests.total),
    String(load.errors + load.non2xx + load.timeouts),
  ],
];
const table = markdownTable(
  ["steered top-20 (2 boost knobs)", "p50 ms", "p99 ms", "req/s", "requests", "errors"],
  rows,
);
const header =
  `${data.name} (${sourceName}): ${users} users x ${data.items.length} items, ELSA dim ${model.dim}, TopK SAE ${sae.dSae} latents (k 16), ` +
  `backend ${backendInfo().backend} (${backendInfo().threads} thread(s)), node ${process.version}. Server and load generator share the 2-core machine ` +
  `(load average ${loadavg()[0].toFixed(1)} at the end of the run).`;
console.log(`${header}\n${table}`);
writeResultsSection(
  new URL("./RESULTS.md", import.meta.url).pathname,
  `Serving: steered recommendations (${sourceName})`,
  `${header}\n\n${table}\n`,
);
const failed = seqErrors + load.errors + load.non2xx + load.timeouts;
if (failed > 0) {
  console.error(`FAILED: ${failed} requests did not return 200`);
  process.exitCode = 1;
}
