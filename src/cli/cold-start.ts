import type { Command } from "commander";
import { coldStartForRun, parseColdStartKnob } from "../pipeline/cold-start-run.js";
import { KNOB_MAPPINGS, type KnobMapping } from "../pipeline/knobs.js";
import { readRunLabels } from "../pipeline/run-labels.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { choiceArg, collect, positiveIntArg } from "./args.js";
import { resolutionLines } from "./knob-resolution.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";

interface ColdStartCliOptions {
  run: string;
  knob: string[];
  n: number;
  mapping?: KnobMapping;
  sae?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * `reclens cold-start --run <dir> [--sae <dir>] --knob "<concept or #id>:<strength>" ... [--json]`:
 * a new user's list (no history) from concept knobs alone, through the cold-start service
 * (src/pipeline/cold-start.ts, shared with POST /api/cold-start): strengths on the boost's 0..1
 * scale (0 = unchanged, i.e. the decoder biases' popularity list; 1 = the concept dominates),
 * summing to at most 1.
 */
export function registerColdStart(program: Command): void {
  const cmd = program
    .command("cold-start")
    .description("recommend for a new user with no history from concept knobs alone")
    .requiredOption("--run <dir>", "model run directory with an SAE (and labels for concept names)")
    .requiredOption(
      "--knob <spec>",
      'a knob: "<concept, label or #id>:<strength>", strength in [0, 1] as for --boost (strengths sum to <= 1; repeatable)',
      collect,
      [],
    )
    .option("--n <n>", "list length", positiveIntArg, 20)
    .option(
      "--mapping <m>",
      "how a concept name maps to neurons: representative (default), unique or direction",
      choiceArg<KnobMapping>([...KNOB_MAPPINGS]),
    )
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON");
  addDataDirOption(cmd);
  cmd.action(async (o: ColdStartCliOptions) => {
    const knobs = o.knob.map(parseColdStartKnob);
    const ctx = await openRunFromCli(o.run, o);
    const loaded = loadRunSae(ctx, o.sae);
    const r = coldStartForRun(ctx, loaded, readRunLabels(ctx, loaded), {
      knobs,
      n: o.n,
      ...(o.mapping ? { mapping: o.mapping } : {}),
    });
    if (o.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    for (const line of resolutionLines(r.resolved)) console.log(line);
    console.log(
      textTable([
        ["neuron", "label", "strength", "amount", "activation"],
        ...r.knobs.map((k) => [
          `#${k.neuron}`,
          k.label ?? "",
          fmtNumber(k.strength),
          fmtNumber(k.amount),
          fmtNumber(k.activation),
        ]),
      ]),
    );
    console.log(`new user: top ${r.n} from the knobs alone`);
    console.log(textTable(r.items.map((it) => [`${it.rank}.`, fmtNumber(it.score), it.id, it.title ?? ""])));
  });
}
