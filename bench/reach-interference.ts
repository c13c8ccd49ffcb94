/**
 * Does the editor's reach preview slow other requests down? (issue #18; bench, not a test.) Starts
 * the server of a run in a child process (bench/load-server.ts, so the server and this client do not
 * share an event loop), then probes for --duration seconds each:
 *   without: two probe clients, one GET /api/health and one a user's recommendations (users
 *            rotating; unsteered, so after the first round they come from the per-user cache),
 *            each waiting --gap ms between its requests;
 *   with:    the same probes while a third client runs reach previews back to back
 *            (GET /api/neurons/:j/reach, neurons rotating), or with `--preview promote` promotion
 *            previews (POST /api/items/:id/promote, items and neurons rotating).
 * Prints p50 / p99 / max latency per probe and phase, and the reach previews' own durations.
 *
 *   RECLENS_THREADS=1 npx tsx bench/reach-interference.ts [--duration 20] [--gap 20] [--preview reach|promote]
 *                                                         [synthrun:2000x100000 | run:<dir>]
 */
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { markdownTable } from "./timing.js";

interface Ready {
  url: string;
  dataset: string;
  users: string[];
  items: string[];
  neurons: number[];
}

const argv = process.argv.slice(2);
let duration = 20;
let gap = 20;
let workers = 1;
let preview: "reach" | "promote" = "reach";
let source = "synthrun:2000x100000";
for (let k = 0; k < argv.length; k++) {
  const a = argv[k];
  if (a === "--duration") duration = Number(argv[++k]);
  else if (a === "--gap") gap = Number(argv[++k]);
  else if (a === "--workers") workers = Number(argv[++k]);
  else if (a === "--preview") {
    const v = argv[++k];
    if (v !== "reach" && v !== "promote") throw new Error(`--preview must be reach or promote, got ${v}`);
    preview = v;
  } else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
  else source = a;
}
if (!(duration > 0 && duration <= 300))
  throw new RangeError(`--duration must be in (0, 300], got ${duration}`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function timed(url: string, body?: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, {
    signal: AbortSignal.timeout(60_000),
    ...(body === undefined
      ? {}
      : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  await res.text();
  if (!res.ok) throw new Error(`${res.status} ${url}`);
  return performance.now() - t0;
}

/** Latencies of `path(t)` requested one after another, `gap` ms apart, until `stop()`. */
async function probe(
  base: string,
  path: (t: number) => string,
  stop: () => boolean,
  pause: number,
  body?: (t: number) => unknown,
): Promise<number[]> {
  const out: number[] = [];
  for (let t = 0; !stop(); t++) {
    out.push(await timed(base + path(t), body?.(t)));
    if (pause > 0) await sleep(pause);
  }
  return out;
}

function stats(xs: number[]): string[] {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): string =>
    s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1) : "-";
  return [String(s.length), q(0.5), q(0.99), s.length ? s[s.length - 1].toFixed(1) : "-"];
}

const child = fork(new URL("./load-server.ts", import.meta.url).pathname, [source, String(workers)], {
  execArgv: ["--import", "tsx", "--expose-gc"],
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
try {
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited (code ${code}) before it was ready`)));
    child.on("message", (m: { type?: string } & Ready) => m.type === "ready" && resolve(m));
  });
  const base = ready.url;
  const users = ready.users;
  const health = (): string => "/api/health";
  const recs = (t: number): string =>
    `/api/users/${encodeURIComponent(users[t % users.length])}/recommendations?n=20`;
  const reach = (t: number): string =>
    `/api/neurons/${ready.neurons[(t * 17) % ready.neurons.length]}/reach?strength=0.3&n=20&limit=25`;
  const promote = (t: number): string =>
    `/api/items/${encodeURIComponent(ready.items[(t * 19) % ready.items.length])}/promote`;
  const promoteBody = (t: number): unknown => ({
    neuron: ready.neurons[(t * 23) % ready.neurons.length],
    strength: 2,
    n: 20,
    limit: 50,
  });
  const work: { path: (t: number) => string; body?: (t: number) => unknown } =
    preview === "reach" ? { path: reach } : { path: promote, body: promoteBody };
  // warm-up: every user's unsteered list once (cached afterwards), one preview
  for (let t = 0; t < users.length; t++) await timed(base + recs(t));
  await timed(base + work.path(0), work.body?.(0));
  const rows: string[][] = [];
  const load: string[] = [];
  for (const phase of ["without", "with"] as const) {
    load.push(loadavg()[0].toFixed(1));
    const end = performance.now() + duration * 1000;
    const stop = (): boolean => performance.now() >= end;
    const [h, r, p] = await Promise.all([
      probe(base, health, stop, gap),
      probe(base, recs, stop, gap),
      phase === "with" ? probe(base, work.path, stop, 0, work.body) : Promise.resolve([]),
    ]);
    rows.push([phase, "GET /api/health", ...stats(h)]);
    rows.push([phase, "a user's recommendations", ...stats(r)]);
    if (phase === "with") rows.push([phase, `${preview} preview (itself)`, ...stats(p)]);
  }
  console.log(
    `${ready.dataset}; probes ${gap} ms apart for ${duration} s per phase; load average ${load.join(" / ")} at the start of each phase, ${loadavg()[0].toFixed(1)} at the end\n`,
  );
  console.log(markdownTable(["phase", "request", "requests", "p50 ms", "p99 ms", "max ms"], rows));
} finally {
  if (child.connected) child.send({ type: "stop" });
  setTimeout(() => child.kill(), 5000).unref();
}
