import type { Command } from "commander";
import {
  promoteAudienceForRun,
  promoteForRun,
  type PromoteAudienceRunResult,
  type PromotionUsers,
} from "../pipeline/promote-run.js";
import { BadInput } from "../errors.js";
import { readRunLabels } from "../pipeline/run-labels.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";
import { choiceArg, listArg, numberArg, positiveIntArg } from "./args.js";

interface PromoteCliOptions {
  run: string;
  item: string;
  neuron?: string;
  audience?: string;
  minShare?: number;
  minHistory?: number;
  strength: number[];
  n?: number;
  users: PromotionUsers;
  sae?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * `reclens promote --run <dir> --item <id> --audience <concept|attr=value|ids:..> --strength <list>`:
 * item-side promotion to a target audience (neuron chosen automatically unless --neuron): per strength
 * meanRankBefore/After, shareInTopN and rboRest over the audience. Without --audience (then --neuron
 * is required): the older all-users summary (users entering/leaving the top-n, mean rank gain).
 */
export function registerPromote(program: Command): void {
  const cmd = program
    .command("promote")
    .description(
      "promote an item by raising one neuron in its SAE code; count users who get it in their top-n",
    )
    .requiredOption("--run <dir>", "model run directory with an SAE (model with item vectors: elsa, mf)")
    .requiredOption("--item <id>", "item id as in the dataset")
    .option(
      "--audience <spec>",
      "target audience: a concept (users dominated by it), <attr>=<value>, or ids:a,b",
    )
    .option("--neuron <j|label>", "neuron id or label (default with --audience: the most aligned one)")
    .option(
      "--min-share <f>",
      "concept audience: share of the user's history in the concept (default 0.5)",
      numberArg,
    )
    .option("--min-history <n>", "concept audience: minimum interactions (default 5)", positiveIntArg)
    .requiredOption(
      "--strength <list>",
      "amount(s) added to the neuron's activation, comma-separated",
      listArg(numberArg),
    )
    .option("--n <n>", "top-n cut-off (default 30 with --audience, else 20)", positiveIntArg)
    .option(
      "--users <which>",
      "all users (default) or the held-out test users",
      choiceArg<PromotionUsers>(["all", "test"]),
      "all",
    )
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON");
  addDataDirOption(cmd);
  cmd.action(async (o: PromoteCliOptions) => {
    const ctx = await openRunFromCli(o.run, o);
    const loaded = loadRunSae(ctx, o.sae);
    const doc = readRunLabels(ctx, loaded);
    if (o.audience !== undefined) {
      const a = promoteAudienceForRun(ctx, loaded, doc, {
        item: o.item,
        audience: o.audience,
        strengths: o.strength,
        n: o.n ?? 30,
        ...(o.neuron !== undefined ? { neuron: o.neuron } : {}),
        ...(o.minShare !== undefined ? { minShare: o.minShare } : {}),
        ...(o.minHistory !== undefined ? { minHistory: o.minHistory } : {}),
      });
      if (o.json) console.log(JSON.stringify(a, null, 2));
      else printAudience(a);
      return;
    }
    if (o.neuron === undefined) throw new BadInput("--neuron is required without --audience", "neuron");
    const r = promoteForRun(ctx, loaded, doc, {
      item: o.item,
      neuron: o.neuron,
      strengths: o.strength,
      n: o.n ?? 20,
      users: o.users,
    });
    if (o.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    console.log(
      `item ${r.item.id}${r.item.title ? ` (${r.item.title})` : ""} via neuron ${r.neuron}${r.label ? ` "${r.label}"` : ""}`,
    );
    console.log(
      `item's neurons: ${r.itemNeurons.map((a) => `${a.neuron}${a.label ? ` "${a.label}"` : ""} ${fmtNumber(a.activation)}`).join(", ") || "none"}`,
    );
    console.log(
      `${r.users} users (${r.eligibleUsers} have not seen it); in top-${r.n} before: ${r.baselineInTopN}`,
    );
    console.log(
      textTable([
        ["strength", `in top-${r.n}`, "entered", "left", "mean rank gain", ""],
        ...r.points.map((p) => [
          fmtNumber(p.strength),
          String(p.usersInTopN),
          String(p.entered),
          String(p.left),
          fmtNumber(p.meanRankGain),
          "",
        ]),
      ]),
    );
  });
}

function printAudience(a: PromoteAudienceRunResult): void {
  const c = a.choice;
  console.log(
    `item ${a.item.id}${a.item.title ? ` (${a.item.title})` : ""} for audience "${a.audience}": ${a.definition}`,
  );
  console.log(
    `${a.audienceUsers} users (${a.eligibleUsers} have not seen it); neuron ${a.neuron}${a.label ? ` "${a.label}"` : ""}${c.auto ? " (chosen)" : ""}: gain per unit ${fmtNumber(c.audienceGain)} sd (others ${fmtNumber(c.othersGain)}), raises it for ${fmtNumber(100 * c.audiencePositive)}% of the audience${c.conceptShare !== undefined ? `, ${fmtNumber(100 * c.conceptShare)}% of its item mass on the concept` : ""}; mean item activation ${fmtNumber(c.meanItemActivation)}`,
  );
  console.log(
    textTable([
      [
        "strength",
        "mean rank before",
        "mean rank after",
        "median after",
        `in top-${a.n}`,
        "rboRest",
        `others in top-${a.n}`,
      ],
      ...a.points.map((p) => [
        fmtNumber(p.strength),
        fmtNumber(p.meanRankBefore),
        fmtNumber(p.meanRankAfter),
        fmtNumber(p.medianRankAfter),
        `${fmtNumber(100 * p.shareInTopN)}%`,
        fmtNumber(p.rboRest),
        `${fmtNumber(100 * p.othersShareInTopN)}%`,
      ]),
    ]),
  );
}
