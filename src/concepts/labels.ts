import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../store/atomic.js";
import { parseWith } from "../store/validation.js";

/** File name of the labels inside a run's concepts directory. */
export const LABELS_FILE = "labels.json";

/** Path of labels.json inside a concepts directory (see store/manifest runLayout().concepts). */
export function labelsPath(conceptsDir: string): string {
  return join(conceptsDir, LABELS_FILE);
}

/** Where a label came from: the default TF-IDF/purity labeller, an LLM, or a person. */
export const LabelSourceSchema = z.enum(["tfidf", "llm", "manual"]);

/** One neuron's label with its provenance and scores. */
export const LabelEntrySchema = z
  .object({
    label: z.string().trim().min(1).max(200),
    source: LabelSourceSchema,
    description: z.string().max(2000).optional(),
    /** The concept (family kind and name) the label was derived from, when it was. */
    concept: z
      .object({ kind: z.string().min(1), name: z.string().min(1) })
      .strict()
      .optional(),
    /** Named finite scores: "purity@10", "tfidf", "entropy", "kl", "monosemanticity", "confidence", ... */
    scores: z.record(z.string().min(1), z.number()),
    updatedAt: z.iso.datetime(),
  })
  .strict();

/** Schema of labels.json: neuron id (decimal string) -> entry, for an SAE with `neurons` latents. */
export const LabelsSchema = z
  .object({
    format: z.literal("reclens-labels"),
    formatVersion: z.literal(1),
    neurons: z.number().int().positive(),
    labels: z.record(z.string(), LabelEntrySchema),
  })
  .strict()
  .superRefine((doc, ctx) => {
    for (const key of Object.keys(doc.labels)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key)) {
        ctx.addIssue({
          code: "custom",
          path: ["labels", key],
          message: `neuron ids must be non-negative integers without leading zeros`,
          input: key,
        });
      } else if (Number(key) >= doc.neurons) {
        ctx.addIssue({
          code: "custom",
          path: ["labels", key],
          message: `neuron ${key} out of range [0, ${doc.neurons})`,
          input: key,
        });
      }
    }
  });

/** A validated labels document. */
export type LabelsDoc = z.infer<typeof LabelsSchema>;
/** One validated label entry. */
export type LabelEntry = z.infer<typeof LabelEntrySchema>;
/** A label's source. */
export type LabelSource = z.infer<typeof LabelSourceSchema>;

/** A labels document with no labels. */
export function emptyLabels(neurons: number): LabelsDoc {
  return parseWith(
    LabelsSchema,
    { format: "reclens-labels", formatVersion: 1, neurons, labels: {} },
    "labels",
  );
}

/** Validates a labels document from any source; `where` names it in errors. */
export function validateLabels(value: unknown, where: string): LabelsDoc {
  return parseWith(LabelsSchema, value, where);
}

/** Reads and validates labels.json; errors name the file and the line/column or field at fault. */
export function readLabels(path: string): LabelsDoc {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(
      `${path}: cannot read labels (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      const col = Number(pos[1]) - before.lastIndexOf("\n");
      throw new SyntaxError(`${path}:${line}:${col}: invalid JSON (${msg})`);
    }
    throw new SyntaxError(`${path}: invalid JSON (${msg})`);
  }
  return validateLabels(value, path);
}

/** Validates and writes labels.json atomically, neurons in ascending order, 2-space indented. */
export function writeLabels(path: string, doc: LabelsDoc): void {
  const valid = validateLabels(doc, `labels for ${path}`);
  const ordered: Record<string, LabelEntry> = {};
  for (const key of Object.keys(valid.labels).sort((a, b) => Number(a) - Number(b)))
    ordered[key] = valid.labels[key];
  writeFileAtomic(path, `${JSON.stringify({ ...valid, labels: ordered }, null, 2)}\n`);
}

function checkNeuron(doc: LabelsDoc, neuron: number): void {
  if (!(Number.isInteger(neuron) && neuron >= 0 && neuron < doc.neurons)) {
    throw new RangeError(`neuron ${neuron} out of range [0, ${doc.neurons})`);
  }
}

/** The entry of `neuron`, or undefined. */
export function getLabel(doc: LabelsDoc, neuron: number): LabelEntry | undefined {
  checkNeuron(doc, neuron);
  return doc.labels[String(neuron)];
}

/** Options of a hand edit. */
export interface SetLabelOptions {
  description?: string;
  now?: Date;
}

/**
 * Sets a hand-written label (source "manual") and returns the new document (the input is not
 * modified). Scores that describe the neuron (selectivity, monosemanticity, popularity, support) are
 * kept; those that described the previous label's concept (tfidf*, purity@*, baseRate,
 * excessPurity, confidence) are dropped since they no longer apply, as is the concept.
 */
export function setLabel(
  doc: LabelsDoc,
  neuron: number,
  label: string,
  opts: SetLabelOptions = {},
): LabelsDoc {
  checkNeuron(doc, neuron);
  const prev = doc.labels[String(neuron)];
  const scores = prev ? neuronScores(prev) : {};
  const description =
    opts.description ?? (prev && prev.label === label.trim() ? prev.description : undefined);
  const entry = {
    label,
    source: "manual",
    ...(description !== undefined ? { description } : {}),
    scores,
    updatedAt: (opts.now ?? new Date()).toISOString(),
  };
  return validateLabels(
    { ...doc, labels: { ...doc.labels, [String(neuron)]: entry } },
    `label of neuron ${neuron}`,
  );
}

const CONCEPT_SCORE = /^(tfidf.*|purity@\d+|baseRate|excessPurity|confidence.*)$/;

/**
 * The scores of an entry that describe the neuron itself (selectivity, monosemanticity, popularity,
 * support, ...), without those tied to its label's concept (tfidf*, purity@K, baseRate,
 * excessPurity, confidence*).
 */
export function neuronScores(entry: LabelEntry): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(entry.scores)) if (!CONCEPT_SCORE.test(k)) out[k] = v;
  return out;
}

/** Removes the entry of `neuron` (a no-op when it has none); returns the new document. */
export function removeLabel(doc: LabelsDoc, neuron: number): LabelsDoc {
  checkNeuron(doc, neuron);
  const labels = { ...doc.labels };
  delete labels[String(neuron)];
  return { ...doc, labels };
}

/**
 * Merges generated entries into `doc`: every update replaces the neuron's entry unless that entry is
 * manual and `overwriteManual` is false (the default), so hand edits survive relabelling.
 */
export function mergeLabels(
  doc: LabelsDoc,
  updates: ReadonlyMap<number, LabelEntry>,
  overwriteManual = false,
): LabelsDoc {
  const labels = { ...doc.labels };
  for (const [neuron, entry] of updates) {
    checkNeuron(doc, neuron);
    const prev = labels[String(neuron)];
    if (prev?.source === "manual" && !overwriteManual) continue;
    labels[String(neuron)] = entry;
  }
  return validateLabels({ ...doc, labels }, "merged labels");
}

/**
 * `reclens label set <neuron> <label>`: reads labels.json at `path` (it must exist, written by the
 * labeller), sets the manual label and writes the file back atomically; returns the new entry.
 */
export function setLabelInFile(
  path: string,
  neuron: number,
  label: string,
  opts: SetLabelOptions = {},
): LabelEntry {
  if (!existsSync(path)) throw new Error(`${path}: no labels file; run the labeller for this SAE first`);
  const doc = setLabel(readLabels(path), neuron, label, opts);
  writeLabels(path, doc);
  return doc.labels[String(neuron)];
}
