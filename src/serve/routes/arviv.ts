import type { FastifyInstance } from "fastify";
import { Unavailable } from "../../errors.js";
import { arvivReport } from "../../pipeline/arviv-protocol.js";
import type { Workspace } from "../workspace.js";

/**
 * GET /api/purity/arviv: Arviv et al.'s Table 1 for the served run's SAE (the service behind
 * `reclens purity --protocol arviv`): best neuron per concept, popularity neuron, top-30 RBO.
 */
export function registerArvivRoutes(app: FastifyInstance, ws: Workspace): void {
  app.get("/api/purity/arviv", async () => {
    const run = ws.run;
    if (!run)
      throw new Unavailable(
        "the Table-1 protocol needs a server started on a run directory (reclens serve --run <dir>)",
      );
    return arvivReport(run.ctx, run.saeDir);
  });
}
