import { existsSync } from "node:fs";
import { readLabels, setLabel, writeLabels, type LabelEntry, type LabelsDoc } from "../concepts/labels.js";
import { BadInput, NotFound } from "../errors.js";
import { checkNeuronId } from "./neurons.js";

/** Longest label and description accepted by {@link editLabel}. */
export const MAX_LABEL = 200;
export const MAX_DESCRIPTION = 2000;

/** A hand-written label. */
export interface LabelEdit {
  readonly neuron: number;
  /** Trimmed; 1 to MAX_LABEL characters. */
  readonly label: string;
  readonly description?: string;
}

/** Result of {@link editLabel}. */
export interface LabelEditResult {
  readonly doc: LabelsDoc;
  readonly entry: LabelEntry;
  readonly persisted: boolean;
}

/**
 * The label service: sets a manual label (kept when the labeller runs again) for `reclens label set`
 * and PUT /api/neurons/:j/label alike. Checks once: the neuron exists (NotFound, field "neuron"),
 * the trimmed label has 1 to 200 characters and the description at most 2000 (BadInput, fields
 * "label" / "description"). With `path`, the file is replaced atomically BEFORE the new document is
 * returned, so a failed write leaves the caller's labels unchanged.
 */
export function editLabel(doc: LabelsDoc, edit: LabelEdit, path?: string, now?: Date): LabelEditResult {
  checkNeuronId(edit.neuron, doc.neurons, "neuron");
  const label = edit.label.trim();
  if (label.length < 1 || label.length > MAX_LABEL)
    throw new BadInput(
      `label: must have 1 to ${MAX_LABEL} characters (trimmed), got ${label.length}`,
      "label",
    );
  if (edit.description !== undefined && edit.description.length > MAX_DESCRIPTION)
    throw new BadInput(
      `description: must have at most ${MAX_DESCRIPTION} characters, got ${edit.description.length}`,
      "description",
    );
  const next = setLabel(doc, edit.neuron, label, {
    ...(edit.description !== undefined ? { description: edit.description } : {}),
    ...(now ? { now } : {}),
  });
  if (path !== undefined) writeLabels(path, next);
  return { doc: next, entry: next.labels[String(edit.neuron)], persisted: path !== undefined };
}

/** {@link editLabel} on the labels file at `path` (NotFound when the labeller has not written it yet). */
export function editLabelFile(path: string, edit: LabelEdit): LabelEditResult {
  if (!existsSync(path)) throw new NotFound(`${path}: no labels file; run the labeller for this SAE first`);
  return editLabel(readLabels(path), edit, path);
}
