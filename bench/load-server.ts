/**
 * Child process of bench/load.ts (not run by hand): trains the small run that bench/serve.ts uses
 * (ELSA dim 64, TopK SAE 256 latents k 16 on a synthetic or given dataset), serves it on 127.0.0.1
 * (port chosen by the OS) and talks to the parent over IPC:
 *   -> { type: "ready", url, users, items, neurons, queries, setupSec, dataset }
 *   <- { type: "mem" }   -> { type: "mem", rss, heapUsed, heapTotal, external } (after a full GC)
 *   <- { type: "stop" }  closes the server and exits.
 * It exits by itself when the parent goes away or after MAX_LIFETIME_S, so it can never linger.
 */
import { basename } from "node:path";
import { startServer } from "../src/serve/api.js";
import { benchDataset, benchWorkspace } from "./bench-workspace.js";

/** The child never outlives this, whatever the parent does (a 5-minute soak plus setup fits). */
const MAX_LIFETIME_S = 20 * 60;
const HOST = "127.0.0.1";

const source = process.argv[2] ?? "synth";
if (!process.send)
  throw new Error("bench/load-server.ts is started by bench/load.ts (it needs an IPC channel)");
const send = (msg: unknown): void => void process.send?.(msg);

const lifetime = setTimeout(() => {
  console.error(`load-server: still running after ${MAX_LIFETIME_S} s, exiting`);
  process.exit(2);
}, MAX_LIFETIME_S * 1000);
lifetime.unref();
process.on("disconnect", () => process.exit(0));

const t0 = performance.now();
const data = await benchDataset(source);
const { sae, ws } = await benchWorkspace(data);
const server = await startServer(ws, { host: HOST, port: 0, webRoot: null });
const live = Array.from({ length: sae.dSae }, (_, j) => j).filter((j) => ws.neurons.firingCount[j] > 0);
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
  dataset: `${data.name} (${source.startsWith("synth") ? source : basename(source)}): ${ws.users.ids.length} users x ${data.items.length} items`,
  setupSec: (performance.now() - t0) / 1000,
  users: ws.users.ids.filter((_, u) => u % step === 0).slice(0, 200),
  items: data.items.slice(0, 200),
  neurons: live,
  queries: words.size ? [...words] : ["a", "b", "c"],
});
