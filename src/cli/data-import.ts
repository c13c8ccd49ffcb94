import type { Command } from "commander";
import { loadDatasetWithReport } from "../data/load.js";
import { formatNames } from "../data/loaders/index.js";
import { fileReadProgress, withReadProgress } from "../data/read-progress.js";
import { summarizeDataset } from "../data/summary.js";
import { addCsvOptions, addLoadOptions, toLoadOptions, type LoadCliOptions } from "./data-options.js";
import { summaryLines } from "./data-report.js";

/**
 * `reclens data import <format> <path>`: parses a source, processes and caches it, prints a
 * summary. While reading, each file's bytes and lines of its total (with an ETA) are shown on a
 * TTY (quiet when piped or under CI; see data/read-progress.ts).
 */
export function registerDataImport(data: Command): void {
  const cmd = data
    .command("import")
    .description("parse a dataset, process it (binarise, filter, metadata) and cache the result")
    .argument("<format>", `source format: auto, ${formatNames().join(", ")}`)
    .argument("<path>", "folder (or file for csv / .inter) to read")
    .option("--json", "print machine-readable JSON");
  addLoadOptions(cmd);
  addCsvOptions(cmd);
  cmd.action(async (format: string, path: string, o: LoadCliOptions & { json?: boolean }) => {
    const t0 = performance.now();
    const r = await withReadProgress(fileReadProgress(), () =>
      loadDatasetWithReport(path, toLoadOptions(o, format)),
    );
    const seconds = (performance.now() - t0) / 1000;
    const s = summarizeDataset(r.dataset);
    if (o.json) {
      console.log(
        JSON.stringify(
          { summary: s, report: r.report, cachePath: r.cachePath, cacheHit: r.cacheHit, seconds },
          null,
          2,
        ),
      );
      return;
    }
    for (const line of summaryLines(s, r.report)) console.log(line);
    console.log(
      `cache       ${r.cachePath ? `${r.cacheHit ? "reused" : "written"} ${r.cachePath}` : "off"} (${seconds.toFixed(2)} s)`,
    );
  });
}
