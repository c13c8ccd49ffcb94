import Fastify, { type FastifyInstance } from "fastify";
import { servingIndexOf } from "../index/serving.js";
import { HttpError, installErrorHandlers } from "./http-errors.js";
import { registerArvivRoutes } from "./routes/arviv.js";
import { registerExportRoutes } from "./routes/export.js";
import { registerInfoRoutes } from "./routes/info.js";
import { registerInterventionRoutes } from "./routes/interventions.js";
import { registerIntentRoutes } from "./routes/intents.js";
import { registerItemRoutes } from "./routes/items.js";
import { registerNeuronRoutes } from "./routes/neurons.js";
import { registerNoSaeRoutes } from "./routes/no-sae.js";
import { registerPanelRoutes } from "./routes/panel.js";
import { registerRunPlotRoutes } from "./routes/run-plots.js";
import { registerUserRoutes } from "./routes/users.js";
import { defaultWebRoot, registerStaticRoutes } from "./static-files.js";
import { workspaceScales } from "./strength.js";
import { hasSae, type ServedWorkspace, type Workspace } from "./workspace.js";

/** Default port of `reclens serve`. */
export const DEFAULT_PORT = 7878;
/** Largest request body accepted (bytes); larger bodies get a 413. */
export const BODY_LIMIT = 16 * 1024;

/** Options of the HTTP server. */
export interface ServerOptions {
  /** Interface to bind (default 127.0.0.1: loopback only). */
  readonly host?: string;
  /** Port (default DEFAULT_PORT; 0 picks a free one). */
  readonly port?: number;
  /** Built panel directory; default dist/web when built, null serves the API only. */
  readonly webRoot?: string | null;
  /** Log requests to stdout (default false). */
  readonly logger?: boolean;
  /**
   * Host names (without port) accepted in the Host header; other requests get a 403, which defeats
   * DNS-rebinding pages reading the API. Default: the loopback names when bound to loopback, any otherwise.
   */
  readonly allowedHosts?: readonly string[] | "any";
}

/**
 * The route groups that need an SAE (their routes are listed in routes/no-sae.ts, which a server
 * without an SAE registers answering 409; a test checks the two agree).
 */
export const SAE_ROUTE_GROUPS: readonly ((app: FastifyInstance, ws: Workspace) => void)[] = [
  registerNeuronRoutes,
  registerArvivRoutes,
  registerPanelRoutes,
  registerInterventionRoutes,
];

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** The hostname of a Host header ("[::1]:80" -> "[::1]", "Localhost:7878" -> "localhost"). */
function hostName(header: string | undefined): string {
  const h = (header ?? "").trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.lastIndexOf(":");
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * The Fastify app over a loaded workspace: JSON API under /api/ and the built control panel at /.
 * Every input is validated (400 naming the field), unknown ids are 404, bodies are limited to
 * BODY_LIMIT bytes of JSON. A workspace without an SAE serves recommendations, histories, items,
 * exports and intents; its SAE routes answer 409 naming `reclens sae train`. Nothing is listening
 * until `listen` (see {@link startServer}).
 */
export function createServer(ws: ServedWorkspace, opts: ServerOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: BODY_LIMIT,
    requestTimeout: 30_000,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
  });
  // JSON bodies only: other content types are answered 415.
  app.removeContentTypeParser("text/plain");
  installErrorHandlers(app);
  const allowed = opts.allowedHosts ?? (isLoopback(opts.host ?? "127.0.0.1") ? LOOPBACK_NAMES : "any");
  if (allowed !== "any") {
    const names = new Set(allowed.map((a) => a.toLowerCase()));
    app.addHook("onRequest", async (req) => {
      const name = hostName(req.headers.host);
      if (!names.has(name))
        throw new HttpError(
          403,
          `host ${JSON.stringify(name)} is not served here (allowed: ${[...names].join(", ")})`,
          "host",
        );
    });
  }
  registerInfoRoutes(app, ws);
  registerUserRoutes(app, ws);
  registerItemRoutes(app, ws);
  registerExportRoutes(app, ws);
  registerRunPlotRoutes(app, ws);
  registerIntentRoutes(app, ws);
  if (hasSae(ws)) for (const register of SAE_ROUTE_GROUPS) register(app, ws);
  else registerNoSaeRoutes(app, ws);
  registerStaticRoutes(app, opts.webRoot === null ? undefined : (opts.webRoot ?? defaultWebRoot()));
  // Built (or read) here rather than by the first request: the item index (2-10 s at 100k items) and
  // the steering calibration (measured once per SAE, then read from beside it; tens of seconds at 100k).
  servingIndexOf(ws.model);
  if (hasSae(ws)) warmSteeringCalibration(ws);
  return app;
}

/**
 * Measures (or reads) the steering calibration before the first request. Best effort: an SAE that
 * cannot be calibrated (no neuron fires on enough items, weights only in memory) still serves every
 * route that does not steer, and a steered request reports the same error then.
 */
function warmSteeringCalibration(ws: Workspace): void {
  try {
    workspaceScales(ws);
  } catch {
    // left to the first steered request, which raises it to the client
  }
}

/** A listening server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:7878 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Creates the server and listens (127.0.0.1 and DEFAULT_PORT unless told otherwise). */
export async function startServer(ws: ServedWorkspace, opts: ServerOptions = {}): Promise<RunningServer> {
  const app = createServer(ws, opts);
  const host = opts.host ?? "127.0.0.1";
  await app.listen({ host, port: opts.port ?? DEFAULT_PORT });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (opts.port ?? DEFAULT_PORT);
  const shown = host.includes(":") ? `[${host}]` : host;
  return { app, url: `http://${shown}:${port}`, port, close: () => app.close() };
}
