import type { FastifyInstance } from "fastify";
import { ExplainQuery, HistoryQuery, IdParams, RecommendQuery, SearchQuery } from "../schemas.js";
import { findId } from "../../pipeline/ids.js";
import { parseRequest } from "../http-errors.js";
import { describeItem } from "../item-view.js";
import { modelListForUser, recommendForUser } from "../steering.js";
import { requestSteering } from "../strength.js";
import { explainForWorkspaceUser } from "../explain.js";
import { hasSae, type ModelWorkspace } from "../workspace.js";
import { noSaeMessage, requireSae } from "./no-sae.js";
import { Conflict } from "../../errors.js";

/** Workspace row of the user in the path; NotFound (404) when unknown, worded as the CLI's. */
export function userRow(ws: ModelWorkspace, params: unknown): number {
  const { id } = parseRequest(IdParams, params, "params");
  return findId(ws.users.ids, id, "user", "id", ws.userIndex);
}

/** Users whose id starts with `query` (case-insensitive); an exact match comes first. */
export function searchUsers(ws: ModelWorkspace, query: string): number[] {
  const q = query.trim().toLowerCase();
  const out: number[] = [];
  const exact = q === "" ? undefined : ws.userIndex.get(query.trim());
  if (exact !== undefined) out.push(exact);
  ws.users.ids.forEach((id, u) => {
    if (u !== exact && id.toLowerCase().startsWith(q)) out.push(u);
  });
  return out;
}

/**
 * GET /api/users, GET /api/users/:id, GET /api/users/:id/recommendations, GET /api/users/:id/explain.
 * Without an SAE the recommendations are the model's own list (steering specs answer 409) and
 * explain answers 409.
 */
export function registerUserRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
  app.get("/api/users", async (req) => {
    const q = parseRequest(SearchQuery, req.query, "query");
    const found = searchUsers(ws, q.query);
    return {
      total: found.length,
      offset: q.offset,
      limit: q.limit,
      users: found
        .slice(q.offset, q.offset + q.limit)
        .map((u) => ({ id: ws.users.ids[u], interactions: ws.users.rows.rowNnz(u) })),
    };
  });

  app.get("/api/users/:id", async (req) => {
    const u = userRow(ws, req.params);
    const { limit } = parseRequest(HistoryQuery, req.query, "query");
    const rows = ws.users.rows;
    const ts = rows === ws.dataset.matrix ? ws.dataset.timestamps : undefined;
    const entries = [];
    for (let p = rows.indptr[u]; p < rows.indptr[u + 1]; p++)
      entries.push({ item: rows.indices[p], t: ts ? ts[p] : undefined });
    if (ts) entries.sort((a, b) => (b.t as number) - (a.t as number) || a.item - b.item);
    return {
      id: ws.users.ids[u],
      index: u,
      interactions: entries.length,
      truncated: entries.length > limit,
      history: entries.slice(0, limit).map((e) => ({
        item: describeItem(ws.dataset, e.item),
        ...(e.t !== undefined ? { timestamp: e.t } : {}),
      })),
    };
  });

  app.get("/api/users/:id/recommendations", async (req) => {
    const u = userRow(ws, req.params);
    const q = parseRequest(RecommendQuery, req.query, "query");
    if (!hasSae(ws)) {
      const field = (["boost", "suppress", "clamp"] as const).find((f) => q[f].length > 0);
      if (field) throw new Conflict(`${field}: ${noSaeMessage(ws)}`, field);
      return { ...modelListForUser(ws, u, q.n), resolved: [] };
    }
    const { steering, resolved } = requestSteering(ws, q);
    return { ...recommendForUser(ws, u, q.n, steering), resolved };
  });

  app.get("/api/users/:id/explain", async (req) => {
    const sw = requireSae(ws);
    const u = userRow(sw, req.params);
    const q = parseRequest(ExplainQuery, req.query, "query");
    const { steering } = requestSteering(sw, q);
    const item =
      q.item === undefined ? undefined : findId(sw.dataset.items, q.item, "item", "item", sw.itemIndex);
    return explainForWorkspaceUser(sw, u, {
      n: q.n,
      steering,
      top: q.top,
      ...(item !== undefined ? { item } : {}),
    });
  });
}
