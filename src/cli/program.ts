import { Command, CommanderError } from "commander";
import { EXIT_CODES, exitCodeOf } from "../errors.js";
import { registerPurity } from "./arviv.js";
import { registerColdStart } from "./cold-start.js";
import { registerCompare } from "./compare.js";
import { registerData } from "./data.js";
import { registerDemo } from "./demo.js";
import { registerEval } from "./eval.js";
import { registerExport } from "./export.js";
import { registerInfo } from "./info.js";
import { registerIntents } from "./intents.js";
import { registerLabel } from "./label.js";
import { registerNeurons } from "./neurons.js";
import { registerPlots } from "./plots.js";
import { registerPromote } from "./promote.js";
import { registerSuppress } from "./suppress.js";
import { registerNudge } from "./nudge.js";
import { registerRecommend } from "./recommend.js";
import { registerSae } from "./sae.js";
import { registerServe } from "./serve.js";
import { registerSteerEval } from "./steer-eval.js";
import { registerTrain } from "./train.js";
import { packageVersion } from "../version.js";

/** Builds the `reclens` command tree; each command lives in its own file and registers itself here. */
export function buildProgram(): Command {
  const program = new Command("reclens")
    .description("interpretable, steerable recommender systems with sparse autoencoders")
    .version(packageVersion());
  registerDemo(program);
  registerInfo(program);
  registerData(program);
  registerTrain(program);
  registerEval(program);
  registerCompare(program);
  registerSae(program);
  registerPurity(program);
  registerLabel(program);
  registerNeurons(program);
  registerRecommend(program);
  registerColdStart(program);
  registerPromote(program);
  registerSuppress(program);
  registerNudge(program);
  registerSteerEval(program);
  registerPlots(program);
  registerExport(program);
  registerIntents(program);
  registerServe(program);
  return program;
}

function overrideExits(cmd: Command): void {
  cmd.exitOverride();
  cmd.commands.forEach(overrideExits);
}

/**
 * Runs `reclens` on `argv` (node-style: [node, script, ...args]) and returns the exit code: the ONE
 * mapping of errors to exit codes (docs/errors.md). 0 success; 2 bad input (BadInput, and commander's
 * own usage errors: unknown option, bad option value); 3 not found; 4 conflict; 5 unavailable; 1 any
 * other (internal) error. Errors are printed to stderr as `reclens: <message>` (commander prints its own).
 */
export async function runCli(argv: readonly string[], program: Command = buildProgram()): Promise<number> {
  overrideExits(program);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_CODES["bad-input"];
    console.error(`reclens: ${err instanceof Error ? err.message : String(err)}`);
    return exitCodeOf(err);
  }
}
