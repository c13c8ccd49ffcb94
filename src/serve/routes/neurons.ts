import type { FastifyInstance } from "fastify";
import { editLabel } from "../../pipeline/label-edit.js";
import { checkNeuronId } from "../../pipeline/neurons.js";
import { neuronReach } from "../editor.js";
import { inBody, parseRequest } from "../http-errors.js";
import { listNeurons, neuronDetail } from "../neuron-views.js";
import { LabelBody, NeuronDetailQuery, NeuronListQuery, NeuronParams, ReachQuery } from "../schemas.js";
import type { Workspace } from "../workspace.js";

/** Neuron in the path; NotFound (404) when out of the SAE's range, worded as the CLI's. */
export function neuronParam(ws: Workspace, params: unknown): number {
  const { j } = parseRequest(NeuronParams, params, "params");
  checkNeuronId(j, ws.sae.dSae, "j");
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
    // The label service persists first: the in-memory labels change only once the file is replaced.
    const r = inBody(() =>
      editLabel(
        ws.labels,
        {
          neuron: j,
          label: body.label,
          ...(body.description !== undefined ? { description: body.description } : {}),
        },
        ws.labelsPath,
      ),
    );
    ws.labels = r.doc;
    return { neuron: j, entry: r.entry, persisted: r.persisted };
  });
}
