import type { FastifyInstance, HTTPMethods } from "fastify";
import { Conflict } from "../../errors.js";
import { hasSae, type ModelWorkspace, type Workspace } from "../workspace.js";

/**
 * The routes that only exist with an SAE (neurons and labels, knobs, cold start, the Arviv table, the
 * item and segment interventions), as registered by routes/neurons.ts, panel.ts, arviv.ts and
 * interventions.ts. A server over a run without an SAE registers these paths answering 409 instead
 * (an api test checks this list against the routes of a server with an SAE).
 */
export const SAE_ONLY_ROUTES: readonly { readonly method: HTTPMethods; readonly url: string }[] = [
  { method: "GET", url: "/api/knobs/resolve" },
  { method: "GET", url: "/api/neurons" },
  { method: "GET", url: "/api/neurons/:j" },
  { method: "GET", url: "/api/neurons/:j/reach" },
  { method: "PUT", url: "/api/neurons/:j/label" },
  { method: "GET", url: "/api/purity/arviv" },
  { method: "GET", url: "/api/knobs/search" },
  { method: "POST", url: "/api/cold-start" },
  { method: "POST", url: "/api/items/:id/promote-audience" },
  { method: "POST", url: "/api/suppress" },
  { method: "POST", url: "/api/nudge" },
];

/** The message of every SAE request to a run without one, naming the command that trains it. */
export function noSaeMessage(ws: ModelWorkspace): string {
  return `this run has no SAE; train one with \`reclens sae train --run ${ws.source.runDir ?? "<run>"}\``;
}

/** The workspace with its SAE; Conflict (409) naming `reclens sae train` when the run has none. */
export function requireSae(ws: ModelWorkspace): Workspace {
  if (hasSae(ws)) return ws;
  throw new Conflict(noSaeMessage(ws), "sae");
}

/** Registers {@link SAE_ONLY_ROUTES} answering 409 (the message of {@link noSaeMessage}). */
export function registerNoSaeRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
  for (const r of SAE_ONLY_ROUTES)
    app.route({
      method: r.method,
      url: r.url,
      handler: async () => {
        throw new Conflict(noSaeMessage(ws), "sae");
      },
    });
}
