import { InvalidArgumentError, type Command } from "commander";
import type { ArvivReport } from "../pipeline/arviv-protocol.js";
import { arvivReport, trainJointSaeOnRun } from "../pipeline/arviv-protocol.js";
import { betaSweep } from "../pipeline/beta-sweep.js";
import type { JointSaeSettingsInput } from "../pipeline/joint-sae.js";
import { choiceArg, countArg, listArg, numberArg, positiveIntArg } from "./args.js";
import { addDataDirOption, openRunFromCli } from "./pipeline-options.js";

/** Flags shared by `sae joint` and `sae beta-sweep` (Arviv et al.'s joint SAE). */
interface JointFlags {
  run: string;
  dataDir?: string;
  architecture?: "relu" | "topk" | "matryoshka";
  latents?: number;
  k?: number;
  beta?: number;
  kl?: number;
  klTarget?: number;
  l1?: number;
  auxk?: number;
  tied?: boolean;
  topItems?: number;
  usersPerBatch?: number;
  epochs?: number;
  lr?: number;
  lrDecay?: "constant" | "cosine" | "linear";
  normalisation?: "none" | "per-sample";
  seed?: number;
  out: string;
  json?: boolean;
}

function addJointOptions(cmd: Command): Command {
  return cmd
    .requiredOption("--run <dir>", "two-tower model run (mf, ncf)")
    .requiredOption("--out <dir>", "output directory")
    .option(
      "--architecture <a>",
      "relu (KL/L1, the paper's), topk, matryoshka (4 nested quarters, TopK)",
      choiceArg(["relu", "topk", "matryoshka"] as const),
    )
    .option(
      "--latents <n>",
      "bottleneck neurons (default 64; the paper: 22 ML-1M, 70 Last.FM)",
      positiveIntArg,
    )
    .option("--k <n>", "active latents per row (topk, matryoshka; default 4)", positiveIntArg)
    .option("--kl <w>", "KL sparsity weight (default 0.01; 0 disables)", numberArg)
    .option("--kl-target <rho>", "KL target firing rate (default 0.05)", numberArg)
    .option("--l1 <w>", "L1 weight on activations (default 0)", numberArg)
    .option("--tied", "tied decoder W_dec = W_enc^T (the paper's code)")
    .option(
      "--auxk <w>",
      "AuxK dead-latent loss weight (topk, matryoshka; default 1/32, 0 disables)",
      numberArg,
    )
    .option("--top-items <n>", "each user's top items paired per step (default 30)", countArg)
    .option("--users-per-batch <n>", "users per step (default 32)", positiveIntArg)
    .option("--epochs <n>", "epochs (default 20)", positiveIntArg)
    .option("--lr <x>", "Adam learning rate (default 3e-3)", numberArg)
    .option(
      "--lr-decay <kind>",
      "learning-rate schedule: constant (default), cosine or linear decay to 5%",
      choiceArg(["constant", "cosine", "linear"] as const),
    )
    .option(
      "--normalisation <kind>",
      "per-sample (default: each row standardised, undone on decode; the paper's code) or none",
      choiceArg(["none", "per-sample"] as const),
    )
    .option("--seed <n>", "seed (default 42)", numberArg)
    .option("--json", "print JSON");
}

function settingsOf(o: JointFlags): JointSaeSettingsInput {
  const s: Record<string, unknown> = {
    architecture: o.architecture,
    latents: o.latents,
    k: o.k,
    beta: o.beta,
    kl: o.kl,
    klTarget: o.klTarget,
    l1: o.l1,
    auxk: o.auxk,
    tied: o.tied,
    topItems: o.topItems,
    usersPerBatch: o.usersPerBatch,
    epochs: o.epochs,
    lr: o.lr,
    lrDecay: o.lrDecay,
    normalisation: o.normalisation,
    seed: o.seed,
  };
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as JointSaeSettingsInput;
}

const pct = (x: number): string => x.toFixed(2);

