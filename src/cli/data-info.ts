import type { Command } from "commander";
import { DataFileMissingError } from "../data/loaders/errors.js";
import { listDir } from "../data/loaders/read-records.js";
import { loadDatasetWithReport, loadRawDataset, resolveSource } from "../data/load.js";
import { fileReadProgress, withReadProgress } from "../data/read-progress.js";
import { summarizeDataset, summarizeItemMetadata } from "../data/summary.js";
import { addCsvOptions, addLoadOptions, toLoadOptions, type LoadCliOptions } from "./data-options.js";
import { coverageLines, summaryLines } from "./data-report.js";

/** Rating threshold `data info` uses unless --threshold is given: every rating is kept. */
const KEEP_ALL_RATINGS = -Number.MAX_VALUE;

/**
 * `reclens data info <dataset|path>`: users, items, interactions and density before and after
 * binarisation, concept families and metadata coverage. Unlike training, it keeps every rating
 * unless --threshold is given, so its counts are the dataset's own (e.g. ML-1M: 1,000,209
 * ratings). When the interaction file is missing it says so and reports the item metadata it can
 * read; the exit code is then 1. Reading large files shows bytes and lines of the total with an
 * ETA on a TTY (quiet when piped or under CI).
 */
export function registerDataInfo(data: Command): void {
  const cmd = data
    .command("info")
    .description("show size, density and metadata coverage of a dataset (registered name or folder)")
    .argument("<dataset>", "registered name (ml-100k, ...), recbole:<path>, or a folder/file path")
    .option("--json", "print machine-readable JSON");
  addLoadOptions(cmd);
  addCsvOptions(cmd);
  cmd.action(async (ref: string, o: LoadCliOptions & { json?: boolean }) => {
    const opts = toLoadOptions(o);
    const keepAll = o.threshold === undefined;
    if (keepAll) opts.process = { ...opts.process, ratingThreshold: KEEP_ALL_RATINGS };
    const src = resolveSource(ref, opts);
    const files = src.loader.files(src.path, opts.loader ?? {});
    if (files.missing.length) {
      const message = new DataFileMissingError(src.loader.format, src.path, files.missing, listDir(src.path))
        .message;
      const raw = await withReadProgress(fileReadProgress(), () =>
        loadRawDataset(ref, { ...opts, loader: { ...opts.loader, skipInteractions: true } }),
      );
      const meta = summarizeItemMetadata(raw.items);
      if (o.json) {
        console.log(JSON.stringify({ error: message, missing: files.missing, itemMetadata: meta }, null, 2));
      } else {
        console.log(`error       ${message}`);
        console.log(`metadata    ${meta.items.toLocaleString("en-US")} items described in the item files`);
        if (meta.items) for (const line of coverageLines(meta.coverage)) console.log(line);
      }
      process.exitCode = 1;
      return;
    }
    const r = await withReadProgress(fileReadProgress(), () => loadDatasetWithReport(ref, opts));
    const s = summarizeDataset(r.dataset);
    if (o.json) {
      console.log(
        JSON.stringify(
          { summary: s, report: r.report, cachePath: r.cachePath, cacheHit: r.cacheHit },
          null,
          2,
        ),
      );
      return;
    }
    for (const line of summaryLines(s, r.report)) console.log(line);
    if (keepAll && r.report.valueKind === "rating")
      console.log("threshold   none: every rating kept (--threshold r keeps ratings >= r; training uses 4)");
  });
}
