import type { FastifyInstance } from "fastify";
import { promotionPreview } from "../editor.js";
import { badRequest, notFound, parseRequest } from "../http-errors.js";
import { describeItem, searchItems } from "../item-view.js";
import { IdParams, PromoteBody, SearchQuery } from "../schemas.js";
import type { Workspace } from "../workspace.js";

/** GET /api/items and POST /api/items/:id/promote. */
export function registerItemRoutes(app: FastifyInstance, ws: Workspace): void {
  app.get("/api/items", async (req) => {
    const q = parseRequest(SearchQuery, req.query, "query");
    const found = searchItems(ws.dataset, q.query);
    return {
      total: found.length,
      offset: q.offset,
      limit: q.limit,
      items: found.slice(q.offset, q.offset + q.limit).map((i) => describeItem(ws.dataset, i)),
    };
  });

  app.post("/api/items/:id/promote", async (req) => {
    const { id } = parseRequest(IdParams, req.params, "params");
    const item = ws.itemIndex.get(id);
    if (item === undefined) throw notFound("id", "item", id);
    const body = parseRequest(PromoteBody, req.body, "body");
    if (body.neuron >= ws.sae.dSae)
      throw badRequest("body.neuron", `neuron ${body.neuron} is not in [0, ${ws.sae.dSae})`);
    return promotionPreview(ws, item, body.neuron, body.strength, body.n, body.limit);
  });
}
