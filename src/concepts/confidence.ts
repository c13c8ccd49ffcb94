import { z } from "zod";
import type { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import { type ChatMessage, type LlmClient, MalformedReplyError, parseJsonReply } from "./llm.js";
import type { ItemDescription } from "./llm-label.js";

/** Scores of a detection round: the picked list against the truth (which items are top-activating). */
export interface DetectionScore {
  /** TP / picked (0 when nothing was picked). */
  precision: number;
  /** TP / positives (0 when there are no positives). */
  recall: number;
  /** 2 P R / (P + R) (0 when both are 0): the confidence of the label. */
  f1: number;
  /** (TP + TN) / items. */
  accuracy: number;
}

/** Scores a pick (0-based positions) against `truth` (true = a top-activating item). */
export function detectionScore(truth: readonly boolean[], picked: ReadonlySet<number>): DetectionScore {
  let tp = 0;
  let positives = 0;
  for (let p = 0; p < truth.length; p++) {
    if (truth[p]) positives++;
    if (truth[p] && picked.has(p)) tp++;
  }
  for (const p of picked)
    if (!(Number.isInteger(p) && p >= 0 && p < truth.length))
      throw new RangeError(`detectionScore: picked position ${p} out of range [0, ${truth.length})`);
  const fp = picked.size - tp;
  const tn = truth.length - positives - fp;
  const precision = picked.size > 0 ? tp / picked.size : 0;
  const recall = positives > 0 ? tp / positives : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, accuracy: truth.length > 0 ? (tp + tn) / truth.length : 0 };
}

/**
 * `count` random items (without replacement) on which `neuron` does not fire (z = 0), never one in
 * `exclude`. Returns fewer when fewer such items exist.
 */
export function sampleNonActivating(
  z: Matrix,
  neuron: number,
  count: number,
  rng: Rng,
  exclude: ReadonlySet<number> = new Set(),
): Int32Array {
  if (!(neuron >= 0 && neuron < z.cols))
    throw new RangeError(`sampleNonActivating: neuron ${neuron} out of range [0, ${z.cols})`);
  const pool: number[] = [];
  for (let i = 0; i < z.rows; i++) if (z.data[i * z.cols + neuron] === 0 && !exclude.has(i)) pool.push(i);
  rng.shuffle(pool);
  return Int32Array.from(pool.slice(0, count));
}

/** A detection round to run: the label and the mixed items. */
export interface DetectionInput {
  label: string;
  description?: string;
  /** The neuron's top-activating items. */
  positives: readonly ItemDescription[];
  /** Items on which the neuron does not fire. */
  negatives: readonly ItemDescription[];
  /** Shuffles the mixed list. */
  rng: Rng;
}

/** A detection round's outcome: the score, the shown order and the model's pick. */
export interface DetectionResult extends DetectionScore {
  /** truth[p]: whether shown position p (0-based) is a positive. */
  truth: boolean[];
  /** 0-based shown positions the model picked. */
  picked: number[];
}

/** Messages of a detection round over `items` (shown 1-based). */
export function detectionMessages(
  label: string,
  description: string | undefined,
  items: readonly ItemDescription[],
): ChatMessage[] {
  const lines = [
    `Feature: "${label}"${description ? ` - ${description}` : ""}`,
    "",
    "Which of these items match the feature?",
    ...items.map((d, p) => `${p + 1}. ${d.title}${d.metadata ? ` [${d.metadata}]` : ""}`),
    "",
    'Answer with only a JSON object {"matches": [<numbers of the matching items>]}.',
  ];
  return [
    {
      role: "system",
      content:
        "You judge which items match a described feature. You reply with a single JSON object and nothing else.",
    },
    { role: "user", content: lines.join("\n") },
  ];
}

const MatchesSchema = z.object({ matches: z.array(z.number().int()) }).strict();

/** Parses a detection reply strictly: integers in [1, items], no repeats (else MalformedReplyError). */
export function parseMatches(content: string, items: number): number[] {
  const { matches } = parseJsonReply(content, MatchesSchema);
  const seen = new Set<number>();
  for (const m of matches) {
    if (m < 1 || m > items)
      throw new MalformedReplyError(`match ${m} is not an item number in [1, ${items}]`);
    if (seen.has(m)) throw new MalformedReplyError(`match ${m} is listed twice`);
    seen.add(m);
  }
  return matches.map((m) => m - 1);
}

/**
 * Confidence of a label by detection: the label and a shuffled list mixing the neuron's top items
 * with items it does not fire on go to the model, which picks the items that match; the score is
 * the F1 of its pick against the truth (accuracy, precision and recall are reported too).
 */
export async function detectionConfidence(
  client: LlmClient,
  input: DetectionInput,
): Promise<DetectionResult> {
  if (input.positives.length === 0)
    throw new RangeError("detectionConfidence: no top-activating items to detect");
  const mixed = [
    ...input.positives.map((d) => ({ d, pos: true })),
    ...input.negatives.map((d) => ({ d, pos: false })),
  ];
  input.rng.shuffle(mixed);
  const items = mixed.map((m) => m.d);
  const truth = mixed.map((m) => m.pos);
  const picked = await client.complete(detectionMessages(input.label, input.description, items), (c) =>
    parseMatches(c, items.length),
  );
  return { ...detectionScore(truth, new Set(picked)), truth, picked };
}
