import type { FastifyInstance } from "fastify";
import { backendInfo } from "../../tensor/backend.js";
import { noSaeMessage } from "./no-sae.js";
import { hasSae, type ModelWorkspace, type Workspace } from "../workspace.js";

/** The SAE part of GET /api/info: the SAE, its live neurons and the labels. */
function saeInfo(ws: Workspace) {
  const bySource: Record<string, number> = {};
  for (const e of Object.values(ws.labels.labels)) bySource[e.source] = (bySource[e.source] ?? 0) + 1;
  let live = 0;
  for (let j = 0; j < ws.sae.dSae; j++)
    if (ws.neurons.activity.support[j] > 0 || ws.neurons.firingCount[j] > 0) live++;
  return {
    sae: {
      architecture: ws.sae.architecture,
      dIn: ws.sae.dIn,
      dSae: ws.sae.dSae,
      liveNeurons: live,
      config: ws.sae.config,
    },
    labels: {
      labelled: Object.keys(ws.labels.labels).length,
      bySource,
      persisted: ws.labelsPath !== undefined,
    },
  };
}

/**
 * GET /api/health and GET /api/info. Without an SAE, `sae` and `labels` are null and `noSae` says
 * how to train one (the panel then hides its SAE views).
 */
export function registerInfoRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
  app.get("/api/health", async () => ({ status: "ok" }));
  app.get("/api/info", async () => {
    const d = ws.dataset;
    return {
      dataset: {
        name: d.name,
        source: d.source,
        users: d.users.length,
        items: d.items.length,
        interactions: d.matrix.nnz,
        concepts: d.concepts.map((c) => ({ kind: c.kind, count: c.names.length })),
      },
      model: {
        name: ws.model.name,
        dim: ws.model.dim,
        items: ws.model.nItems,
        config: ws.model.config,
        itemVectors: ws.model.encodeItems !== undefined,
      },
      ...(hasSae(ws) ? saeInfo(ws) : { sae: null, labels: null, noSae: noSaeMessage(ws) }),
      users: { count: ws.users.ids.length, statsSample: hasSae(ws) ? ws.neurons.usersConsidered : 0 },
      metrics: ws.metrics,
      source: ws.source,
      backend: backendInfo().backend,
    };
  });
}
