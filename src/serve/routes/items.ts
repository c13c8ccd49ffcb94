import type { FastifyInstance } from "fastify";
import { findId } from "../../pipeline/ids.js";
import { resolveNeuron } from "../../pipeline/knobs.js";
import { promotionPreview } from "../editor.js";
import { inBody, parseRequest } from "../http-errors.js";
import { describeItem, searchItems } from "../item-view.js";
import { IdParams, PromoteBody, SearchQuery } from "../schemas.js";
import type { ModelWorkspace } from "../workspace.js";
import { requireSae } from "./no-sae.js";

/** GET /api/items and POST /api/items/:id/promote (409 without an SAE). */
export function registerItemRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
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
    const sw = requireSae(ws);
    const { id } = parseRequest(IdParams, req.params, "params");
    const item = findId(ws.dataset.items, id, "item", "id", ws.itemIndex);
    const body = parseRequest(PromoteBody, req.body, "body");
    // The promotion service checks the request; its fields are named as body fields here.
    return inBody(() => {
      const neuron =
        typeof body.neuron === "string" ? resolveNeuron(sw.labels, body.neuron, "neuron") : body.neuron;
      return promotionPreview(sw, item, neuron, body.strength, body.n, body.limit);
    });
  });
}
