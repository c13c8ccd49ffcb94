import type { Command } from "commander";
import { promoteForRun, type PromotionUsers } from "../pipeline/promote-run.js";
import { readRunLabels } from "../pipeline/run-labels.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";
import { choiceArg, listArg, numberArg, positiveIntArg } from "./args.js";

interface PromoteCliOptions {
  run: string;
  item: string;
  neuron: string;
  strength: number[];
  n: number;
  users: PromotionUsers;
  sae?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * `reclens promote --run <dir> --item <id> --neuron <j|label> --strength <s>`: item-side promotion
 * through one neuron; reports how many users get the item into their top-n.
 */
export function registerPromote(program: Command): void {
  const cmd = program
    .command("promote")
    .description(
      "promote an item by raising one neuron in its SAE code; count users who get it in their top-n",
    )
    .requiredOption("--run <dir>", "model run directory with an SAE (model with item vectors: elsa, mf)")
    .requiredOption("--item <id>", "item id as in the dataset")
    .requiredOption("--neuron <j|label>", "neuron id or label")
    .requiredOption(
      "--strength <list>",
      "amount(s) added to the neuron's activation, comma-separated",
      listArg(numberArg),
    )
    .option("--n <n>", "top-n cut-off", positiveIntArg, 20)
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
    const r = promoteForRun(ctx, loaded, doc, {
      item: o.item,
      neuron: o.neuron,
      strengths: o.strength,
      n: o.n,
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