/** Markdown of one Table-1 report (purity as fractions, popularity as percent). */
export function arvivMarkdown(r: ArvivReport): string {
  const lines = [
    `Table 1 protocol (Arviv et al.): ${r.model} on ${r.dataset}, SAE ${r.sae}`,
    `top-30 RBO ${r.fidelity.rbo.toFixed(3)} (the paper code's truncated RBO ${r.fidelity.rboTruncated.toFixed(3)}), Kendall ${r.fidelity.kendall.toFixed(3)} (${r.counts ? "counts: RBO >= 0.8" : "does NOT count: RBO < 0.8"}); L0 ${r.fidelity.l0.toFixed(1)}, dead ${(100 * r.fidelity.deadFraction).toFixed(1)}%; ${r.table.candidates} of ${r.table.neurons} neurons fire on >= 50 items`,
    `rule: ${r.table.tieRule}`,
    "",
    "| concept | items | neuron | K=10 | K=20 | K=50 |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of r.table.rows)
    lines.push(
      `| ${row.concept} | ${row.items} | ${row.neuron ?? "-"} | ${row.purity ? row.purity.map(pct).join(" | ") : "- | - | -"} |`,
    );
  const p = r.table.popularity;
  lines.push(
    `| Popularity | | ${p.neuron ?? "-"} | ${p.percentile ? p.percentile.map((x) => `${(100 * x).toFixed(2)}%`).join(" | ") : "- | - | -"} |`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * `reclens sae joint`, `reclens sae beta-sweep` (under `sae`) and `reclens purity --protocol arviv`:
 * Arviv et al.'s joint SAE over both towers, its beta sweep (Figure 4) and Table 1.
 */
export function registerSaeJoint(sae: Command): void {
  const joint = addJointOptions(
    sae
      .command("joint")
      .description(
        "one SAE over a two-tower run's user AND item embeddings, prediction-aware (Arviv et al.)",
      ),
  ).option("--beta <w>", "prediction-loss weight (default 10; 0 = embedding loss only)", numberArg);
  addDataDirOption(joint);
  joint.action(async (o: JointFlags) => {
    const ctx = await openRunFromCli(o.run, o);
    const r = await trainJointSaeOnRun(ctx, settingsOf(o), o.out);
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else
      console.log(
        `wrote ${r.dir}: top-30 RBO ${r.fidelity.rbo.toFixed(3)} (truncated ${r.fidelity.rboTruncated.toFixed(3)}), Kendall ${r.fidelity.kendall.toFixed(3)}, L0 ${r.fidelity.l0.toFixed(1)}, dead ${(100 * r.fidelity.deadFraction).toFixed(1)}%, ${r.seconds.toFixed(1)}s`,
      );
  });

  const sweep = addJointOptions(
    sae
      .command("beta-sweep")
      .description(
        "joint SAEs over a list of prediction-loss weights: fidelity vs monosemanticity (Figure 4)",
      ),
  )
    .requiredOption("--betas <list>", "comma-separated beta values, e.g. 0,0.1,0.5,1,2,5", listArg(numberArg))
    .option(
      "--ms-top <n>",
      "top items per neuron for the monosemanticity score (default 30)",
      positiveIntArg,
    );
  addDataDirOption(sweep);
  sweep.action(async (o: JointFlags & { betas: number[]; msTop?: number }) => {
    const ctx = await openRunFromCli(o.run, o);
    const r = await betaSweep(ctx, o.betas, settingsOf(o), o.out, {
      ...(o.msTop ? { msTopN: o.msTop } : {}),
      ...(o.json
        ? {}
        : {
            onPoint: (p) =>
              process.stderr.write(
                `beta ${p.beta}: RBO ${p.rbo.toFixed(3)} (truncated ${p.rboTruncated.toFixed(3)}) Kendall ${p.kendall.toFixed(3)} MS ${p.monosemanticity.toFixed(3)} L0 ${p.l0.toFixed(1)} dead ${(100 * p.deadFraction).toFixed(1)}% ${p.seconds.toFixed(1)}s\n`,
              ),
          }),
    });
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else console.log(`wrote ${r.json} and ${r.chart}`);
  });
}

/** `reclens purity --run <run> --sae <dir> --protocol arviv`: Arviv et al.'s Table 1 for one SAE. */
export function registerPurity(program: Command): void {
  const cmd = program
    .command("purity")
    .description("purity tables of an SAE's neurons (protocol arviv: Arviv et al.'s Table 1 with top-30 RBO)")
    .requiredOption("--run <dir>", "two-tower model run")
    .requiredOption("--sae <dir>", "SAE directory (e.g. from `reclens sae joint`)")
    .option("--protocol <p>", "arviv (the only one so far)", "arviv")
    .option("--json", "print JSON");
  addDataDirOption(cmd);
  cmd.action(async (o: { run: string; sae: string; protocol: string; json?: boolean; dataDir?: string }) => {
    if (o.protocol !== "arviv")
      throw new InvalidArgumentError(`--protocol must be arviv, got "${o.protocol}"`);
    const ctx = await openRunFromCli(o.run, o);
    const r = arvivReport(ctx, o.sae);
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else process.stdout.write(arvivMarkdown(r));
  });
}
