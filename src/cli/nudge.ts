import type { Command } from "commander";
import { runInterventionEnv } from "../pipeline/intervention-env.js";
import { nudgeFor, type NudgeUsers } from "../pipeline/nudge-run.js";
import type { NudgeSide } from "../pipeline/nudge.js";
import { readRunLabels } from "../pipeline/run-labels.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { choiceArg, listArg, numberArg, positiveIntArg } from "./args.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";

interface NudgeCliOptions {
  run: string;
  segment: string;
  concept: string;
  strength: number[];
  neuron?: string[];
  n: number;
  k: number;
  side?: NudgeSide;
  users?: NudgeUsers;
  minShare?: number;
  sae?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * `reclens nudge --run <dir> --segment age=1 --concept "Children's" --strength 0,1,2,4`: raise the
 * concept's neuron for a segment's held-out users; per strength the concept's share of their top-n
 * gained and their Recall@k (held-out items) kept.
 */
export function registerNudge(program: Command): void {
  const cmd = program
    .command("nudge")
    .description("nudge a user segment toward a concept; the concept's share gained vs Recall@k kept")
    .requiredOption("--run <dir>", "model run directory with an SAE")
    .requiredOption(
      "--segment <spec>",
      "users: <attr>=<value> (age=1), a concept (users dominated by it), or ids:a,b",
    )
    .requiredOption(
      "--concept <c>",
      "concept to nudge toward: [family:]name[|name...], style:Metal, Golden-Age",
    )
    .requiredOption(
      "--strength <list>",
      "code units added to the neuron, comma-separated",
      listArg(numberArg),
    )
    .option(
      "--neuron <list>",
      "neuron ids or labels to raise (default: the concept's Table-1 neuron)",
      listArg(String),
    )
    .option(
      "--side <side>",
      "raise it in the users' codes (default) or in the concept items' codes",
      choiceArg<NudgeSide>(["users", "items"]),
    )
    .option(
      "--users <which>",
      "held-out users measured: test (default) or heldout (test + validation)",
      choiceArg<NudgeUsers>(["test", "heldout"]),
    )
    .option(
      "--min-share <f>",
      "concept segments: share of the history in the concept (default 0.5)",
      numberArg,
    )
    .option("--n <n>", "list length for the concept's share", positiveIntArg, 30)
    .option("--k <k>", "Recall cut-off", positiveIntArg, 20)
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON");
  addDataDirOption(cmd);
  cmd.action(async (o: NudgeCliOptions) => {
    const ctx = await openRunFromCli(o.run, o);
    const loaded = loadRunSae(ctx, o.sae);
    const env = runInterventionEnv(ctx, loaded.sae, readRunLabels(ctx, loaded));
    const r = nudgeFor(env, {
      segment: o.segment,
      concept: o.concept,
      strengths: o.strength,
      n: o.n,
      k: o.k,
      ...(o.neuron ? { neurons: o.neuron } : {}),
      ...(o.side ? { side: o.side } : {}),
      ...(o.users ? { users: o.users } : {}),
      ...(o.minShare !== undefined ? { minShare: o.minShare } : {}),
    });
    if (o.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    console.log(
      `nudge ${r.users} held-out ${r.measuredOn} users of segment "${r.segment}" (${r.definition}; ${r.segmentUsers} in all) toward ${r.concept} (${r.conceptItems} items), ${r.side} side`,
    );
    console.log(
      `neurons: ${r.neurons
        .map(
          (c) =>
            `${c.neuron}${r.labels[c.neuron] ? ` "${r.labels[c.neuron]}"` : ""}${c.auto ? " (chosen)" : ""} purity@10/20/50 ${c.purity.map((p) => fmtNumber(p)).join("/")}, ${c.activatingItems} items, mean activation ${fmtNumber(c.meanItemActivation)}`,
        )
        .join("; ")}`,
    );
    console.log(
      textTable([
        ["strength", `share@${r.n}`, "gain", `Recall@${r.k}`, "recall kept", "rest kept"],
        ...r.points.map((p) => [
          fmtNumber(p.strength),
          `${fmtNumber(p.shareAfter)} ± ${fmtNumber(p.shareAfterStderr)}`,
          fmtNumber(p.shareGain),
          `${fmtNumber(p.recallAfter)} ± ${fmtNumber(p.recallAfterStderr)}`,
          `${fmtNumber(100 * p.recallKept)}%`,
          `${fmtNumber(100 * p.restKept)}%`,
        ]),
      ]),
    );
  });
}
