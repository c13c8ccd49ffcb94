import type { Command } from "commander";
import { registerDataFetch } from "./data-fetch.js";
import { registerDataImport } from "./data-import.js";
import { registerDataInfo } from "./data-info.js";
import { registerDataSynth } from "./data-synth.js";

/**
 * `reclens data`: the dataset command group. Each subcommand lives in its own file
 * (src/cli/data-<sub>.ts) exporting `registerData<Sub>(data: Command)`; adding one is an import and
 * a call below. Returns the group so callers can attach more subcommands.
 */
export function registerData(program: Command): Command {
  const data = program.command("data").description("download, import and inspect recommendation datasets");
  registerDataFetch(data);
  registerDataImport(data);
  registerDataInfo(data);
  registerDataSynth(data);
  return data;
}
