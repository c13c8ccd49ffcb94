import type { Command } from "commander";
import { suppressForRun } from "../pipeline/suppress-run.js";
import { readRunLabels } from "../pipeline/run-labels.js";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { addDataDirOption, fmtNumber, openRunFromCli, textTable } from "./pipeline-options.js";
import { choiceArg, listArg, numberArg, positiveIntArg } from "./args.js";
import type { SuppressionSide } from "../pipeline/suppression.js";

interface SuppressCliOptions {
  run: string;
  concept: string;
  users: string;
  neuron?: string[];
  enrichment?: number;
  factor?: number[];
  n: number;
  minShare?: number;
  side?: SuppressionSide;
  sae?: string;
  dataDir?: string;
  json?: boolean;
}

/**
 * `reclens suppress --run <dir> --concept <c> --users <concept|attr=value|ids:..>`: switch off the
 * concept's latents in those users' codes; the concept's share of their top-n before/after and rboRest.
 */
export function registerSuppress(program: Command): void {
  const cmd = program
    .command("suppress")
    .description(
      "suppress a concept's neurons for a group of users; its share of their top-n and the rest's order",
    )
    .requiredOption("--run <dir>", "model run directory with an SAE")
    .requiredOption("--concept <c>", "concept to suppress: [family:]name[|name...]")
    .requiredOption("--users <spec>", "users: a concept (users dominated by it), <attr>=<value>, or ids:a,b")
    .option(
      "--neuron <list>",
      "neuron ids or labels to switch off (default: the concept's latents)",
      listArg(String),
    )
    .option(
      "--enrichment <f>",
      "latent selection: concept share >= base + f (1 - base) (default 0.1)",
      numberArg,
    )
    .option("--factor <list>", "suppression factor(s) in [0, 1] (default 0 = off)", listArg(numberArg))
    .option("--min-share <f>", "concept users: share of the history in the concept (default 0.5)", numberArg)
    .option(
      "--side <side>",
      "switch the latents off in the items' codes (default with item vectors) or the users' codes",
      choiceArg<SuppressionSide>(["items", "users"]),
    )
    .option("--n <n>", "top-n cut-off", positiveIntArg, 30)
    .option("--sae <dir>", "SAE directory (default <run>/sae)")
    .option("--json", "print as JSON");
  addDataDirOption(cmd);
  cmd.action(async (o: SuppressCliOptions) => {
    const ctx = await openRunFromCli(o.run, o);
    const loaded = loadRunSae(ctx, o.sae);
    const doc = readRunLabels(ctx, loaded);
    const r = suppressForRun(ctx, loaded, doc, {
      concept: o.concept,
      users: o.users,
      n: o.n,
      ...(o.neuron ? { neurons: o.neuron } : {}),
      ...(o.enrichment !== undefined ? { enrichment: o.enrichment } : {}),
      ...(o.factor ? { factors: o.factor } : {}),
      ...(o.minShare !== undefined ? { minShare: o.minShare } : {}),
      ...(o.side ? { side: o.side } : {}),
    });
    if (o.json) {
      console.log(JSON.stringify(r, null, 2));
      return;
    }
    console.log(
      `suppress ${r.concept} (${r.conceptItems} items, ${r.side} side) for ${r.users} users: ${r.definition}`,
    );
    console.log(
      `neurons: ${r.neurons.map((j) => (r.labels[j] ? `${j} "${r.labels[j]}"` : String(j))).join(", ")}`,
    );
    console.log(
      textTable([
        ["factor", "share before", "share after", "drop", "rboRest"],
        ...r.points.map((p) => [
          fmtNumber(p.factor),
          fmtNumber(p.shareBefore),
          fmtNumber(p.shareAfter),
          `${fmtNumber(100 * p.shareDrop)}%`,
          fmtNumber(p.rboRest),
        ]),
      ]),
    );
  });
}
