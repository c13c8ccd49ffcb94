import type { LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";

/** Score that picks among neurons sharing one label: the labeller's excess purity, else purity@10. */
function labelStrength(doc: LabelsDoc, id: number): number {
  const s = doc.labels[String(id)]?.scores ?? {};
  return s.excessPurity ?? s["purity@10"] ?? Number.NaN;
}

/**
 * Resolves a neuron reference: a latent id ("17"), or a label matched case-insensitively — first
 * exactly, else as a substring. Several neurons can carry the same label (the labeller names many
 * neurons "Drama"); among exact matches the one with the highest excess purity (else purity@10)
 * wins, the label's most faithful knob. Errors: unknown id range, no match (listing a few labels),
 * several neurons matching without a strictly best score (listing the candidates with their ids).
 * Every error is a BadInput naming `field`.
 */
export function resolveNeuron(doc: LabelsDoc, ref: string, field = "neuron"): number {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    const j = Number(text);
    if (j >= doc.neurons) throw new BadInput(`neuron ${j} out of range [0, ${doc.neurons})`, field);
    return j;
  }
  if (text === "") throw new BadInput("empty neuron reference (give a neuron id or a label)", field);
  const q = text.toLowerCase();
  const entries = Object.entries(doc.labels).map(([id, e]) => ({ id: Number(id), label: e.label }));
  const exact = entries.filter((e) => e.label.toLowerCase() === q);
  const candidates = exact.length > 0 ? exact : entries.filter((e) => e.label.toLowerCase().includes(q));
  if (candidates.length === 1) return candidates[0].id;
  if (exact.length > 1) {
    const ranked = exact
      .map((e) => ({ id: e.id, score: labelStrength(doc, e.id) }))
      .filter((e) => Number.isFinite(e.score))
      .sort((a, b) => b.score - a.score);
    if (ranked.length > 0 && (ranked.length === 1 || ranked[0].score > ranked[1].score)) return ranked[0].id;
  }
  const show = (list: { id: number; label: string }[]): string =>
    list
      .slice(0, 12)
      .map((e) => `${e.id} "${e.label}"`)
      .join(", ") + (list.length > 12 ? `, ... (${list.length} in all)` : "");
  if (candidates.length > 1)
    throw new BadInput(
      `"${text}" is ambiguous: ${candidates.length} neurons match (${show(candidates)}); use a neuron id`,
      field,
    );
  if (entries.length === 0)
    throw new BadInput(
      `no labels yet, so "${text}" matches no neuron; run \`reclens label\` or use a neuron id`,
      field,
    );
  throw new BadInput(`no neuron labelled "${text}" (labels include ${show(entries)})`, field);
}

/** Splits "ref:number" at the last colon when what follows is a number; else the whole text is the ref. */
export function splitRefValue(spec: string): { ref: string; value?: number } {
  const at = spec.lastIndexOf(":");
  if (at > 0) {
    const tail = spec.slice(at + 1).trim();
    if (tail !== "" && Number.isFinite(Number(tail))) return { ref: spec.slice(0, at), value: Number(tail) };
  }
  return { ref: spec };
}
