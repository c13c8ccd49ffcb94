import type { ItemConcepts } from "../data/types.js";
import type { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { topActivatingItems, topItemsOf } from "./activations.js";
import { detectionConfidence, sampleNonActivating } from "./confidence.js";
import { type LabelEntry, type LabelsDoc, neuronScores } from "./labels.js";
import type { LlmClient } from "./llm.js";
import { describeItems, llmLabel } from "./llm-label.js";

/** Options of LLM labelling (all have defaults). */
export interface LlmLabellerOptions {
  /** Top-activating items shown in the labelling prompt. */
  topItems: number;
  /** Random non-activating items shown as contrast in the labelling prompt. */
  contrastItems: number;
  /** Run the detection round that scores each label (source of the "confidence" score). */
  detection: boolean;
  /** Top-activating items mixed into the detection list (taken after the shown ones when possible). */
  detectionPositives: number;
  /** Non-activating items mixed into the detection list (never the contrast items). */
  detectionNegatives: number;
  /** Seed of the contrast sampling and shuffles. */
  seed: number;
  /** Item titles for prompts (else "item <id>"). */
  titles?: readonly string[];
  /** Concept families whose names describe items in prompts. */
  families?: readonly ItemConcepts[];
  /** Existing labels whose neuron-level scores are carried over. */
  previous?: LabelsDoc;
  /**
   * Give up once this many neurons failed and none succeeded (an unreachable endpoint, a wrong
   * model name): the rest are reported as not attempted instead of each retrying for minutes.
   */
  giveUpAfter: number;
  /** Called after each neuron (labelled, failed or skipped as dead): done of total, failures so far. */
  onProgress?: (done: number, total: number, failed: number) => void;
}

/** Defaults of LLM labelling. */
export const DEFAULT_LLM_LABELLER_OPTIONS: LlmLabellerOptions = {
  topItems: 10,
  contrastItems: 10,
  detection: true,
  detectionPositives: 5,
  detectionNegatives: 5,
  seed: 0,
  giveUpAfter: 8,
};

/** Entries labelled by the model (source "llm") and the neurons that failed, with the reason. */
export interface LlmLabelling {
  entries: Map<number, LabelEntry>;
  failures: Map<number, string>;
}

/**
 * Labels `neurons` with the model: one labelling prompt per neuron (top items + contrast items),
 * then, when enabled, a detection round whose F1 becomes the "confidence" score (its accuracy
 * "confidenceAccuracy"). Neurons are worked on concurrently up to the client's limit; dead neurons
 * are skipped; a neuron whose requests fail for good is reported in `failures` and the rest go on,
 * unless the first `giveUpAfter` neurons all failed: then the remaining ones are not attempted
 * (reported in `failures` as such, with the first error).
 */
export async function llmLabelNeurons(
  client: LlmClient,
  z: Matrix,
  neurons: ArrayLike<number>,
  options: Partial<LlmLabellerOptions> = {},
): Promise<LlmLabelling> {
  const o: LlmLabellerOptions = { ...DEFAULT_LLM_LABELLER_OPTIONS, ...options };
  const top = topActivatingItems(z, o.topItems + (o.detection ? o.detectionPositives : 0));
  const root = new Rng(o.seed);
  const jobs = Array.from(neurons, (n) => ({ n, rng: root.fork() }));
  const entries = new Map<number, LabelEntry>();
  const failures = new Map<number, string>();
  const describe = (ids: ArrayLike<number>) => describeItems(ids, o.titles, o.families ?? []);
  for (const { n } of jobs)
    if (!(Number.isInteger(n) && n >= 0 && n < z.cols))
      throw new RangeError(`llmLabelNeurons: neuron ${n} out of range [0, ${z.cols})`);
  let next = 0;
  let done = 0;
  let firstError: string | undefined;
  const giveUp = (): boolean => entries.size === 0 && failures.size >= Math.max(1, o.giveUpAfter);
  let gaveUpAt = 0;
  const one = async ({ n, rng }: (typeof jobs)[number]): Promise<void> => {
    const ranked = topItemsOf(top, n);
    if (ranked.length === 0) return;
    const shown = ranked.subarray(0, o.topItems);
    const contrast = sampleNonActivating(z, n, o.contrastItems, rng);
    try {
      const { label, description } = await llmLabel(client, describe(shown), describe(contrast));
      const prev = o.previous?.labels[String(n)];
      const scores: Record<string, number> = prev ? neuronScores(prev) : {};
      if (o.detection) {
        const held = ranked.subarray(o.topItems);
        const positives =
          held.length >= o.detectionPositives
            ? held.subarray(0, o.detectionPositives)
            : ranked.subarray(0, o.detectionPositives);
        const negatives = sampleNonActivating(z, n, o.detectionNegatives, rng, new Set(contrast));
        const r = await detectionConfidence(client, {
          label,
          description,
          positives: describe(positives),
          negatives: describe(negatives),
          rng,
        });
        scores.confidence = r.f1;
        scores.confidenceAccuracy = r.accuracy;
      }
      entries.set(n, { label, source: "llm", description, scores, updatedAt: new Date().toISOString() });
    } catch (err) {
      firstError ??= (err as Error).message;
      failures.set(n, (err as Error).message);
    }
  };
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (giveUp()) {
        gaveUpAt ||= failures.size;
        failures.set(
          job.n,
          `not attempted: the first ${gaveUpAt} neurons all failed (first error: ${firstError ?? "unknown"})`,
        );
      } else await one(job);
      o.onProgress?.(++done, jobs.length, failures.size);
    }
  };
  const width = Math.max(1, Math.min(jobs.length, client.config?.concurrency ?? 4));
  await Promise.all(Array.from({ length: width }, worker));
  return { entries, failures };
}
