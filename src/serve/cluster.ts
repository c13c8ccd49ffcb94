import cluster, { type Worker } from "node:cluster";
import type { LabelsDoc } from "../concepts/labels.js";
import { createServer, type RunningServer, type ServerOptions } from "./api.js";

/** What the server is built over (a workspace, with or without an SAE). */
type Served = Parameters<typeof createServer>[0];
/** The mutable labels of a served workspace (absent when it has no SAE). */
type WithLabels = { labels?: LabelsDoc };

/**
 * `reclens serve --workers <n>`: n replica processes (node:cluster) sharing one port. The primary
 * loads nothing; it forks n copies of the running script (same arguments), each of which loads the
 * run read-only and listens through the cluster (the primary accepts connections and hands them to
 * the replicas in turn). A replica's response carries REPLICA_HEADER with its cluster id. The only
 * mutable part of a workspace, its labels, is kept in step: when a request replaces a replica's
 * labels (PUT /api/neurons/:j/label, which also writes the file), the replica sends the new document
 * to the primary, which passes it to the others. Two edits at the same moment on different replicas
 * both reach every replica, the later arrival winning in memory; the file holds the later write.
 */

/** Response header naming the replica (cluster worker id) that answered. */
export const REPLICA_HEADER = "x-reclens-replica";

/** Messages between the primary and its replicas. */
type ReplicaMessage =
  | { readonly type: "reclens:listening"; readonly port: number }
  | { readonly type: "reclens:labels"; readonly doc: LabelsDoc };

function isReplicaMessage(m: unknown): m is ReplicaMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return t === "reclens:listening" || t === "reclens:labels";
}

/** Options of {@link startReplicaSet}. */
export interface ReplicaSetOptions {
  /** Replica processes (>= 1). */
  readonly workers: number;
  readonly host: string;
  /** Port (0: one free port picked once, shared by every replica). */
  readonly port: number;
  /** Give up when the replicas are not all listening after this long (default 10 minutes). */
  readonly startTimeoutMs?: number;
  /** Extra environment of the replicas. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The primary's handle on its listening replicas. */
export interface RunningReplicaSet {
  /** Base URL, e.g. http://127.0.0.1:7878 */
  readonly url: string;
  readonly port: number;
  readonly workers: number;
  /** Stops every replica (SIGTERM, then SIGKILL after 10 s). */
  close(): Promise<void>;
}

/** Whether this process is a replica forked by {@link startReplicaSet}. */
export function isReplica(): boolean {
  return cluster.isWorker;
}

function stopWorker(w: Worker): Promise<void> {
  if (w.isDead()) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => w.process.kill("SIGKILL"), 10_000);
    w.once("exit", () => {
      clearTimeout(force);
      done();
    });
    w.process.kill("SIGTERM");
  });
}

/**
 * Primary side: forks `workers` replicas of this script and resolves once every one listens; rejects
 * (stopping the others) when one exits first or the start times out. Replicas that exit later are
 * reported on stderr and not restarted.
 */
export function startReplicaSet(o: ReplicaSetOptions): Promise<RunningReplicaSet> {
  if (!cluster.isPrimary) throw new Error("startReplicaSet: called inside a replica");
  if (!(Number.isInteger(o.workers) && o.workers >= 1))
    throw new RangeError(`workers must be an integer >= 1, got ${o.workers}`);
  const workers: Worker[] = [];
  const closeAll = (): Promise<void> => Promise.all(workers.map(stopWorker)).then(() => undefined);
  let started = false;
  let closing = false;
  return new Promise<RunningReplicaSet>((resolveSet, reject) => {
    let port = -1;
    let listening = 0;
    const fail = (why: string): void => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      void closeAll().then(() => reject(new Error(`serve --workers ${o.workers}: ${why}`)));
    };
    const timer = setTimeout(
      () => fail(`replicas not listening after ${((o.startTimeoutMs ?? 600_000) / 1000).toFixed(0)} s`),
      o.startTimeoutMs ?? 600_000,
    );
    for (let k = 0; k < o.workers; k++) {
      const w = cluster.fork({ ...o.env });
      workers.push(w);
      w.on("message", (m: unknown) => {
        if (!isReplicaMessage(m)) return;
        if (m.type === "reclens:labels") {
          for (const other of workers) if (other !== w && other.isConnected()) other.send(m);
        } else {
          port = m.port;
          if (++listening === o.workers && !started) {
            started = true;
            clearTimeout(timer);
            const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
            resolveSet({
              url: `http://${shown}:${port}`,
              port,
              workers: o.workers,
              close: () => {
                closing = true;
                return closeAll();
              },
            });
          }
        }
      });
      w.on("exit", (code, signal) => {
        const why = `replica ${w.id} exited (${signal ?? `code ${code}`})`;
        if (!started) fail(`${why} before listening`);
        else if (!closing)
          console.error(`${why}; ${workers.filter((x) => !x.isDead()).length} still serving`);
      });
    }
  });
}

/**
 * Replica side: serves `ws` on the shared port, tags responses with REPLICA_HEADER, relays label
 * replacements to the primary and applies those of the other replicas, tells the primary it listens,
 * and exits when the primary goes away or once `close` has closed the server.
 */
export async function serveReplica(ws: Served, opts: ServerOptions = {}): Promise<RunningServer> {
  const me = cluster.worker;
  if (!me) throw new Error("serveReplica: not a cluster worker (use startServer)");
  const app = createServer(ws, opts);
  const id = String(me.id);
  const held = ws as WithLabels;
  let shared = held.labels;
  app.addHook("onSend", async (_req, reply) => {
    void reply.header(REPLICA_HEADER, id);
  });
  app.addHook("onResponse", async () => {
    if (held.labels !== shared && held.labels) {
      shared = held.labels;
      me.send({ type: "reclens:labels", doc: shared } satisfies ReplicaMessage);
    }
  });
  me.on("message", (m: unknown) => {
    if (isReplicaMessage(m) && m.type === "reclens:labels") held.labels = shared = m.doc;
  });
  me.on("disconnect", () => process.exit(0));
  const host = opts.host ?? "127.0.0.1";
  await app.listen({ host, port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (opts.port ?? 0);
  me.send({ type: "reclens:listening", port } satisfies ReplicaMessage);
  const shown = host.includes(":") ? `[${host}]` : host;
  const close = async (): Promise<void> => {
    await app.close();
    // The IPC channel keeps a replica alive; leaving the cluster lets it exit (see "disconnect" above).
    if (me.isConnected()) me.disconnect();
  };
  return { app, url: `http://${shown}:${port}`, port, close };
}
