import type { Command } from "commander";
import { vi } from "vitest";
import { plantedRun, type PlantedRun } from "../../pipeline/testing.js";
import { buildProgram } from "../program.js";

/** Test harness for the CLI (not library code): `reclens` run in-process on planted data. */

function quiet(cmd: Command): void {
  cmd.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  cmd.commands.forEach(quiet);
}

/** A fresh `reclens` program whose commands throw instead of exiting and print no help or errors. */
export function quietProgram(): Command {
  const program = buildProgram();
  quiet(program);
  return program;
}

/** Runs `reclens <args>` in-process and returns what it printed with console.log. */
export async function reclens(...args: string[]): Promise<string> {
  const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
  const program = quietProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return log.mock.calls.map((c) => String(c[0])).join("\n");
  } finally {
    log.mockRestore();
  }
}

/** Runs `reclens <args>` in-process and parses what it printed as JSON. */
export async function reclensJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await reclens(...args)) as T;
}

/**
 * `plantedRun(root)` (ELSA on planted data) with a small SAE trained by `reclens sae train` (k 4,
 * expansion 2, 30 epochs, lr 3e-3, batch 32) and, with `label`, its neurons labelled by `reclens label`.
 */
export async function plantedSaeRun(root: string, opts: { label?: boolean } = {}): Promise<PlantedRun> {
  const planted = await plantedRun(root);
  const run = planted.ctx.dir;
  await reclens(
    ...["sae", "train", "--run", run, "--k", "4", "--expansion", "2", "--epochs", "30", "--lr", "3e-3"],
    ...["--batch-size", "32", "--quiet"],
  );
  if (opts.label) await reclens("label", run, "--json");
  return planted;
}
