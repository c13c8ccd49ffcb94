import type { Command } from "commander";
import { writeSynthetic } from "../data/synth-write.js";
import { generateSynthetic, type SynthOptions, type SynthResult } from "../data/synth.js";
import { intAtLeastArg, rateArg } from "./args.js";

/** Summary figures of a generated dataset, as printed by `reclens data synth`. */
export interface SynthSummary {
  readonly source: string;
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
  readonly density: number;
  readonly meanPerUser: number;
  /** Share of interactions going to the most popular 10% of items. */
  readonly topDecileShare: number;
  /** Per concept: its name, items with it as primary concept, share of interactions on those items. */
  readonly concepts: { name: string; items: number; interactionShare: number }[];
}

/** Computes the summary printed by the command. */
export function summariseSynthetic({ dataset, truth }: SynthResult): SynthSummary {
  const m = dataset.matrix;
  const counts = new Float64Array(m.cols);
  for (const i of m.indices) counts[i]++;
  const sorted = Array.from(counts).sort((a, b) => b - a);
  const top = sorted.slice(0, Math.ceil(m.cols / 10)).reduce((a, b) => a + b, 0);
  const concepts = truth.conceptNames.map((name) => ({ name, items: 0, interactionShare: 0 }));
  for (let i = 0; i < m.cols; i++) {
    concepts[truth.itemConcept[i]].items++;
    concepts[truth.itemConcept[i]].interactionShare += counts[i] / Math.max(1, m.nnz);
  }
  return {
    source: dataset.source,
    users: m.rows,
    items: m.cols,
    interactions: m.nnz,
    density: m.nnz / (m.rows * m.cols),
    meanPerUser: m.nnz / m.rows,
    topDecileShare: top / Math.max(1, m.nnz),
    concepts,
  };
}

/** Moved to src/data/synth-write.ts (pipeline code uses it too); re-exported for the command. */
export { writeSynthetic } from "../data/synth-write.js";

interface SynthCliOptions {
  users?: number;
  items?: number;
  concepts?: number;
  seed?: number;
  interactions?: number;
  minInteractions?: number;
  noise?: number;
  out?: string;
  json?: boolean;
}

/** `reclens data synth`: generates planted synthetic data, prints a summary, optionally writes it. */
export function registerDataSynth(dataCommand: Command): void {
  dataCommand
    .command("synth")
    .description("generate a synthetic dataset with planted concepts (known ground truth)")
    .option("--users <n>", "number of users (default 2000)", intAtLeastArg("--users", 1))
    .option("--items <n>", "number of items (default 600)", intAtLeastArg("--items", 1))
    .option("--concepts <n>", "number of planted concepts (default 12)", intAtLeastArg("--concepts", 1))
    .option("--seed <s>", "random seed (default 0)", intAtLeastArg("--seed", 0))
    .option(
      "--interactions <n>",
      "mean interactions per user (default 25)",
      intAtLeastArg("--interactions", 1),
    )
    .option(
      "--min-interactions <n>",
      "minimum interactions per user (default 5)",
      intAtLeastArg("--min-interactions", 1),
    )
    .option("--noise <rate>", "share of interactions ignoring tastes (default 0.05)", rateArg("--noise"))
    .option("--out <file>", "write the dataset (reclens cache format) and <file>.truth.json")
    .option("--json", "print the summary as JSON")
    .action(async (opts: SynthCliOptions) => {
      const o: Partial<SynthOptions> = {
        ...(opts.users !== undefined ? { users: opts.users } : {}),
        ...(opts.items !== undefined ? { items: opts.items } : {}),
        ...(opts.concepts !== undefined ? { concepts: opts.concepts } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.interactions !== undefined ? { meanInteractions: opts.interactions } : {}),
        ...(opts.minInteractions !== undefined ? { minInteractions: opts.minInteractions } : {}),
        ...(opts.noise !== undefined ? { noiseRate: opts.noise } : {}),
      };
      const result = generateSynthetic(o);
      const summary = summariseSynthetic(result);
      let written: { dataset: string; truth: string } | undefined;
      if (opts.out) written = { dataset: opts.out, truth: await writeSynthetic(opts.out, result) };
      if (opts.json) {
        console.log(JSON.stringify({ ...summary, ...(written ? { written } : {}) }, null, 2));
        return;
      }
      console.log(`synthetic dataset: ${summary.source}`);
      console.log(`users ${summary.users}, items ${summary.items}, interactions ${summary.interactions}`);
      console.log(
        `density ${(summary.density * 100).toFixed(2)}%, ${summary.meanPerUser.toFixed(1)} interactions per user`,
      );
      console.log(`top 10% of items receive ${(summary.topDecileShare * 100).toFixed(1)}% of interactions`);
      console.log("concept               items  share of interactions");
      for (const c of summary.concepts) {
        console.log(
          `${c.name.padEnd(20)} ${String(c.items).padStart(6)}  ${(c.interactionShare * 100).toFixed(1).padStart(6)}%`,
        );
      }
      if (written) console.log(`wrote ${written.dataset} and ${written.truth}`);
    });
}
