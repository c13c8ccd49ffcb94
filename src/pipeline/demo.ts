import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeSynthetic } from "../data/synth-write.js";
import { generateSynthetic, type SynthOptions } from "../data/synth.js";
import { trainRun } from "./train-run.js";
import type { FitProgress } from "../models/types.js";
import { labelRun } from "./label-run.js";
import { openModelRun, RUN_DATASET_FILE } from "./run-context.js";
import { trainSaeOnRun } from "./sae-run.js";
import type { SaeSettingsInput } from "./sae-settings.js";

/** What `reclens demo` trains; every field has a default suited to a few-minute run on 2 cores. */
export interface DemoOptions {
  /** Dataset reference (name or path); omitted: the planted synthetic dataset, written into the run. */
  readonly dataset?: string;
  /** Sizes of the synthetic dataset when `dataset` is omitted (default: the generator's). */
  readonly synth?: Partial<SynthOptions>;
  /** Run directory to write. */
  readonly out: string;
  readonly seed: number;
  /** ELSA width (the probing site). */
  readonly dim: number;
  readonly modelEpochs: number;
  /** SAE settings (TopK, k, expansion, loss, epochs ...). */
  readonly sae: SaeSettingsInput;
  /** One line per stage / epoch. */
  readonly log: (line: string) => void;
}

/** The summary table of a demo run. */
export interface DemoSummary {
  readonly runDir: string;
  readonly dataset: { name: string; users: number; items: number; interactions: number };
  readonly recall20: number;
  readonly ndcg20: number;
  readonly recallKept: number | undefined;
  readonly ndcgKept: number | undefined;
  readonly l0: number;
  readonly deadFraction: number;
  readonly fve: number;
  /** Live neurons (fire on at least one item) and how many got a concept label. */
  readonly liveNeurons: number;
  readonly labelledNeurons: number;
  readonly seconds: { data: number; model: number; sae: number; labels: number };
}

const secondsSince = (t: number): number => (Date.now() - t) / 1000;

/**
 * The main job: data (planted synthetic by default) -> ELSA -> TopK SAE -> neuron labels, written as
 * a run directory (docs/run-layout.md) that `reclens serve` opens. Returns the summary figures.
 */
export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const runDir = resolve(o.out);
  mkdirSync(runDir, { recursive: true });
  let t = Date.now();
  let dataRef = o.dataset;
  if (dataRef === undefined) {
    dataRef = join(runDir, RUN_DATASET_FILE);
    await writeSynthetic(dataRef, generateSynthetic({ ...o.synth, seed: o.seed }));
    o.log(`data     planted synthetic dataset written to ${dataRef}`);
  }
  const dataSeconds = secondsSince(t);

  t = Date.now();
  o.log(`model    training ELSA (d=${o.dim}) with early stopping on validation nDCG@20`);
  const trained = await trainRun({
    data: dataRef,
    model: "elsa",
    modelConfig: { dim: o.dim, epochs: o.modelEpochs },
    seed: o.seed,
    out: runDir,
    onProgress: (p: FitProgress) =>
      o.log(
        `model    epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}` +
          (p.valScore !== undefined ? ` val nDCG@20 ${p.valScore.toFixed(4)}` : ""),
      ),
  });
  const modelSeconds = secondsSince(t);

  t = Date.now();
  const ctx = await openModelRun(runDir);
  o.log(
    `sae      training ${o.sae.architecture ?? "topk"} SAE on ${ctx.split.train.rows} users' representations`,
  );
  const sae = await trainSaeOnRun(
    ctx,
    { seed: o.seed, ...o.sae },
    {
      progress: "never",
      onEpoch: (e) => o.log(`sae      epoch ${e.epoch} loss ${e.loss.toFixed(4)} L0 ${e.l0.toFixed(1)}`),
    },
  );
  const saeSeconds = secondsSince(t);

  t = Date.now();
  const labels = await labelRun(ctx);
  const labelSeconds = secondsSince(t);
  const live = labels.labeller.activity.live.length;
  const labelled = Object.keys(labels.doc.labels).length;
  o.log(`labels   ${labelled} of ${live} live neurons labelled -> ${labels.files.labels}`);

  const m = trained.manifest.metrics;
  const s = sae.metrics;
  const d = trained.manifest.data;
  return {
    runDir,
    dataset: { name: d.name, users: d.users, items: d.items, interactions: d.interactions },
    recall20: m["test/recall_trunc@20"],
    ndcg20: m["test/ndcg@20"],
    recallKept: s["test/kept/recall_trunc@20"],
    ndcgKept: s["test/kept/ndcg@20"],
    l0: s["test/l0"],
    deadFraction: s["train/deadFraction"],
    fve: s["test/fve"],
    liveNeurons: live,
    labelledNeurons: labelled,
    seconds: { data: dataSeconds, model: modelSeconds, sae: saeSeconds, labels: labelSeconds },
  };
}

/** The summary as aligned text lines. */
export function demoSummaryLines(s: DemoSummary): string[] {
  const pct = (x: number | undefined): string => (x === undefined ? "n/a" : `${(100 * x).toFixed(1)}%`);
  const rows: [string, string][] = [
    [
      "dataset",
      `${s.dataset.name}: ${s.dataset.users} users x ${s.dataset.items} items, ${s.dataset.interactions} interactions`,
    ],
    ["ELSA test Recall_trunc@20", s.recall20.toFixed(4)],
    ["ELSA test nDCG@20", s.ndcg20.toFixed(4)],
    ["quality kept (Recall_trunc@20)", pct(s.recallKept)],
    ["quality kept (nDCG@20)", pct(s.ndcgKept)],
    ["SAE variance explained", pct(s.fve)],
    ["SAE mean L0", s.l0.toFixed(1)],
    ["SAE dead fraction", pct(s.deadFraction)],
    [
      "label coverage",
      `${s.labelledNeurons}/${s.liveNeurons} live neurons (${pct(s.labelledNeurons / Math.max(1, s.liveNeurons))})`,
    ],
    [
      "time (s)",
      `data ${s.seconds.data.toFixed(1)}, model ${s.seconds.model.toFixed(1)}, sae ${s.seconds.sae.toFixed(1)}, labels ${s.seconds.labels.toFixed(1)}`,
    ],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
}
