import type { FastifyInstance } from "fastify";
import {
  explainIntentsForUser,
  listRunIntents,
  type IntentExplainSource,
} from "../../pipeline/intent-explain.js";
import { parseRequest } from "../http-errors.js";
import { IntentExplainQuery, IntentListQuery } from "../schemas.js";
import type { ModelWorkspace } from "../workspace.js";
import { userRow } from "./users.js";

/** The served model as an intent-explanation source (Unavailable, 503, unless it is a saerec run). */
function sourceOf(ws: ModelWorkspace): IntentExplainSource {
  return { dir: ws.source.runDir ?? "the served model", model: ws.model, dataset: ws.dataset };
}

/**
 * GET /api/intents (the served SAERec run's intent library: labels, confidence, support, top items)
 * and GET /api/users/:id/intents-explain (each recommended item's score split over the user's
 * intents; `off` switches intents off and re-ranks), through the intents service
 * (src/pipeline/intent-explain.ts), as `reclens recommend --explain` / `--intent-off` do.
 */
export function registerIntentRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
  app.get("/api/intents", async (req) => {
    const q = parseRequest(IntentListQuery, req.query, "query");
    return listRunIntents(sourceOf(ws), { offset: q.offset, limit: q.limit, top: q.top, query: q.q });
  });

  app.get("/api/users/:id/intents-explain", async (req) => {
    const u = userRow(ws, req.params);
    const q = parseRequest(IntentExplainQuery, req.query, "query");
    return explainIntentsForUser(sourceOf(ws), ws.users.ids[u], { n: q.n, off: q.off });
  });
}
