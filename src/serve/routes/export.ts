import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { BadInput, Unavailable } from "../../errors.js";
import { exportRun, type ExportWhat } from "../../pipeline/export.js";
import type { ExportPart } from "../../pipeline/export-users.js";
import { TABLE_FORMATS, type TableFormat } from "../../store/table-writer.js";
import type { ModelWorkspace } from "../workspace.js";

const CONTENT_TYPES: Record<TableFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
  parquet: "application/vnd.apache.parquet",
};

/**
 * GET /api/export/:what?format=csv|jsonl|parquet[&part=&k=&of=]: the table `reclens export` writes
 * (same service, same checks and messages), sent as a download. Needs a server started on a run
 * directory; the table is built in a temporary file that is removed once read.
 */
export function registerExportRoutes(app: FastifyInstance, ws: ModelWorkspace): void {
  app.get("/api/export/:what", async (req, reply) => {
    const run = ws.run;
    if (!run)
      throw new Unavailable("export needs a server started on a run directory (reclens serve --run <dir>)");
    const { what } = req.params as { what: string };
    const q = req.query as Record<string, string | undefined>;
    const format = (q.format ?? "csv") as TableFormat;
    if (!TABLE_FORMATS.includes(format))
      throw new BadInput(`format must be one of ${TABLE_FORMATS.join(", ")}, got "${format}"`, "format");
    if (q.of !== undefined && q.of !== "users" && q.of !== "items")
      throw new BadInput(`of must be users or items, got "${q.of}"`, "of");
    const dir = mkdtempSync(join(tmpdir(), "reclens-export-"));
    try {
      const out = join(dir, `${what}.${format}`);
      exportRun(run.ctx, {
        what: what as ExportWhat,
        format,
        out,
        ...(run.saeDir !== undefined ? { sae: run.saeDir } : {}),
        ...(q.part !== undefined ? { part: q.part as ExportPart } : {}),
        ...(q.k !== undefined ? { k: Number(q.k) } : {}),
        ...(q.of !== undefined ? { of: q.of as "users" | "items" } : {}),
      });
      const body = readFileSync(out);
      void reply
        .header("content-type", CONTENT_TYPES[format])
        .header("content-disposition", `attachment; filename="${what}.${format}"`);
      return body;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
