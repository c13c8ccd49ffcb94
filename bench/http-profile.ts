/**
 * Where one HTTP request's time goes (bench, not a test): loads a run, then answers the same
 * requests as bench/load.ts's "recommendations" and "recommendations, steered" through Fastify's
 * inject (routing, validation, handler, JSON serialisation; no sockets), one after another, and
 * prints CPU ms per request for each. Run it under --cpu-prof to see the functions:
 *
 *   RECLENS_THREADS=1 node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof bench/http-profile.ts \
 *     synthrun:2000x100000 [requests per kind, default 400]
 *
 * Sources: run:<dir> or synthrun:<users>x<items> (bench/http-run.ts).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "../src/serve/api.js";
import { loadWorkspace } from "../src/serve/run-loader.js";
import { ensureHttpRun, parseSizes } from "./http-run.js";

const source = process.argv[2] ?? "synthrun:2000x100000";
const perKind = Number(process.argv[3] ?? 400);
let dir: string;
if (source.startsWith("run:")) dir = source.slice(4);
else if (source.startsWith("synthrun:")) {
  const spec = parseSizes(source.slice(9));
  dir = (await ensureHttpRun(join(tmpdir(), `reclens-bench-http-run-${spec.users}x${spec.items}`), spec)).dir;
} else throw new Error(`source must be run:<dir> or synthrun:<users>x<items>, got ${source}`);

const ws = await loadWorkspace(dir);
const app = createServer(ws, { webRoot: null });
await app.ready();
const live = Array.from({ length: ws.sae.dSae }, (_, j) => j).filter((j) => ws.neurons.firingCount[j] > 0);
const users = ws.users.ids;
const kinds: [string, (t: number) => string][] = [
  ["recommendations", (t) => `/api/users/${users[(t * 7) % users.length]}/recommendations?n=20`],
  [
    "recommendations, steered",
    (t) =>
      `/api/users/${users[(t * 13) % users.length]}/recommendations?n=20&boost=${live[(3 * t) % live.length]}:0.3,` +
      `${live[(3 * t + 1) % live.length]}:0.2&suppress=${live[(3 * t + 2) % live.length]}:0.5`,
  ],
];
for (const [name, path] of kinds) {
  for (let t = 0; t < 20; t++) await app.inject({ url: path(t) }); // warm-up
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let t = 0; t < perKind; t++) {
    const r = await app.inject({ url: path(t) });
    if (r.statusCode !== 200) throw new Error(`${path(t)}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    bytes += r.body.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  console.log(
    `${name}: ${perKind} requests, CPU ${((cpu.user + cpu.system) / 1000 / perKind).toFixed(2)} ms/request, ` +
      `wall ${(wall / perKind).toFixed(2)} ms/request, ${(bytes / perKind / 1024).toFixed(1)} KiB/response`,
  );
}
await app.close();
