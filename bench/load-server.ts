/**
 * Child process of bench/load.ts (not run by hand): serves on 127.0.0.1 (port chosen by the OS)
 * either the small run that bench/serve.ts uses (ELSA dim 64 trained, TopK SAE 256 latents k 16 on a
 * synthetic or given dataset), or a run directory: "run:<dir>", or "synthrun:<users>x<items>" (the
 * cheap planted-factor run of bench/http-run.ts, built once under the system temp dir and reused).
 * With `workers` > 1 (run sources only) the run is served by that many replica processes sharing
 * the port (src/serve/cluster.ts, as `reclens serve --workers`); this process then forks them and
 * loads the run itself only to tell the parent which ids to request. Talks to the parent over IPC:
 *   -> { type: "ready", url, users, items, neurons, queries, setupSec, dataset }
 *   <- { type: "mem" }   -> { type: "mem", rss, heapUsed, heapTotal, external } (after a full GC;
 *                           this process only, so the replicas' memory is not in it)
 *   <- { type: "stop" }  closes the server and exits.
 * It exits by itself when the parent goes away or after MAX_LIFETIME_S, so it can never linger.
 *
 *   bench/load-server.ts <source> [workers] [ann dir] [ann expansion_search]
 *
 * With an ANN directory (run sources only) every process serves its top-n lists through that usearch
 * index, built there on first use (src/index/ann-serving.ts, as `reclens serve --ann`).
 */
import cluster from "node:cluster";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { attachAnnIndex } from "../src/index/ann-serving.js";
import { startServer } from "../src/serve/api.js";
import { serveReplica, startReplicaSet } from "../src/serve/cluster.js";
import { loadWorkspace } from "../src/serve/run-loader.js";
import type { Workspace } from "../src/serve/workspace.js";
import { benchDataset, benchWorkspace } from "./bench-workspace.js";
import { ensureHttpRun, parseSizes } from "./http-run.js";

/** The child never outlives this, whatever the parent does (a 5-minute soak plus setup fits). */
const MAX_LIFETIME_S = 20 * 60;
const HOST = "127.0.0.1";

const source = process.argv[2] ?? "synth";
const workers = Number(process.argv[3] ?? 1);
const annDir = process.argv[4] || process.env.RECLENS_BENCH_ANN || "";
const annEf = Number(process.argv[5] || process.env.RECLENS_BENCH_ANN_EF || 0);

/** Attaches the ANN index when one was asked for, and says so. */
function withAnn(ws: Workspace): Workspace {
  if (!annDir) return ws;
  const a = attachAnnIndex(ws.model, annDir, annEf > 0 ? { expansionSearch: annEf } : {});
  console.error(
    `load-server: ANN ${a.built ? "built" : "opened"} in ${annDir} (${a.items} items, expansion_search ${a.expansionSearch}, ${a.seconds.toFixed(1)} s)`,
  );
  return ws;
}
/** Environment variable handing the run directory to the replicas. */
const RUN_ENV = "RECLENS_BENCH_RUN";
if (!process.send)
  throw new Error("bench/load-server.ts is started by bench/load.ts (it needs an IPC channel)");
const send = (msg: unknown): void => void process.send?.(msg);

const lifetime = setTimeout(() => {
  console.error(`load-server: still running after ${MAX_LIFETIME_S} s, exiting`);
  process.exit(2);
}, MAX_LIFETIME_S * 1000);
lifetime.unref();
process.on("disconnect", () => process.exit(0));

/** The run directory of a "run:" or "synthrun:" source; undefined for a dataset trained here. */
async function runDirOf(src: string): Promise<string | undefined> {
  if (src.startsWith("run:")) return src.slice(4);
  if (src.startsWith("synthrun:")) {
    const spec = parseSizes(src.slice(9));
    const dir = join(tmpdir(), `reclens-bench-http-run-${spec.users}x${spec.items}`);
    const built = await ensureHttpRun(dir, spec);
    if (built.seconds > 0) console.error(`load-server: built ${dir} in ${built.seconds.toFixed(1)} s`);
    return built.dir;
  }
  return undefined;
}

if (cluster.isWorker) {
  // A replica: load the run the primary names and serve it on the shared port.
  const dir = process.env[RUN_ENV];
  if (!dir) throw new Error(`load-server replica: ${RUN_ENV} is not set`);
  await serveReplica(withAnn(await loadWorkspace(dir)), { host: HOST, port: 0, webRoot: null });
} else {
  await primary();
}

async function primary(): Promise<void> {
  const t0 = performance.now();
  const runDir = await runDirOf(source);
  if (workers > 1 && !runDir)
    throw new Error(
      `load-server: --workers needs a run:<dir> or synthrun:<users>x<items> source, got ${source}`,
    );
  let ws: Workspace;
  let label: string;
  if (runDir) {
    ws = withAnn(await loadWorkspace(runDir));
    label = `${ws.dataset.name} (${source.startsWith("synthrun:") ? source : basename(runDir)})`;
  } else {
    const data = await benchDataset(source);
    ws = (await benchWorkspace(data)).ws;
    label = `${data.name} (${source.startsWith("synth") ? source : basename(source)})`;
  }
  const server =
    workers > 1
      ? await startReplicaSet({
          workers,
          host: HOST,
          port: 0,
          env: {
            [RUN_ENV]: runDir as string,
            ...(annDir ? { RECLENS_BENCH_ANN: annDir, RECLENS_BENCH_ANN_EF: String(annEf) } : {}),
          },
        })
      : await startServer(ws, { host: HOST, port: 0, webRoot: null });
  const data = ws.dataset;
  const live = Array.from({ length: ws.sae.dSae }, (_, j) => j).filter((j) => ws.neurons.firingCount[j] > 0);
  const step = Math.max(1, Math.floor(ws.users.ids.length / 200));
  const words = new Set<string>();
  for (const t of data.itemTitles ?? data.items) {
    const w = t.split(/\s+/)[0]?.slice(0, 3);
    if (w) words.add(w);
    if (words.size >= 20) break;
  }

  process.on("message", (msg: { type?: string }) => {
    if (msg?.type === "mem") {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      send({ type: "mem", rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
    } else if (msg?.type === "stop") {
      void server.close().then(() => process.exit(0));
    }
  });

  send({
    type: "ready",
    url: server.url,
    dataset: `${label}: ${ws.users.ids.length} users x ${data.items.length} items${workers > 1 ? `; ${workers} replica processes` : ""}`,
    setupSec: (performance.now() - t0) / 1000,
    users: ws.users.ids.filter((_, u) => u % step === 0).slice(0, 200),
    items: data.items.slice(0, 200),
    neurons: live,
    queries: words.size ? [...words] : ["a", "b", "c"],
  });
}
