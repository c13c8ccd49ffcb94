import { mergeLabels, type LabelEntry, type LabelsDoc } from "../concepts/labels.js";
import type { LlmClient } from "../concepts/llm.js";
import type { PositionWeighting } from "../concepts/sequence-concepts.js";
import type { Sae } from "../sae/types.js";
import { progressTask, type ProgressOptions } from "../store/progress.js";
import { Matrix } from "../tensor/matrix.js";
import type { PositionEncoder } from "./representations.js";
import type { ModelRunContext } from "./run-context.js";
import {
  CONFIDENT,
  sequenceActivationsOf,
  sequenceConcepts,
  sequenceLabelEntries,
  writeSequenceConcepts,
  type SequenceConceptsOptions,
  type SequenceConceptsReport,
} from "./sequence-concepts-run.js";

/** Concept families derived from the interactions, left out of the item documents. */
const DERIVED_FAMILIES = new Set(["popularity"]);

/** Options of {@link sequenceLabelRun}. */
export interface SequenceLabelOptions extends Omit<SequenceConceptsOptions, "llm" | "onLlmProgress"> {
  readonly llm?: LlmClient;
  readonly progress?: ProgressOptions;
  /**
   * Whether the sequence concept is the latent's primary label (sequential models, default): it
   * replaces an item-level TF-IDF label. Otherwise it only adds its scores to an existing label.
   */
  readonly primary?: boolean;
}

/** What {@link sequenceLabelRun} needs of a model: its name and the states of sequence positions. */
export type SequenceStates = Pick<PositionEncoder, "name" | "encodePositions">;

/**
 * The window of a user-level state (see {@link userStatesAsPositions}): the user's last 50 training
 * items, equally weighted, since a two-tower user vector summarises the whole history rather than
 * its last few items.
 */
export const USER_WINDOW: PositionWeighting = { decay: 1, span: 50 };

/**
 * A two-tower or graph model (MF, NCF, LightGCN) of a leave-one-out run seen as one state per
 * training sequence, at its last position: the user's training representation (the SAE's user rows,
 * the vector that scores the user's next item; `users`, one row per training row, as
 * `trainingRepresentations` gives them). Sequences are matched by identity to the run's
 * `split.trainSequences`, the ones {@link sequenceLabelRun} walks.
 */
export function userStatesAsPositions(ctx: ModelRunContext, users: Matrix): SequenceStates {
  const seqs = ctx.split.trainSequences;
  if (!seqs)
    throw new Error(`${ctx.dir}: concepts of sequences need a leave-one-out run (its training sequences)`);
  if (users.rows !== seqs.length)
    throw new RangeError(
      `userStatesAsPositions: ${users.rows} user rows for ${seqs.length} training sequences`,
    );
  const rowOf = new Map<Int32Array, number>(seqs.map((q, r) => [q, r]));
  return {
    name: ctx.model.name,
    encodePositions(sequences) {
      const states = new Matrix(sequences.length, users.cols);
      sequences.forEach((q, s) => {
        const r = rowOf.get(q);
        if (r === undefined)
          throw new RangeError("userStatesAsPositions: a sequence not from the run's training split");
        states.data.set(users.data.subarray(r * users.cols, (r + 1) * users.cols), s * users.cols);
      });
      return { states, offsets: Int32Array.from({ length: sequences.length + 1 }, (_, s) => s) };
    },
  };
}

/** The summary of the sequence concepts recorded in the concepts directory's summary.json. */
export interface SequenceConceptsSummary {
  readonly sequences: number;
  readonly positions: number;
  readonly live: number;
  readonly scored: number;
  readonly confidentAt: number;
  readonly confidentShare: number;
  readonly meanConfidence: number;
  readonly chance: SequenceConceptsReport["chance"];
  readonly llm?: SequenceConceptsReport["llm"];
}

/** What {@link sequenceLabelRun} produced. */
export interface SequenceLabelResult {
  readonly report: SequenceConceptsReport;
  /** The labels with the sequence concepts merged in. */
  readonly doc: LabelsDoc;
  readonly files: Record<string, string>;
  readonly summary: SequenceConceptsSummary;
}

