import type { Command } from "commander";
import { redrawRunPlots } from "../pipeline/run-plots.js";
import { positiveIntArg } from "./args.js";

interface PlotsCliOptions {
  run: string;
  sae?: string;
  out?: string;
  k?: number;
  json?: boolean;
}

/**
 * `reclens plots --run <dir>`: re-draws the run's steer-eval frontier (operators.svg) and purity
 * histogram (purity-at-K.svg) from the stored operators.json / purity.json (src/pipeline/run-plots.ts).
 */
export function registerPlots(program: Command): void {
  program
    .command("plots")
    .description("re-draw a run's steer-eval frontier and purity charts from their stored JSON")
    .requiredOption("--run <dir>", "model run directory")
    .option("--sae <dir>", "SAE whose labels' purity to draw (default: the run's SAE)")
    .option("--out <dir>", "write the SVG files here (default: beside their JSON)")
    .option("--k <K>", "purity@K to draw (default: the first stored K)", positiveIntArg)
    .option("--json", "print machine-readable JSON")
    .action((opts: PlotsCliOptions) => {
      const r = redrawRunPlots(opts.run, {
        ...(opts.sae ? { saeDir: opts.sae } : {}),
        ...(opts.out ? { out: opts.out } : {}),
        ...(opts.k !== undefined ? { k: opts.k } : {}),
      });
      if (opts.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      for (const [what, file] of Object.entries(r.written)) console.log(`${what}: ${file}`);
      for (const [what, why] of Object.entries(r.missing)) console.log(`${what}: not drawn, ${why}`);
    });
}
