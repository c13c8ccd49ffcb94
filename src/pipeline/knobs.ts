import type { LabelsDoc } from "../concepts/labels.js";
import type { Knob } from "../steer/boost.js";
import type { SteerOp } from "../steer/ops.js";

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
 */
export function resolveNeuron(doc: LabelsDoc, ref: string): number {
  const text = ref.trim();
  if (/^\d+$/.test(text)) {
    const j = Number(text);
    if (j >= doc.neurons) throw new RangeError(`neuron ${j} out of range [0, ${doc.neurons})`);
    return j;
  }
  if (text === "") throw new Error("empty neuron reference (give a neuron id or a label)");
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
    throw new Error(
      `"${text}" is ambiguous: ${candidates.length} neurons match (${show(candidates)}); use a neuron id`,
    );
  if (entries.length === 0)
    throw new Error(
      `no labels yet, so "${text}" matches no neuron; run \`reclens label\` or use a neuron id`,
    );
  throw new Error(`no neuron labelled "${text}" (labels include ${show(entries)})`);
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

/** Parses boost specs "<label or id>:<alpha>" into knobs (alpha in [0, 1], alphas summing to at most 1). */
export function boostKnobs(doc: LabelsDoc, specs: readonly string[]): Knob[] {
  const knobs = specs.map((spec) => {
    const { ref, value } = splitRefValue(spec);
    if (value === undefined)
      throw new Error(`--boost "${spec}": expected <label or neuron id>:<alpha>, e.g. "noir:0.3"`);
    if (!(value >= 0 && value <= 1))
      throw new RangeError(`--boost "${spec}": alpha must be in [0, 1], got ${value}`);
    return { neuron: resolveNeuron(doc, ref), alpha: value };
  });
  const total = knobs.reduce((a, k) => a + k.alpha, 0);
  if (total > 1 + 1e-9) throw new RangeError(`--boost: the alphas sum to ${total}, more than 1`);
  const seen = new Set<number>();
  for (const k of knobs) {
    if (seen.has(k.neuron)) throw new Error(`--boost: neuron ${k.neuron} is boosted twice`);
    seen.add(k.neuron);
  }
  return knobs;
}

/**
 * Steering ops from CLI specs: one boost with every knob, then one suppression per factor for the
 * "<label or id>[:factor]" suppress specs (factor default 0: switched off).
 */
export function steerOpsFromSpecs(
  doc: LabelsDoc,
  boosts: readonly string[],
  suppress: readonly string[],
): SteerOp[] {
  const ops: SteerOp[] = [];
  const knobs = boostKnobs(doc, boosts);
  if (knobs.length > 0) ops.push({ kind: "boost", knobs });
  const byFactor = new Map<number, number[]>();
  for (const spec of suppress) {
    const { ref, value } = splitRefValue(spec);
    const factor = value ?? 0;
    if (!(factor >= 0 && Number.isFinite(factor)))
      throw new RangeError(`--suppress "${spec}": factor must be >= 0, got ${factor}`);
    const list = byFactor.get(factor) ?? [];
    list.push(resolveNeuron(doc, ref));
    byFactor.set(factor, list);
  }
  for (const [factor, neurons] of byFactor) ops.push({ kind: "suppress", neurons, factor });
  return ops;
}
