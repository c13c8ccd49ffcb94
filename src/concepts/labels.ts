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

/** Current version of labels.json (1: label only; 2: concept id apart from a distinct display label). */
export const LABELS_FORMAT_VERSION = 2;

/** The concept a label is derived from: family kind ("genre", "tag", ...), name, column in the family. */
export const LabelConceptSchema = z
  .object({ kind: z.string().min(1), name: z.string().min(1), index: z.number().int().min(0).optional() })
  .strict();

/** One neuron of a concept knob with its weight (the weights of a knob sum to 1). */
export const WeightedNeuronSchema = z
  .object({ neuron: z.number().int().min(0), weight: z.number().min(0).max(1) })
  .strict();

/**
 * A concept as a knob (labels.json format 2, `concepts`): the Knots-to-Knobs tag -> neuron mappings
 * of one concept of a family (see concepts/concept-knobs.ts): `representative` = argmax_n M n->t,
 * `unique` = argmax_n M t->n (-1: no eligible neuron), and `direction`, the neurons selective for
 * the concept with their weights.
 */
export const ConceptKnobSchema = z
  .object({
    kind: z.string().min(1),
    name: z.string().min(1),
    index: z.number().int().min(0),
    representative: z.number().int().min(-1),
    unique: z.number().int().min(-1),
    direction: z.array(WeightedNeuronSchema).max(64),
    /**
     * How `direction` was made when it was fitted to the concept's items (pipeline/fitted-directions.ts:
     * the non-negative code shift whose decoded score change best matches the concept's items, with
     * the fit's R^2); absent: the selective neurons of concept-knobs.ts.
     */
    directionFit: z
      .object({ method: z.literal("fitted"), r2: z.number() })
      .strict()
      .optional(),
    /** Tag groups (family "tag group", concepts/tag-groups.ts): the member tags, most used first. */
    members: z.array(z.string().min(1)).max(256).optional(),
  })
  .strict();

/** One neuron's label with its provenance and scores. */
export const LabelEntrySchema = z
  .object({
    label: z.string().trim().min(1).max(200),
    source: LabelSourceSchema,
    description: z.string().max(2000).optional(),
    /**
     * What the neuron is about (format 2 keeps it apart from the display `label`): the concept family
     * kind, the concept's name and (format 2) its column in that family. Format-1 files have no index.
     */
    concept: LabelConceptSchema.optional(),
    /** Format 2: the qualifiers appended to the concept name to make the display label distinct. */
    qualifiers: z.array(z.string().min(1).max(200)).max(8).optional(),
    /** Format 2: whether the concept holds on the neuron's top items (purity@10 >= 0.6). */
    agrees: z.boolean().optional(),
    /** Named finite scores: "purity@10", "tfidf", "entropy", "kl", "monosemanticity", "confidence", ... */
    scores: z.record(z.string().min(1), z.number()),
    updatedAt: z.iso.datetime(),
  })
  .strict();

/** Schema of labels.json: neuron id (decimal string) -> entry, for an SAE with `neurons` latents. */
export const LabelsSchema = z
  .object({
    format: z.literal("reclens-labels"),
    /** 1 (older files, still read) or 2 (written now). */
    formatVersion: z.union([z.literal(1), z.literal(2)]),
    neurons: z.number().int().positive(),
    labels: z.record(z.string(), LabelEntrySchema),
    /** Format 2: every concept as a knob (name -> neurons), for `--boost "<concept>:<alpha>"`. */
    concepts: z.array(ConceptKnobSchema).optional(),
  })
  .strict()
  .superRefine((doc, ctx) => {
    (doc.concepts ?? []).forEach((c, i) => {
      for (const n of [c.representative, c.unique, ...c.direction.map((d) => d.neuron)])
        if (n >= doc.neurons)
          ctx.addIssue({
            code: "custom",
            path: ["concepts", i],
            message: `concept "${c.name}": neuron ${n} out of range [0, ${doc.neurons})`,
            input: n,
          });
    });
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
/** A concept knob of labels.json format 2. */
export type ConceptKnob = z.infer<typeof ConceptKnobSchema>;

/** A labels document with no labels. */
export function emptyLabels(neurons: number): LabelsDoc {
  return parseWith(
    LabelsSchema,
    { format: "reclens-labels", formatVersion: LABELS_FORMAT_VERSION, neurons, labels: {} },
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

/**
 * Validates and writes labels.json atomically, neurons in ascending order, 2-space indented, always in
 * the current format (a format-1 document read earlier is written back as format 2).
 */
export function writeLabels(path: string, doc: LabelsDoc): void {
  const valid = validateLabels(doc, `labels for ${path}`);
  const ordered: Record<string, LabelEntry> = {};
  for (const key of Object.keys(valid.labels).sort((a, b) => Number(a) - Number(b)))
    ordered[key] = valid.labels[key];
  const out = { ...valid, formatVersion: LABELS_FORMAT_VERSION, labels: ordered };
  writeFileAtomic(path, `${JSON.stringify(out, null, 2)}\n`);
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
