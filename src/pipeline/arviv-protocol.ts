import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { lastfmStyleConcepts, ml1mArvivConcepts, readLastfmTagCounts } from "../concepts/arviv-concepts.js";
import { arvivTable, type ArvivTable } from "../concepts/arviv-table.js";
import type { ItemConcepts } from "../data/types.js";
import { BadInput } from "../errors.js";
import { loadSae, saveSae } from "../sae/io.js";
import { writeFileAtomic } from "../store/atomic.js";
import { itemActivations } from "./item-activations.js";
import {
  fitJointSae,
  jointFidelity,
  jointSaeData,
  resolveJointSettings,
  type JointFidelity,
  type JointSaeData,
  type JointSaeSettings,
  type JointSaeSettingsInput,
} from "./joint-sae.js";
import type { ModelRunContext } from "./run-context.js";

/** File written beside a joint SAE's cfg.json and weights: settings, fidelity, training summary. */
export const JOINT_SAE_FILE = "joint.json";

/**
 * The Table-1 concepts of a run's dataset: Last.FM styles when the data folder holds HetRec's
 * user_taggedartists.dat (tag applications counted there), else ML-1M-style genres plus compound era
 * concepts (needs genre metadata and release years).
 */
export function arvivConceptsOf(ctx: ModelRunContext): ItemConcepts {
  const src = ctx.manifest.data.source;
  const dir = existsSync(src) && statSync(src).isDirectory() ? src : dirname(src);
  if (existsSync(join(dir, "user_taggedartists.dat")))
    return lastfmStyleConcepts(readLastfmTagCounts(dir, ctx.dataset.items));
  const genres = ctx.dataset.concepts.find((c) => c.kind === "genre");
  if (!genres || !ctx.dataset.itemYears)
    throw new BadInput(
      `arviv protocol: dataset "${ctx.dataset.name}" has neither Last.FM tag files in ${dir} nor genres with release years`,
      "data",
    );
  return ml1mArvivConcepts(genres, ctx.dataset.itemYears);
}

/** Interactions per item among the run's training users (the popularity the percentiles rank). */
export function trainingItemCounts(ctx: ModelRunContext): Float64Array {
  const t = ctx.split.train;
  const counts = new Float64Array(t.cols);
  for (let p = 0; p < t.indptr[t.rows]; p++) counts[t.indices[p]]++;
  return counts;
}

/** Table 1 of one SAE on a run, with the fidelity (top-30 RBO) every table must state. */
export interface ArvivReport {
  readonly run: string;
  readonly model: string;
  readonly dataset: string;
  readonly sae: string;
  readonly table: ArvivTable;
  readonly fidelity: JointFidelity;
  /** Whether the table counts (RBO >= 0.8). */
  readonly counts: boolean;
}

/** Only tables of SAEs whose reconstructed top-30 lists keep RBO >= this count (issue #17). */
export const MIN_RBO = 0.8;

/**
 * `reclens purity --protocol arviv`: item-side activations of the SAE in `saeDir` on the run's item
 * embeddings, the Table-1 rows (concepts of {@link arvivConceptsOf}, popularity from training counts)
 * and the joint fidelity of the SAE (lists from reconstructed users and items vs the original).
 */
export function arvivReport(ctx: ModelRunContext, saeDir: string, data?: JointSaeData): ArvivReport {
  const sae = loadSae(saeDir);
  if (sae.dIn !== ctx.model.dim)
    throw new BadInput(
      `${saeDir}: SAE input width ${sae.dIn} differs from the model's ${ctx.model.dim}`,
      "sae",
    );
  const z = itemActivations(ctx.model, sae);
  const table = arvivTable(z, arvivConceptsOf(ctx), trainingItemCounts(ctx));
  const fidelity = jointFidelity(sae, data ?? jointSaeData(ctx.model, ctx.split.train));
  return {
    run: ctx.dir,
    model: ctx.model.name,
    dataset: ctx.dataset.name,
    sae: saeDir,
    table,
    fidelity,
    counts: fidelity.rbo >= MIN_RBO,
  };
}

/** What {@link trainJointSaeOnRun} returns. */
export interface JointSaeRunResult {
  readonly dir: string;
  readonly settings: JointSaeSettings;
  readonly fidelity: JointFidelity;
  readonly epochs: number;
  readonly finalLoss: number;
  readonly seconds: number;
}

/**
 * `reclens sae joint --run`: one SAE over the run's user AND item embeddings with the joint loss
 * (embedding MSE + beta x prediction MSE through the frozen head, KL/L1 or TopK), saved to `out`
 * (cfg.json + weights, SAELens layout) with joint.json (settings, fidelity, loss per epoch).
 */
export async function trainJointSaeOnRun(
  ctx: ModelRunContext,
  input: JointSaeSettingsInput,
  out: string,
  data?: JointSaeData,
): Promise<JointSaeRunResult> {
  const settings = resolveJointSettings(input);
  const d = data ?? jointSaeData(ctx.model, ctx.split.train);
  const fitted = await fitJointSae(d, settings);
  const fidelity = jointFidelity(fitted.sae, d);
  saveSae(fitted.sae, out);
  const epochs = fitted.training.epochs;
  writeFileAtomic(
    join(out, JOINT_SAE_FILE),
    `${JSON.stringify(
      {
        run: ctx.dir,
        model: ctx.model.name,
        settings,
        fidelity,
        seconds: fitted.seconds,
        epochs: epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, terms: e.terms, l0: e.l0 })),
      },
      null,
      2,
    )}\n`,
  );
  return {
    dir: out,
    settings,
    fidelity,
    epochs: epochs.length,
    finalLoss: epochs[epochs.length - 1]?.loss ?? NaN,
    seconds: fitted.seconds,
  };
}
