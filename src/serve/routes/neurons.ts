import type { FastifyInstance } from "fastify";
import { setLabel, writeLabels } from "../../concepts/labels.js";
import { neuronReach } from "../editor.js";
import { notFound, parseRequest } from "../http-errors.js";
import { listNeurons, neuronDetail } from "../neuron-views.js";
import { LabelBody, NeuronDetailQuery, NeuronListQuery, NeuronParams, ReachQuery } from "../schemas.js";
import type { Workspace } from "../workspace.js";

/** Neuron in the path; 404 when out of the SAE's range. */
export function neuronParam(ws: Workspace, params: unknown): number {
  const { j } = parseRequest(NeuronParams, params, "params");
  if (j >= ws.sae.dSae) throw notFound("j", "neuron", j);
  return j;
}

/** GET /api/neurons, GET /api/neurons/:j, GET /api/neurons/:j/reach, PUT /api/neurons/:j/label. */
export function registerNeuronRoutes(app: FastifyInstance, ws: Workspace): void {
  app.get("/api/neurons", async (req) => {
    const q = parseRequest(NeuronListQuery, req.query, "query");
    return listNeurons(ws, { ...q, includeDead: q.includeDead === "true" });
  });

  app.get("/api/neurons/:j", async (req) => {
    const j = neuronParam(ws, req.params);
    const { k } = parseRequest(NeuronDetailQuery, req.query, "query");
    return neuronDetail(ws, j, k);
  });

  app.get("/api/neurons/:j/reach", async (req) => {
    const j = neuronParam(ws, req.params);
    const q = parseRequest(ReachQuery, req.query, "query");
    return neuronReach(ws, j, q.alpha, q.n, q.limit);
  });

  app.put("/api/neurons/:j/label", async (req) => {
    const j = neuronParam(ws, req.params);
    const body = parseRequest(LabelBody, req.body, "body");
    const doc = setLabel(
      ws.labels,
      j,
      body.label,
      body.description !== undefined ? { description: body.description } : {},
    );
    // Persist first: the in-memory labels change only once the file has been replaced.
    if (ws.labelsPath !== undefined) writeLabels(ws.labelsPath, doc);
    ws.labels = doc;
    return { neuron: j, entry: doc.labels[String(j)], persisted: ws.labelsPath !== undefined };
  });
}
