import type { Command } from "commander";
import { annIndexExists, attachAnnIndex } from "../index/ann-serving.js";
import { isReplica, serveReplica, startReplicaSet } from "../serve/cluster.js";
import { loadServedWorkspace } from "../serve/run-loader.js";
import { noSaeMessage } from "../serve/routes/no-sae.js";
import { DEFAULT_PORT, startServer, type RunningServer } from "../serve/api.js";
import { loadModel } from "../models/index.js";
import type { Recommender } from "../models/types.js";
import { runLayout } from "../store/manifest.js";
import { hasSae, type ServedWorkspace } from "../serve/workspace.js";
import { portArg, positiveIntArg } from "./args.js";

/** Resolves once SIGINT or SIGTERM arrived and `close` finished. */
function untilStopped(close: () => Promise<void>): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      void close().then(done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Starts the API + panel for a workspace and keeps the process alive until SIGINT/SIGTERM. */
export async function serveWorkspace(ws: ServedWorkspace, host: string, port: number): Promise<void> {
  const server: RunningServer = isReplica()
    ? await serveReplica(ws, { host, port })
    : await startServer(ws, { host, port });
  if (!isReplica()) console.log(`control panel: ${server.url}/  (API under ${server.url}/api; Ctrl-C stops)`);
  await untilStopped(() => server.close());
}

/**
 * `reclens serve --run <dir> [--sae <dir>] [--workers <n>]`: the HTTP API and web control panel of a
 * run directory, with its own SAE or another one (whose labels live in `<sae>/concepts`); with
 * `--workers n` > 1, n replica processes share the port (src/serve/cluster.ts).
 */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "serve the HTTP API and the web control panel of a run (model, and SAE + labels when trained)",
    )
    .requiredOption("--run <dir>", "run directory (see docs/run-layout.md)")
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", portArg, DEFAULT_PORT)
    .option(
      "--ann <dir>",
      "rank top-n lists through a usearch HNSW index in <dir> (built there if missing; default exact)",
    )
    .option("--ann-expansion <n>", "HNSW search beam (expansion_search) for --ann", positiveIntArg)
    .option(
      "--ann-connectivity <n>",
      "HNSW graph degree when --ann builds the index (default 16; 32 near 1M items, docs/scale.md)",
      positiveIntArg,
    )
    .option(
      "--ann-expansion-add <n>",
      "HNSW build beam (expansion_add) when --ann builds the index (default 128; 256 with degree 32)",
      positiveIntArg,
    )
    .option(
      "--workers <n>",
      "replica processes sharing the port (node:cluster), each loading the run read-only",
      positiveIntArg,
      1,
    )
    .action(
      async (o: {
        run: string;
        sae?: string;
        host: string;
        port: number;
        ann?: string;
        annExpansion?: number;
        annConnectivity?: number;
        annExpansionAdd?: number;
        workers: number;
      }) => {
        if (o.workers > 1 && !isReplica()) {
          // A missing index is built once, here, from the run's model alone (no data or SAE), so
          // that the replicas open it instead of each building its own (minutes of CPU per replica
          // at 1M items).
          if (o.ann && !annIndexExists(o.ann)) attachAnn(loadModel(runLayout(o.run).model), o);
          const set = await startReplicaSet({ workers: o.workers, host: o.host, port: o.port });
          console.log(
            `control panel: ${set.url}/  (API under ${set.url}/api; ${set.workers} replica processes; Ctrl-C stops)`,
          );
          await untilStopped(() => set.close());
          return;
        }
        const ws = await loadServedWorkspace(o.run, o.sae ? { saeDir: o.sae } : {});
        if (!hasSae(ws)) console.log(`${noSaeMessage(ws)} (serving the model alone)`);
        if (o.ann) attachAnn(ws.model, o);
        await serveWorkspace(ws, o.host, o.port);
      },
    );
}

/** Opens (or builds) the --ann index for `model` and says which and how long it took. */
function attachAnn(
  model: Recommender,
  o: { ann?: string; annExpansion?: number; annConnectivity?: number; annExpansionAdd?: number },
): void {
  const a = attachAnnIndex(model, o.ann as string, {
    ...(o.annExpansion ? { expansionSearch: o.annExpansion } : {}),
    ...(o.annConnectivity ? { connectivity: o.annConnectivity } : {}),
    ...(o.annExpansionAdd ? { expansionAdd: o.annExpansionAdd } : {}),
  });
  console.log(
    `ANN index ${a.dir}: ${a.built ? "built" : "opened"} in ${a.seconds.toFixed(1)} s, ${a.items} items, expansion_search ${a.expansionSearch}`,
  );
}