/**
 * Merges sequence-concept entries into the labels: a latent without a label, or labelled by the
 * item-level TF-IDF labeller, takes the sequence concept (the SAE of a sequential model was trained
 * on sequence positions, so that is its primary concept; the item label's scores are kept beside);
 * LLM and manual labels, and every label when `primary` is false (two-tower models, whose SAE was
 * trained on items too), stay and only gain the sequence scores.
 */
export function mergeSequenceLabels(
  doc: LabelsDoc,
  entries: ReadonlyMap<number, LabelEntry>,
  primary = true,
): LabelsDoc {
  const updates = new Map<number, LabelEntry>();
  for (const [n, e] of entries) {
    const prev = doc.labels[String(n)];
    if (!prev) updates.set(n, e);
    else if (primary && prev.source === "tfidf")
      updates.set(n, { ...e, scores: { ...prev.scores, ...e.scores } });
    else updates.set(n, { ...prev, scores: { ...prev.scores, ...e.scores } });
  }
  return mergeLabels(doc, updates, true);
}

/**
 * `reclens label` on a sequential run (SASRec, GRU4Rec): the SAE codes of every position of the
 * training sequences, each live latent's activation distribution, top-activating sequences, TF-IDF
 * concept and confidence (with `llm`, the LLM's concept and confidence too), written into the
 * concepts directory `dir` (sequence-concepts.json, sequence-confidence.md and .svg) and merged into
 * the labels `doc` (see {@link mergeSequenceLabels}).
 */
export async function sequenceLabelRun(
  ctx: ModelRunContext,
  model: SequenceStates,
  sae: Sae,
  dir: string,
  doc: LabelsDoc,
  opts: SequenceLabelOptions = {},
): Promise<SequenceLabelResult> {
  const seqs = ctx.split.trainSequences;
  if (!seqs)
    throw new Error(
      `${ctx.dir}: ${model.name} is sequential but the run has no training sequences (train it with --split leave-one-out)`,
    );
  const task = progressTask("sequence concepts", 2, opts.progress);
  let report: SequenceConceptsReport;
  try {
    task.set(0, "activations over every position", true);
    const seed = opts.seed ?? ctx.manifest.seed;
    const acts = sequenceActivationsOf(model, sae, seqs, { ...opts, seed });
    task.set(1, "concepts and confidence", true);
    const d = ctx.dataset;
    report = await sequenceConcepts(
      {
        items: d.items.length,
        itemIds: d.items,
        ...(d.itemTitles ? { itemTitles: d.itemTitles } : {}),
        ...(d.itemText ? { itemText: d.itemText } : {}),
        // item metadata only: the "popularity" family comes from the interactions, not the items
        concepts: d.concepts.filter((f) => !DERIVED_FAMILIES.has(f.kind)),
      },
      seqs,
      acts,
      {
        ...opts,
        seed,
        users: Array.from(ctx.split.trainUsers, (u) => d.users[u]),
        ...(opts.llm
          ? {
              llm: opts.llm,
              onLlmProgress: (done: number, total: number, failed: number) =>
                task.set(1, `LLM ${done}/${total}${failed > 0 ? `, ${failed} failed` : ""}`),
            }
          : {}),
      },
    );
    task.finish(
      `${(100 * report.confidentShare).toFixed(1)}% of ${report.live} live latents with confidence >= ${CONFIDENT}`,
    );
  } catch (err) {
    task.finish();
    throw err;
  }
  const files = writeSequenceConcepts(dir, model.name, ctx.dataset.name, report);
  const merged = mergeSequenceLabels(doc, sequenceLabelEntries(report), opts.primary ?? true);
  const { sequences, positions, live, scored, confidentShare, meanConfidence, chance, llm } = report;
  return {
    report,
    doc: merged,
    files,
    summary: {
      sequences,
      positions,
      live,
      scored,
      confidentAt: CONFIDENT,
      confidentShare,
      meanConfidence,
      chance,
      ...(llm ? { llm } : {}),
    },
  };
}
