import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ColdStartBody, coldStartForWorkspace } from "../cold-start.js";
import { inBody, parseRequest } from "../http-errors.js";
import { searchKnobs } from "../knob-search.js";
import { intParam, MAX_PAGE } from "../schemas.js";
import type { Workspace } from "../workspace.js";

/** GET /api/knobs/search query. */
const KnobSearchQuery = z
  .object({ q: z.string().max(100).default(""), limit: intParam(1, MAX_PAGE).default(20) })
  .strict();

/**
 * The panel's knob routes: GET /api/knobs/search?q=&limit= (concepts and labels over all neurons,
 * src/serve/knob-search.ts) and POST /api/cold-start (a new user's list from knobs alone,
 * src/pipeline/cold-start.ts).
 */
export function registerPanelRoutes(app: FastifyInstance, ws: Workspace): void {
  app.get("/api/knobs/search", async (req) => {
    const q = parseRequest(KnobSearchQuery, req.query, "query");
    return searchKnobs(ws, q.q, q.limit);
  });

  app.post("/api/cold-start", async (req) => {
    const body = parseRequest(ColdStartBody, req.body, "body");
    return inBody(() => coldStartForWorkspace(ws, body));
  });
}
