import type { Command } from "commander";
import { extname, join } from "node:path";
import { EXPORT_WHATS, exportRun, type ExportWhat } from "../pipeline/export.js";
import type { ExportPart } from "../pipeline/export-users.js";
import { TABLE_FORMATS, type TableFormat } from "../store/table-writer.js";
import { choiceArg, positiveIntArg } from "./args.js";
import { addDataDirOption, openRunFromCli } from "./pipeline-options.js";

interface ExportCliOptions {
  what: ExportWhat;
  format?: TableFormat;
  out?: string;
  part?: ExportPart;
  k?: number;
  of?: "users" | "items";
  sae?: string;
  force?: boolean;
  dataDir?: string;
  json?: boolean;
}

const EXTENSIONS: Record<TableFormat, string> = { parquet: ".parquet", csv: ".csv", jsonl: ".jsonl" };

/** The format named by `--format`, else by the extension of `--out`, else Parquet. */
function formatOf(o: ExportCliOptions): TableFormat {
  if (o.format) return o.format;
  const ext = o.out ? extname(o.out).toLowerCase() : "";
  const found = TABLE_FORMATS.find((f) => EXTENSIONS[f] === ext);
  return found ?? "parquet";
}

/**
 * `reclens export <run> --what topk|split|codes|activations|labels|embeddings --format
 * parquet|csv|jsonl`: writes one table of a model run (src/pipeline/export.ts) so that its metrics
 * can be checked with other code and its results moved into pandas, Spark or DuckDB.
 */
export function registerExport(program: Command): void {
  const cmd = program
    .command("export")
    .description(
      "write a run's top-K lists, split, SAE codes, item activations, labels or embeddings as a table",
    )
    .argument("<run>", "model run directory")
    .requiredOption("--what <table>", EXPORT_WHATS.join(" | "), choiceArg(EXPORT_WHATS))
    .option(
      "--format <format>",
      "parquet (default, or from --out's extension) | csv | jsonl",
      choiceArg(TABLE_FORMATS),
    )
    .option("--out <file>", "file to write (default <run>/exports/<what>.<format>)")
    .option(
      "--part <users>",
      "users of topk, codes and user embeddings: test (topk default) | validation | train | all (default otherwise)",
      choiceArg<ExportPart>(["all", "train", "validation", "test"]),
    )
    .option("--k <k>", "topk: list length (default 20)", positiveIntArg)
    .option("--of <what>", "embeddings: users (default) | items", choiceArg(["users", "items"] as const))
    .option("--sae <dir>", "SAE directory for codes, activations and labels (default <run>/sae)")
    .option("--force", "replace an existing file")
    .option("--json", "print the result as JSON");
  addDataDirOption(cmd);
  cmd.action(async (run: string, o: ExportCliOptions) => {
    const format = formatOf(o);
    const out =
      o.out ??
      join(
        run,
        "exports",
        `${o.what}${o.what === "embeddings" && o.of === "items" ? "-items" : ""}${EXTENSIONS[format]}`,
      );
    const ctx = await openRunFromCli(run, o);
    const r = exportRun(ctx, {
      what: o.what,
      format,
      out,
      ...(o.part ? { part: o.part } : {}),
      ...(o.k !== undefined ? { k: o.k } : {}),
      ...(o.of ? { of: o.of } : {}),
      ...(o.sae ? { sae: o.sae } : {}),
      ...(o.force ? { force: true } : {}),
    });
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else
      console.log(
        `wrote ${r.rows} row(s) of ${r.what} (${r.columns.join(", ")}) to ${r.path} as ${r.format}`,
      );
  });
}
