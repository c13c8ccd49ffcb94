import type { Command } from "commander";
import {
  modelListForUser,
  recommendForUser,
  type LabelledActivation,
  type ModelListResult,
} from "../pipeline/recommend-run.js";
import { hasSaeWeights } from "../sae/io.js";
import { readRunLabels } from "../pipeline/run-labels.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";
import { choiceArg, collect, positiveIntArg } from "./args.js";
import { KNOB_MAPPINGS, type KnobMapping } from "../pipeline/knobs.js";
import { STEERING_OPERATORS, type SteeringOperator } from "../pipeline/strength-scale.js";
import { resolutionLines } from "./knob-resolution.js";
import { explainForUser } from "../pipeline/explain.js";
import { printExplained } from "./recommend-explain.js";
import { runIntentExplanation, wantsIntentExplanation } from "./recommend-intents.js";

interface RecommendCliOptions {
  run: string;
  user: string;
  n: number;
  boost: string[];
  suppress: string[];
  clamp: string[];
  sae?: string;
  dataDir?: string;
  json?: boolean;
  explain?: boolean;
  top: number;
  mapping?: KnobMapping;
  operator?: SteeringOperator;
  intentOff: string[];
  explainBy?: string;
}

function neuronList(list: readonly LabelledActivation[], max = 8): string {
  return list
    .slice(0, max)
    .map((a) => `${a.neuron}${a.label ? ` "${a.label}"` : ""} ${fmtNumber(a.activation)}`)
    .join(", ");
}

