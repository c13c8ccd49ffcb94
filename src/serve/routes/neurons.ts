import type { FastifyInstance } from "fastify";
import { editLabel } from "../../pipeline/label-edit.js";
import { checkNeuronId } from "../../pipeline/neurons.js";
import { neuronReach } from "../editor.js";
import { inBody, parseRequest } from "../http-errors.js";
import { listNeurons, neuronDetail } from "../neuron-views.js";
import { resolveKnob } from "../../pipeline/knobs.js";
import {
  KnobResolveQuery,
  LabelBody,
  NeuronDetailQuery,
  NeuronListQuery,
  NeuronParams,
  ReachQuery,
} from "../schemas.js";
import type { Workspace } from "../workspace.js";

/** Neuron in the path; NotFound (404) when out of the SAE's range, worded as the CLI's. */
export function neuronParam(ws: Workspace, params: unknown): number {
  const { j } = parseRequest(NeuronParams, params, "params");
  checkNeuronId(j, ws.sae.dSae, "j");
  return j;
}

/**
 * GET /api/neurons, GET /api/neurons/:j, GET /api/neurons/:j/reach, PUT /api/neurons/:j/label, and
 * GET /api/knobs/resolve?ref=<id, concept or label>&mapping=<representative|unique|direction>: the
 * neuron(s) a knob reference resolves to and the alternatives (as `reclens neurons resolve`).
 */
export function registerNeuronRoutes(app: FastifyInstance, ws: Workspace): void {
  app.get("/api/knobs/resolve", async (req) => {
    const q = parseRequest(KnobResolveQuery, req.query, "query");
    return resolveKnob(ws.labels, q.ref, { mapping: q.mapping }, "ref");
  });

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
    return neuronReach(ws, j, q.strength, q.n, q.limit);
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
