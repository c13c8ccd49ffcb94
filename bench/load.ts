/**
 * HTTP load and soak benchmark (not a test). Starts the server of a small trained run as a child
 * process on 127.0.0.1 (bench/load-server.ts), then:
 *   (a) load: CONNECTIONS concurrent keep-alive clients for --duration seconds over a mix of the
 *       panel's endpoints (recommendations with and without steering, neuron list and detail, items,
 *       info, the editor's reach and promotion preview), reporting per endpoint and in total req/s,
 *       p50, p99 and errors (target: 0);
 *   (b) soak: a paced request rate (--rate; default half the throughput measured in (a), at most
 *       100/s; at most 4 requests in flight) over the same mix for --soak seconds, sampling
 *       the server's RSS and heap (after a full GC) every --sample seconds, and saying whether memory
 *       is flat (first vs last minute, least-squares slope).
 *
 *   npx tsx bench/load.ts [--smoke] [--duration 60] [--soak 300] [--rate <req/s>] [--sample 5]
 *                         [--connections 8] [--workers 1] [--only <endpoint,...>] [--write]
 *                         [synth | synth:<users>x<items> | <dataset> | run:<dir> | synthrun:<users>x<items>]
 *   npm run bench:load -- --smoke          (10 s load + 30 s soak)
 *
 * synth sources train ELSA first; synthrun:<users>x<items> serves the planted-factor run of
 * bench/http-run.ts (built once in the temp dir, ~15 s at 2000x100000), run:<dir> any run directory.
 * --workers n serves a run source with n replica processes (src/serve/cluster.ts; no soak then:
 * the memory sampled is one process's). --only keeps those endpoints of the mix (names as in the
 * table, e.g. --only "recommendations, steered" or --only recommendations).
 *
 * Loopback only, bounded: durations are capped (load <= 600 s, soak <= 1800 s), requests are capped
 * (MAX_REQUESTS), the child exits with the parent or on its own after 20 minutes. `--write`
 * replaces the "Serving: load and soak" section of bench/RESULTS.md.
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { markdownTable, writeResultsSection } from "./timing.js";

interface Options {
  duration: number;
  soak: number;
  /** Soak requests/s; 0: half the throughput measured in the load phase. */
  rate: number;
  sample: number;
  connections: number;
  workers: number;
  /** usearch index directory: serve top-n lists through HNSW (`reclens serve --ann`); "" = exact. */
  ann: string;
  /** expansion_search of the ANN index (0: the index's default). */
  annEf: number;
  /** Endpoints kept from the mix (all when empty). */
  only: string[];
  write: boolean;
  source: string;
}