/** Prints the model's own list (no SAE), after the user's recent history for sequential runs. */
function printModelList(r: ModelListResult, o: RecommendCliOptions): void {
  if (o.json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  if (r.history.length > 0) {
    console.log(`user ${r.user}: recent history (oldest first)`);
    console.log(textTable(r.history.map((it, p) => [`-${r.history.length - p}`, it.id, it.title ?? ""])));
  }
  console.log(`user ${r.user}: top ${o.n} of the model (no SAE in this run: no steering)`);
  console.log(textTable(r.items.map((it, p) => [`${p + 1}.`, fmtNumber(it.score), it.id, it.title ?? ""])));
}

/**
 * `reclens recommend --run <dir> --user <id>`: the user's top-n list from the nested model, steered
 * with --boost "<label or id>:<alpha>", --suppress "<label or id>[:factor]" and --clamp
 * "<label or id>:<value>" (the neuron's activation set to value; checked and applied by
 * the steering service, src/pipeline/steering.ts, as the HTTP API does); "+" marks items that
 * entered the list, and the items that left are listed after it.
 */
export function registerRecommend(program: Command): void {
  const cmd = program
    .command("recommend")
    .description("recommend for one user, optionally steered by boosting or suppressing labelled neurons")
    .requiredOption("--run <dir>", "model run directory with an SAE (and labels for label lookups)")
    .requiredOption("--user <id>", "user id as in the dataset")
    .option("--n <n>", "list length", positiveIntArg, 20)
    .option(
      "--boost <spec>",
      'boost a concept or neuron: "<concept, label or id>:<strength>", strength in [0, 1] (0 = unchanged, 1 = it dominates; strengths sum to <= 1; repeatable)',
      collect,
      [],
    )
    .option(
      "--operator <op>",
      "how --boost acts: shift (default: calibrated shift of the code, concepts by direction) or blend (Knots to Knobs, alpha = strength)",
      choiceArg<SteeringOperator>([...STEERING_OPERATORS]),
    )
    .option(
      "--suppress <spec>",
      'suppress a neuron: "<label or id>[:factor]", factor in [0, 1] scales it down, default 0 = off (repeatable)',
      collect,
      [],
    )
    .option(
      "--clamp <spec>",
      'clamp a neuron: "<label or id>:<value>", its activation set to value >= 0 (0 = off; repeatable)',
      collect,
      [],
    )
    .option(
      "--mapping <m>",
      "how a concept name in --boost/--suppress/--clamp maps to neurons: representative, unique or direction (default: direction for boosts under the shift operator, else representative)",
      choiceArg<KnobMapping>([...KNOB_MAPPINGS]),
    )
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON")
    .option("--explain", "why each item: its score split over the neurons that put it there (see docs)")
    .option(
      "--top <k>",
      "with --explain: contributions listed per item in --json (text shows 3)",
      positiveIntArg,
      10,
    )
    .option(
      "--intent-off <label or index>",
      "saerec runs: switch an intent off (not retrieved) and re-rank; implies the intent explanation (repeatable)",
      collect,
      [],
    )
    .option("--explain-by <what>", "intents (default for saerec runs) or neurons (the SAE's split)");
  addDataDirOption(cmd);
  cmd.action(async (o: RecommendCliOptions) => {
    const ctx = await openRunFromCli(o.run, o);
    if (wantsIntentExplanation(ctx, o)) {
      runIntentExplanation(ctx, o);
      return;
    }
    const steering = o.boost.length > 0 || o.suppress.length > 0 || o.clamp.length > 0;
    if (o.sae === undefined && !steering && !o.explain && !hasSaeWeights(ctx.layout.sae)) {
      printModelList(modelListForUser(ctx, o.user, o.n), o);
      return;
    }
    const loaded = loadRunSae(ctx, o.sae);
    const doc = readRunLabels(ctx, loaded);
    if (o.explain) {
      const specs = {
        n: o.n,
        boosts: o.boost,
        suppress: o.suppress,
        clamp: o.clamp,
        top: o.top,
        ...(o.mapping ? { mapping: o.mapping } : {}),
        ...(o.operator ? { operator: o.operator } : {}),
      };
      const steerText = [
        ...o.boost.map((b) => `boost ${b}`),
        ...o.suppress.map((s) => `suppress ${s}`),
        ...o.clamp.map((c) => `clamp ${c}`),
      ];
      const header = `user ${o.user}: top ${o.n}${steerText.length > 0 ? ` steered by ${steerText.join(", ")}` : ""}`;
      printExplained(explainForUser(ctx, loaded, doc, o.user, specs), o.json === true, header);
      return;
    }
    const r = recommendForUser(ctx, loaded, doc, o.user, {
      n: o.n,
      boosts: o.boost,
      suppress: o.suppress,
      clamp: o.clamp,
      ...(o.mapping ? { mapping: o.mapping } : {}),
      ...(o.operator ? { operator: o.operator } : {}),
    });
    if (o.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    const steered = r.ops.length > 0;
    console.log(
      `user ${r.user}: top ${o.n}${steered ? ` steered by ${[...o.boost.map((b) => `boost ${b}`), ...o.suppress.map((s) => `suppress ${s}`), ...o.clamp.map((c) => `clamp ${c}`)].join(", ")}` : ""}`,
    );
    for (const line of resolutionLines(r.resolved)) console.log(line);
    if (o.boost.length > 0)
      console.log(
        `operator ${r.operator}${r.amount !== undefined ? ` (calibrated shift amount ${fmtNumber(r.amount)} x the code's sum)` : ""}`,
      );
    console.log(`neurons  ${neuronList(r.neurons)}`);
    if (steered) console.log(`steered  ${neuronList(r.steeredNeurons)}`);
    console.log(
      textTable(
        r.items.map((it, p) => [
          `${p + 1}.`,
          it.entered ? "+" : " ",
          fmtNumber(it.score),
          it.id,
          it.title ?? "",
        ]),
      ),
    );
    if (steered) {
      console.log(`${r.items.filter((i) => i.entered).length} entered (+), ${r.left.length} left:`);
      for (const it of r.left) console.log(`  - ${it.id}${it.title ? `  ${it.title}` : ""}`);
    }
  });
}
