import type { Rng } from "../tensor/rng.js";
import { detectionConfidence, type DetectionResult } from "./confidence.js";
import { type ChatMessage, type LlmClient, parseJsonReply } from "./llm.js";
import { type LlmLabel, LlmLabelSchema } from "./llm-label.js";
import type { SequenceWindow } from "./sequence-activations.js";

/**
 * LLM concepts of sequences and their LLM confidence (RecSAE): the LLM writes the concept from the
 * building part's windows, then judges a shuffled mix of the held-out windows and random windows
 * (the same ones the built-in detector scored); the confidence is the accuracy of its pick.
 */

/**
 * One window as a line of text: the items up to the firing position, oldest first, the last
 * `show` of them, the firing item in [brackets]; e.g. "Toy Story > Heat > [Casino]".
 */
export function windowText(
  seq: Int32Array,
  position: number,
  titleOf: (item: number) => string,
  show = 5,
): string {
  if (!(Number.isInteger(position) && position >= 0 && position < seq.length))
    throw new RangeError(`windowText: position ${position} out of range [0, ${seq.length})`);
  const from = Math.max(0, position - show + 1);
  const parts: string[] = [];
  for (let q = from; q <= position; q++) {
    const t = titleOf(seq[q]);
    parts.push(q === position ? `[${t}]` : t);
  }
  return (from > 0 ? "... > " : "") + parts.join(" > ");
}

/** Messages asking for the concept of a latent from its top windows (reply {"label", "description"}). */
export function sequenceLabelMessages(windows: readonly string[]): ChatMessage[] {
  if (windows.length === 0) throw new RangeError("sequenceLabelMessages: no windows to describe");
  const lines = [
    "A feature of a sequential recommender fires strongly at the bracketed item of these browsing",
    "sequences (oldest item first, strongest firing first):",
    ...windows.map((w, r) => `${r + 1}. ${w}`),
    "",
    "What do these sequences share near the bracketed item? Answer with only a JSON object of the form",
    '{"label": "<at most 5 words>", "description": "<one sentence>"}',
  ];
  return [
    {
      role: "system",
      content:
        "You name features of recommender systems. You reply with a single JSON object and nothing else.",
    },
    { role: "user", content: lines.join("\n") },
  ];
}

/** Windows of a confidence split as the LLM sees them. */
export interface LlmSequenceInput {
  readonly build: readonly SequenceWindow[];
  readonly heldOut: readonly SequenceWindow[];
  readonly negatives: readonly SequenceWindow[];
}

/** The LLM's concept of a latent and its confidence. */
export interface LlmSequenceConcept {
  readonly label: LlmLabel;
  readonly detection: DetectionResult;
  /** Accuracy of the LLM's pick on held-out vs random windows. */
  readonly confidence: number;
}

/** Labels a latent from its building windows, then scores the label by detection (see the file comment). */
export async function llmSequenceConcept(
  client: LlmClient,
  sequences: readonly Int32Array[],
  input: LlmSequenceInput,
  titleOf: (item: number) => string,
  rng: Rng,
): Promise<LlmSequenceConcept> {
  const text = (w: SequenceWindow): string => windowText(sequences[w.sequence], w.position, titleOf);
  const label = await client.complete(sequenceLabelMessages(input.build.map(text)), (c) =>
    parseJsonReply(c, LlmLabelSchema),
  );
  const detection = await detectionConfidence(client, {
    label: label.label,
    description: label.description,
    positives: input.heldOut.map((w) => ({ title: text(w) })),
    negatives: input.negatives.map((w) => ({ title: text(w) })),
    rng,
  });
  return { label, detection, confidence: detection.accuracy };
}
