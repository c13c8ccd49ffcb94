import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { readPurityPlot, readSteerEvalPlot } from "../../pipeline/run-plots.js";
import { conceptsDirOf } from "../../pipeline/sae-ref.js";
import { parseRequest } from "../http-errors.js";
import { intParam } from "../schemas.js";
import { noSaeMessage } from "./no-sae.js";
import type { ModelWorkspace } from "../workspace.js";

/** GET /api/plots/purity query. */
const PurityQuery = z.object({ k: intParam(1, 1000).optional() }).strict();

const NO_RUN = {
  available: false,
  reason: "the server was not started from a run directory, so there are no stored evaluations",
} as const;

/**
 * The panel's evaluation charts (src/pipeline/run-plots.ts): GET /api/plots/steer-eval (the
 * run's steer-eval operator comparison, operators.json) and GET /api/plots/purity?k= (purity@K of
 * the served SAE's labels, binned). Each answers `{ available: false, reason }` when the run has no
 * such file.
 */
export function registerRunPlotRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
  app.get("/api/plots/steer-eval", async () => (ws.run ? readSteerEvalPlot(ws.run.ctx.dir) : NO_RUN));
  app.get("/api/plots/purity", async (req) => {
    const q = parseRequest(PurityQuery, req.query, "query");
    if (!ws.run) return NO_RUN;
    if (ws.run.saeDir === undefined) return { available: false, reason: noSaeMessage(ws) };
    return readPurityPlot(conceptsDirOf(ws.run.ctx.layout, ws.run.saeDir), q.k);
  });
}
