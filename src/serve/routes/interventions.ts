import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { InterventionEnv } from "../../pipeline/intervention-env.js";
import { runConceptDataset } from "../../pipeline/intervention-env.js";
import { nudgeFor } from "../../pipeline/nudge-run.js";
import { promoteAudience } from "../../pipeline/promote-run.js";
import { suppressFor } from "../../pipeline/suppress-run.js";
import { inBody, parseRequest } from "../http-errors.js";
import { IdParams, MAX_LIST } from "../schemas.js";
import type { Workspace } from "../workspace.js";

/** Most strengths (or factors) one request may ask for. */
export const MAX_STRENGTHS = 16;

const Spec = z.string().min(1).max(200);
const NeuronRef = z.union([z.number().int().min(0), z.string().min(1).max(200)]).transform(String);
const Strengths = z.array(z.number()).min(1).max(MAX_STRENGTHS);
const Share = z.number().gt(0).max(1);

/** POST /api/items/:id/promote-audience body (`reclens promote --audience`). */
export const PromoteAudienceBody = z
  .object({
    audience: Spec,
    strengths: Strengths,
    neuron: NeuronRef.optional(),
    n: z.number().int().min(1).max(MAX_LIST).default(30),
    minShare: Share.optional(),
    minHistory: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

/** POST /api/suppress body (`reclens suppress`). */
export const SuppressBody = z
  .object({
    concept: Spec,
    users: Spec,
    neurons: z.array(NeuronRef).min(1).max(64).optional(),
    enrichment: z.number().optional(),
    factors: Strengths.optional(),
    n: z.number().int().min(1).max(MAX_LIST).default(30),
    minShare: Share.optional(),
    side: z.enum(["items", "users"]).optional(),
  })
  .strict();

/** POST /api/nudge body (`reclens nudge`). */
export const NudgeBody = z
  .object({
    segment: Spec,
    concept: Spec,
    strengths: Strengths,
    neurons: z.array(NeuronRef).min(1).max(64).optional(),
    n: z.number().int().min(1).max(MAX_LIST).default(30),
    k: z.number().int().min(1).max(MAX_LIST).default(20),
    side: z.enum(["users", "items"]).optional(),
    users: z.enum(["test", "heldout"]).optional(),
    minShare: Share.optional(),
  })
  .strict();

/**
 * The interventions' environment for a served workspace: the run's dataset with the Arviv concepts
 * (when served from a run), the workspace's users when they are the dataset's users in order (else
 * the dataset's rows), the current labels and, for a run, its held-out users.
 */
export function workspaceInterventionEnv(ws: Workspace): InterventionEnv {
  const dataset = ws.run ? runConceptDataset(ws.run.ctx) : ws.dataset;
  const same =
    ws.users.ids.length === dataset.users.length && ws.users.ids.every((id, u) => id === dataset.users[u]);
  const population = same ? ws.users : { ids: dataset.users, rows: dataset.matrix };
  const split = ws.run?.ctx.split;
  return {
    dataset,
    model: ws.model,
    sae: ws.sae,
    labels: ws.labels,
    population,
    ...(split && split.test.users.length > 0
      ? { heldOut: { test: split.test, validation: split.validation } }
      : {}),
  };
}

/**
 * POST /api/items/:id/promote-audience, POST /api/suppress and POST /api/nudge: the item-side and
 * segment interventions through the same services as `reclens promote --audience`, `suppress` and
 * `nudge` (same JSON as their --json output).
 */
export function registerInterventionRoutes(app: FastifyInstance, ws: Workspace): void {
  app.post("/api/items/:id/promote-audience", async (req) => {
    const { id } = parseRequest(IdParams, req.params, "params");
    const b = parseRequest(PromoteAudienceBody, req.body, "body");
    return inBody(() =>
      promoteAudience(workspaceInterventionEnv(ws), {
        item: id,
        audience: b.audience,
        strengths: b.strengths,
        n: b.n,
        ...(b.neuron !== undefined ? { neuron: b.neuron } : {}),
        ...(b.minShare !== undefined ? { minShare: b.minShare } : {}),
        ...(b.minHistory !== undefined ? { minHistory: b.minHistory } : {}),
      }),
    );
  });

  app.post("/api/suppress", async (req) => {
    const b = parseRequest(SuppressBody, req.body, "body");
    return inBody(() =>
      suppressFor(workspaceInterventionEnv(ws), {
        concept: b.concept,
        users: b.users,
        n: b.n,
        ...(b.neurons ? { neurons: b.neurons } : {}),
        ...(b.enrichment !== undefined ? { enrichment: b.enrichment } : {}),
        ...(b.factors ? { factors: b.factors } : {}),
        ...(b.minShare !== undefined ? { minShare: b.minShare } : {}),
        ...(b.side ? { side: b.side } : {}),
      }),
    );
  });

  app.post("/api/nudge", async (req) => {
    const b = parseRequest(NudgeBody, req.body, "body");
    return inBody(() =>
      nudgeFor(workspaceInterventionEnv(ws), {
        segment: b.segment,
        concept: b.concept,
        strengths: b.strengths,
        n: b.n,
        k: b.k,
        ...(b.neurons ? { neurons: b.neurons } : {}),
        ...(b.side ? { side: b.side } : {}),
        ...(b.users ? { users: b.users } : {}),
        ...(b.minShare !== undefined ? { minShare: b.minShare } : {}),
      }),
    );
  });
}
