import { Command } from "commander";
import { registerInfo } from "./info.js";
import { packageVersion } from "./version.js";

/** Builds the `reclens` command tree; each command lives in its own file and registers itself here. */
export function buildProgram(): Command {
  const program = new Command("reclens")
    .description("interpretable, steerable recommender systems with sparse autoencoders")
    .version(packageVersion());
  registerInfo(program);
  return program;
}
