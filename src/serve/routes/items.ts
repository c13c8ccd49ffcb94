import type { FastifyInstance } from "fastify";
import { findId } from "../../pipeline/ids.js";
import { resolveNeuron } from "../../pipeline/knobs.js";
import { promotionPreview } from "../editor.js";
import { inBody, parseRequest } from "../http-errors.js";
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
    const item = findId(ws.dataset.items, id, "item", "id", ws.itemIndex);
    const body = parseRequest(PromoteBody, req.body, "body");
    // The promotion service checks the request; its fields are named as body fields here.
    return inBody(() => {
      const neuron =
        typeof body.neuron === "string" ? resolveNeuron(ws.labels, body.neuron, "neuron") : body.neuron;
      return promotionPreview(ws, item, neuron, body.strength, body.n, body.limit);
    });
  });
}
