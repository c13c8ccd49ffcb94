import type { Command } from "commander";
import { attachAnnIndex } from "../index/ann-serving.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { DEFAULT_PORT, startServer } from "../serve/api.js";
import type { Workspace } from "../serve/workspace.js";
import { portArg, positiveIntArg } from "./args.js";

/** Starts the API + panel for a workspace and keeps the process alive until SIGINT/SIGTERM. */
export async function serveWorkspace(ws: Workspace, host: string, port: number): Promise<void> {
  const server = await startServer(ws, { host, port });
  console.log(`control panel: ${server.url}/  (API under ${server.url}/api; Ctrl-C stops)`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      void server.close().then(done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/**
 * `reclens serve --run <dir> [--sae <dir>]`: the HTTP API and web control panel of a run directory,
 * with its own SAE or another one (whose labels live in `<sae>/concepts`).
 */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the HTTP API and the web control panel of a run (model + SAE + labels)")
    .requiredOption("--run <dir>", "run directory (see docs/run-layout.md)")
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--port <port>", "port (0 picks a free one)", portArg, DEFAULT_PORT)
    .option(
      "--ann <dir>",
      "rank top-n lists through a usearch HNSW index in <dir> (built there if missing; default exact)",
    )
    .option("--ann-expansion <n>", "HNSW search beam (expansion_search) for --ann", positiveIntArg)
    .action(
      async (o: {
        run: string;
        sae?: string;
        host: string;
        port: number;
        ann?: string;
        annExpansion?: number;
      }) => {
        const ws = await loadWorkspace(o.run, o.sae ? { saeDir: o.sae } : {});
        if (o.ann) {
          const a = attachAnnIndex(
            ws.model,
            o.ann,
            o.annExpansion ? { expansionSearch: o.annExpansion } : {},
          );
          console.log(
            `ANN index ${a.dir}: ${a.built ? "built" : "opened"} in ${a.seconds.toFixed(1)} s, ${a.items} items, expansion_search ${a.expansionSearch}`,
          );
        }
        await serveWorkspace(ws, o.host, o.port);
      },
    );
}