const MAX_REQUESTS = 2_000_000;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    duration: 60,
    soak: 300,
    rate: 0,
    sample: 5,
    connections: 8,
    workers: 1,
    ann: "",
    annEf: 0,
    only: [],
    write: false,
    source: "synth",
  };
  const num = (k: number, name: string, min: number, max: number): number => {
    const v = Number(argv[k]);
    if (!(Number.isFinite(v) && v >= min && v <= max))
      throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(argv[k])}`);
    return v;
  };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === "--smoke") Object.assign(o, { duration: 10, soak: 30, sample: 2 });
    else if (a === "--write") o.write = true;
    else if (a === "--duration") o.duration = num(++k, a, 1, 600);
    else if (a === "--soak") o.soak = num(++k, a, 0, 1800);
    else if (a === "--rate") o.rate = num(++k, a, 1, 1000);
    else if (a === "--sample") o.sample = num(++k, a, 0.5, 60);
    else if (a === "--connections") o.connections = Math.round(num(++k, a, 1, 64));
    else if (a === "--workers") o.workers = Math.round(num(++k, a, 1, 16));
    else if (a === "--ann") o.ann = argv[++k] ?? "";
    else if (a === "--ann-ef") o.annEf = Math.round(num(++k, a, 1, 4096));
    else if (a === "--only") o.only = (argv[++k] ?? "").split(/,(?! )/).map((x) => x.trim());
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else o.source = a;
  }
  if (o.workers > 1 && o.soak > 0)
    throw new Error("--workers > 1 samples one process's memory only: add --soak 0");
  return o;
}

/** What the child reports once it listens. */
interface Ready {
  url: string;
  dataset: string;
  setupSec: number;
  users: string[];
  items: string[];
  neurons: number[];
  queries: string[];
}

interface Mem {
  rss: number;
  heapUsed: number;
}

/** One request of the mix. */
interface Req {
  endpoint: string;
  path: string;
  method: "GET" | "POST";
  body?: string;
}

/**
 * The endpoint mix (weights: how many of each per round), with ids rotating over the run; `only`
 * keeps the named endpoints (all when empty).
 */
function mixer(r: Ready, only: readonly string[] = []): { next: (t: number) => Req; names: string[] } {
  const pick = <T>(xs: T[], t: number): T => xs[t % xs.length];
  const enc = encodeURIComponent;
  const boosted = (t: number): number[] => [...new Set([pick(r.neurons, t), pick(r.neurons, t * 7 + 3)])];
  const boost = (t: number): string =>
    boosted(t)
      .map((j, q) => `${j}:${q === 0 ? 0.3 : 0.2}`)
      .join(",");
  /** A neuron to suppress that the same request does not boost (the API refuses both at once). */
  const suppressed = (t: number): number => {
    const taken = new Set(boosted(t));
    for (let q = 0; q < r.neurons.length; q++) {
      const j = pick(r.neurons, t * 5 + 1 + q);
      if (!taken.has(j)) return j;
    }
    return pick(r.neurons, t * 5 + 1);
  };
  const all: ((t: number) => Req)[] = [
    (t) => ({
      endpoint: "recommendations",
      method: "GET",
      path: `/api/users/${enc(pick(r.users, t))}/recommendations?n=20`,
    }),
    (t) => ({
      endpoint: "recommendations, steered",
      method: "GET",
      path: `/api/users/${enc(pick(r.users, t * 13))}/recommendations?n=20&boost=${boost(t)}&suppress=${suppressed(t)}:0.5`,
    }),
    (t) => ({
      endpoint: "recommendations, steered",
      method: "GET",
      path: `/api/users/${enc(pick(r.users, t * 3))}/recommendations?n=20&boost=${boost(t + 1)}`,
    }),
    (t) => ({
      endpoint: "neuron list",
      method: "GET",
      path: `/api/neurons?sort=${pick(["id", "firing", "label"], t)}&limit=200`,
    }),
    (t) => ({
      endpoint: "neuron detail",
      method: "GET",
      path: `/api/neurons/${pick(r.neurons, t * 11)}?k=20`,
    }),
    (t) => ({
      endpoint: "items",
      method: "GET",
      path: `/api/items?query=${enc(pick(r.queries, t))}&limit=20`,
    }),
    () => ({ endpoint: "info", method: "GET", path: "/api/info" }),
    (t) => ({
      endpoint: "reach (editor)",
      method: "GET",
      path: `/api/neurons/${pick(r.neurons, t * 17)}/reach?strength=0.3&n=20&limit=25`,
    }),
    (t) => ({
      endpoint: "promote preview (editor)",
      method: "POST",
      path: `/api/items/${enc(pick(r.items, t * 19))}/promote`,
      body: JSON.stringify({ neuron: pick(r.neurons, t * 23), strength: 2, n: 20, limit: 50 }),
    }),
  ];
  const kinds = only.length ? all.filter((k) => only.includes(k(0).endpoint)) : all;
  if (kinds.length === 0)
    throw new Error(
      `--only ${only.join(",")}: no such endpoint (have: ${[...new Set(all.map((k) => k(0).endpoint))].join("; ")})`,
    );
  return {
    next: (t) => kinds[t % kinds.length](Math.floor(t / kinds.length)),
    names: [...new Set(kinds.map((k) => k(0).endpoint))],
  };
}

/** Clock ticks per second of /proc/<pid>/stat times. */
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/**
 * CPU seconds (user + system) used so far by process `pid` and its live descendants (the server
 * and its replicas), from /proc (Linux); NaN where /proc cannot be read.
 */
function treeCpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
    let sec = (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime: fields 14, 15
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    for (const k of kids ? kids.split(" ") : []) sec += treeCpuSec(Number(k));
    return sec;
  } catch {
    return Number.NaN;
  }
}

/** Latencies and errors per endpoint. */
class Recorder {
  readonly by = new Map<string, { ms: number[]; errors: number; firstError?: string }>();

  /** `names`: endpoints in the order the tables list them. */
  constructor(names: readonly string[] = []) {
    for (const n of names) this.by.set(n, { ms: [], errors: 0 });
  }

  add(endpoint: string, ms: number, error?: string): void {
    let e = this.by.get(endpoint);
    if (!e) this.by.set(endpoint, (e = { ms: [], errors: 0 }));
    e.ms.push(ms);
    if (error !== undefined) {
      e.errors++;
      e.firstError ??= error;
    }
  }

  get total(): number {
    let n = 0;
    for (const e of this.by.values()) n += e.ms.length;
    return n;
  }

  /** Table rows: endpoint, requests, req/s, p50, p99, errors; then the total. */
  rows(seconds: number): string[][] {
    const row = (name: string, ms: number[], errors: number): string[] => {
      const s = [...ms].sort((a, b) => a - b);
      const q = (p: number): string =>
        s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2) : "-";
      return [name, String(s.length), (s.length / seconds).toFixed(0), q(0.5), q(0.99), String(errors)];
    };
    const out = [...this.by].map(([k, e]) => row(k, e.ms, e.errors));
    const all = [...this.by.values()];
    out.push(
      row(
        "**total**",
        all.flatMap((e) => e.ms),
        all.reduce((a, e) => a + e.errors, 0),
      ),
    );
    return out;
  }

  get errors(): number {
    return [...this.by.values()].reduce((a, e) => a + e.errors, 0);
  }
}

async function send(base: string, req: Req, rec: Recorder): Promise<void> {
  const t0 = performance.now();
  try {
    const res = await fetch(base + req.path, {
      method: req.method,
      ...(req.body ? { body: req.body, headers: { "content-type": "application/json" } } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    rec.add(
      req.endpoint,
      performance.now() - t0,
      res.ok ? undefined : `${res.status} ${req.method} ${req.path}: ${text.slice(0, 200)}`,
    );
  } catch (err) {
    rec.add(req.endpoint, performance.now() - t0, `${req.method} ${req.path}: ${(err as Error).message}`);
  }
}

/** (a) `connections` closed-loop clients for `seconds`. */
async function loadPhase(
  base: string,
  next: (t: number) => Req,
  names: string[],
  o: Options,
): Promise<Recorder> {
  const rec = new Recorder(names);
  const end = performance.now() + o.duration * 1000;
  let t = 0;
  const client = async (): Promise<void> => {
    while (performance.now() < end && t < MAX_REQUESTS) await send(base, next(t++), rec);
  };
  await Promise.all(Array.from({ length: o.connections }, client));
  return rec;
}

/** Clients of the soak: the rate is paced, and at most this many requests are ever in flight. */
const SOAK_CLIENTS = 4;

/**
 * (b) requests paced at `rate`/s for `soak` seconds by SOAK_CLIENTS clients (a request is sent at
 * its slot or, when the server is behind, as soon as a client is free: work never piles up), with
 * the server's memory sampled every `sample` s by a separate loop.
 */
async function soakPhase(
  base: string,
  next: (t: number) => Req,
  names: string[],
  o: Options,
  mem: () => Promise<Mem>,
): Promise<{ rec: Recorder; samples: { t: number; rss: number; heap: number }[]; achieved: number }> {
  const rec = new Recorder(names);
  const samples: { t: number; rss: number; heap: number }[] = [];
  const start = performance.now();
  const end = start + o.soak * 1000;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
  const sampleMem = async (): Promise<void> => {
    const m = await mem();
    samples.push({ t: (performance.now() - start) / 1000, rss: m.rss, heap: m.heapUsed });
  };
  const sampler = async (): Promise<void> => {
    for (let k = 0; start + k * o.sample * 1000 < end; k++) {
      await sleep(start + k * o.sample * 1000 - performance.now());
      await sampleMem();
    }
  };
  let t = 0;
  const client = async (): Promise<void> => {
    for (;;) {
      const due = start + (t * 1000) / o.rate;
      if (due >= end || t >= MAX_REQUESTS) return;
      const mine = t++;
      await sleep(due - performance.now());
      await send(base, next(mine), rec);
    }
  };
  await Promise.all([sampler(), ...Array.from({ length: SOAK_CLIENTS }, client)]);
  await sampleMem();
  return { rec, samples, achieved: rec.total / ((performance.now() - start) / 1000) };
}

/** Least-squares slope of y over t (per second). */
function slope(ts: number[], ys: number[]): number {
  const n = ts.length;
  if (n < 2) return 0;
  const mt = ts.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let k = 0; k < n; k++) {
    num += (ts[k] - mt) * (ys[k] - my);
    den += (ts[k] - mt) ** 2;
  }
  return den > 0 ? num / den : 0;
}

/** Memory verdict: first vs last window (a minute, or a third of a shorter soak) and the slope after the first window. */
function memoryReport(
  samples: { t: number; rss: number; heap: number }[],
  soakSec: number,
): { rows: string[][]; flat: boolean } {
  const win = Math.min(60, soakSec / 3);
  const MB = 1024 * 1024;
  const rows: string[][] = [];
  let flat = true;
  for (const key of ["rss", "heap"] as const) {
    const first = samples.filter((s) => s.t <= win);
    const last = samples.filter((s) => s.t >= soakSec - win);
    const mean = (xs: typeof samples): number => xs.reduce((a, s) => a + s[key], 0) / Math.max(1, xs.length);
    const a = mean(first) / MB;
    const b = mean(last) / MB;
    const after = samples.filter((s) => s.t >= win);
    const perMin =
      slope(
        after.map((s) => s.t),
        after.map((s) => s[key] / MB),
      ) * 60;
    // flat: grows by less than 10% (and 8 MB) from the first to the last window
    const ok = b - a < Math.max(0.1 * a, 8);
    flat &&= ok;
    rows.push([
      key === "rss" ? "RSS" : "heap used (after GC)",
      a.toFixed(1),
      b.toFixed(1),
      `${b - a >= 0 ? "+" : ""}${(b - a).toFixed(1)}`,
      perMin.toFixed(2),
      ok ? "flat" : "GROWING",
    ]);
  }
  return { rows, flat };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const child: ChildProcess = fork(
    new URL("./load-server.ts", import.meta.url).pathname,
    [o.source, String(o.workers), o.ann, String(o.annEf)],
    {
      execArgv: ["--import", "tsx", "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const guard = setTimeout(() => child.kill(), (o.duration + o.soak + 900) * 1000);
  guard.unref();
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once("exit", (code) =>
        reject(new Error(`server process exited (code ${code}) before it was ready`)),
      );
      child.on("message", (m: { type?: string } & Ready) => m.type === "ready" && resolve(m));
    });
    if (new URL(ready.url).hostname !== "127.0.0.1")
      throw new Error(`refusing a non-loopback server at ${ready.url}`);
    const memWaiters: ((m: Mem) => void)[] = [];
    child.on("message", (m: { type?: string } & Mem) => {
      if (m.type === "mem") memWaiters.shift()?.(m);
    });
    const mem = (): Promise<Mem> =>
      new Promise((resolve) => {
        memWaiters.push(resolve);
        child.send({ type: "mem" });
      });
    console.log(
      `${ready.dataset}; setup ${ready.setupSec.toFixed(1)} s; ${ready.neurons.length} live neurons; ${ready.url}`,
    );
    const { next, names } = mixer(ready, o.only);
    // warm-up: every endpoint once
    const warm = new Recorder();
    for (let t = 0; t < 18; t++) await send(ready.url, next(t), warm);
    const loadBefore = loadavg()[0];
    for (const e of warm.by.values()) if (e.firstError) console.error(`warm-up error: ${e.firstError}`);

    const serverCpu0 = treeCpuSec(child.pid as number);
    const clientCpu0 = process.cpuUsage();
    const load = await loadPhase(ready.url, next, names, o);
    const serverCpuMs = (treeCpuSec(child.pid as number) - serverCpu0) * 1000;
    const clientCpu = process.cpuUsage(clientCpu0);
    const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
    const cpuLine =
      `CPU during the load phase: server ${(serverCpuMs / 1000).toFixed(1)} s (${(serverCpuMs / load.total).toFixed(2)} ms per request` +
      `${o.workers > 1 ? `, ${o.workers} replicas and the primary` : ""}), load generator ${(clientCpuMs / 1000).toFixed(1)} s ` +
      `(${(clientCpuMs / load.total).toFixed(2)} ms per request); load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after.`;
    const loadRows = load.rows(o.duration);
    const loadTable = markdownTable(
      ["endpoint (load)", "requests", "req/s", "p50 ms", "p99 ms", "errors"],
      loadRows,
    );
    console.log(`\n(a) ${o.connections} connections, ${o.duration} s\n${loadTable}\n${cpuLine}`);
    for (const [k, e] of load.by) if (e.firstError) console.error(`${k}: first error: ${e.firstError}`);

    let soakText = "(soak skipped: --soak 0)";
    let soakErrors = 0;
    let flat = true;
    if (o.soak > 0) {
      if (o.rate === 0) o.rate = Math.max(1, Math.min(100, Math.round((0.5 * load.total) / o.duration)));
      const soak = await soakPhase(ready.url, next, names, o, mem);
      soakErrors = soak.rec.errors;
      const total = soak.rec.rows(o.soak).at(-1) as string[];
      const m = memoryReport(soak.samples, o.soak);
      flat = m.flat;
      const memTable = markdownTable(
        ["memory (MB)", "first window", "last window", "change", "slope MB/min", "verdict"],
        m.rows,
      );
      soakText =
        `(b) soak: ${o.rate} req/s paced (${soak.achieved.toFixed(1)} achieved, ${SOAK_CLIENTS} clients) for ${o.soak} s, ` +
        `${soak.samples.length} memory samples every ${o.sample} s ` +
        `(windows: ${Math.min(60, o.soak / 3).toFixed(0)} s): ${total[1]} requests, p50 ${total[3]} ms, p99 ${total[4]} ms, ${total[5]} errors.\n\n${memTable}`;
      console.log(`\n${soakText}`);
      for (const [k, e] of soak.rec.by) if (e.firstError) console.error(`${k}: first error: ${e.firstError}`);
    }
    const header =
      `${ready.dataset}, ELSA dim 64, TopK SAE 256 latents (k 16); server in a child process on 127.0.0.1, ` +
      `load generator (Node fetch, keep-alive) in the parent; node ${process.version}; load average ${loadBefore.toFixed(1)} before the load phase, ${loadavg()[0].toFixed(1)} at the end. ` +
      `Endpoints rotate users, neurons, items and queries; "steered" carries boost (and suppress) knobs.`;
    const body = `${header}\n\n(a) load: ${o.connections} connections for ${o.duration} s over the endpoint mix.\n\n${loadTable}\n\n${cpuLine}\n\n${soakText}\n`;
    if (o.write)
      writeResultsSection(new URL("./RESULTS.md", import.meta.url).pathname, "Serving: load and soak", body);
    const failed = load.errors + soakErrors;
    if (failed > 0 || !flat) {
      console.error(`FAILED: ${failed} request errors${flat ? "" : "; memory is growing"}`);
      process.exitCode = 1;
    }
  } finally {
    if (child.connected) child.send({ type: "stop" });
    setTimeout(() => child.kill(), 5000).unref();
  }
}

await main();
