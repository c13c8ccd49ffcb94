import type { ConceptKnob, LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";

/** How a concept name becomes neurons (Knots to Knobs 3.2; see concepts/concept-knobs.ts). */
export type KnobMapping = "representative" | "unique" | "direction";

/** The mappings, default first. */
export const KNOB_MAPPINGS: readonly KnobMapping[] = ["representative", "unique", "direction"];

/** Options of {@link resolveKnob}. */
export interface KnobOptions {
  /** How a concept name maps to neurons (default "representative"). */
  readonly mapping?: KnobMapping;
}

/** A neuron a reference resolved to, its share of the knob (weights sum to 1) and label. */
export interface KnobNeuron {
  readonly neuron: number;
  readonly weight: number;
  readonly label: string | null;
}

/** Another neuron the reference could have meant. */
export interface KnobAlternative {
  readonly neuron: number;
  readonly label: string | null;
  /** Why it is listed ("labelled with the concept", "unique mapping", "label match", ...). */
  readonly why: string;
}

/** What a neuron reference resolved to, and what else it could have meant. */
export interface KnobResolution {
  readonly ref: string;
  /** "id" ("1724", "#1724"), "concept" (a concept name, by `mapping`) or "label" (a display label). */
  readonly by: "id" | "concept" | "label";
  readonly mapping?: KnobMapping;
  readonly concept?: { readonly kind: string; readonly name: string };
  readonly neurons: KnobNeuron[];
  readonly alternatives: KnobAlternative[];
  /** How the choice was made when it was not plain (fallbacks, several matches). */
  readonly note?: string;
}

const MAX_ALTERNATIVES = 10;

/** Score that picks among neurons sharing one name: the labeller's excess purity, else purity@10. */
function labelStrength(doc: LabelsDoc, id: number): number {
  const s = doc.labels[String(id)]?.scores ?? {};
  return s.excessPurity ?? s["purity@10"] ?? Number.NaN;
}

const labelOf = (doc: LabelsDoc, n: number): string | null => doc.labels[String(n)]?.label ?? null;

/** Neuron ids by strength descending (non-finite last), then id. */
function byStrength(doc: LabelsDoc, ids: readonly number[]): number[] {
  const v = (n: number): number => {
    const s = labelStrength(doc, n);
    return Number.isFinite(s) ? s : -Infinity;
  };
  return [...ids].sort((a, b) => v(b) - v(a) || a - b);
}

/** The concepts named `name` (case-insensitive; "kind:name" picks the family): index entries, else label entries. */
function conceptsNamed(doc: LabelsDoc, text: string): ConceptKnob[] {
  const q = text.toLowerCase();
  const colon = q.indexOf(":");
  const kind = colon > 0 ? q.slice(0, colon) : undefined;
  const match = (k: string, n: string): boolean =>
    n.toLowerCase() === q ||
    (kind !== undefined && k.toLowerCase() === kind && n.toLowerCase() === q.slice(colon + 1));
  if (doc.concepts !== undefined) return doc.concepts.filter((c) => match(c.kind, c.name));
  // labels.json format 1: no concept index; a concept's neurons are those labelled with it, the
  // strongest standing for representative and unique, all of them (up to 8) for direction
  const seen = new Map<string, ConceptKnob>();
  for (const e of Object.values(doc.labels)) {
    const c = e.concept;
    if (!c || !match(c.kind, c.name) || seen.has(`${c.kind}:${c.name}`)) continue;
    const ids = labelledWith(doc, c).slice(0, 8);
    const w = ids.map((n) => Math.max(0, labelStrength(doc, n)) || 0);
    const total = w.reduce((a, b) => a + b, 0);
    seen.set(`${c.kind}:${c.name}`, {
      kind: c.kind,
      name: c.name,
      index: c.index ?? 0,
      representative: ids[0],
      unique: ids[0],
      direction: ids.map((n, i) => ({ neuron: n, weight: total > 0 ? w[i] / total : 1 / ids.length })),
    });
  }
  return [...seen.values()];
}

/** Neurons whose main concept is `c`, strongest first. */
function labelledWith(doc: LabelsDoc, c: { kind: string; name: string }): number[] {
  const ids = Object.entries(doc.labels)
    .filter(([, e]) => e.concept?.kind === c.kind && e.concept.name === c.name)
    .map(([id]) => Number(id));
  return byStrength(doc, ids);
}

function resolveConcept(
  doc: LabelsDoc,
  ref: string,
  found: ConceptKnob[],
  mapping: KnobMapping,
): KnobResolution {
  const c = found[0];
  const labelled = labelledWith(doc, c);
  const notes: string[] = [];
  let neurons: { neuron: number; weight: number }[] = [];
  if (mapping === "direction") neurons = c.direction.map((d) => ({ ...d }));
  else {
    const j = mapping === "unique" ? c.unique : c.representative;
    if (j >= 0) neurons = [{ neuron: j, weight: 1 }];
  }
  if (doc.concepts === undefined)
    notes.push("labels.json has no concept index (older format): neurons labelled with the concept");
  if (neurons.length === 0) {
    const fallback = c.representative >= 0 ? c.representative : c.unique >= 0 ? c.unique : labelled[0];
    if (fallback === undefined)
      throw new BadInput(`concept "${c.name}" has no neuron to steer (none fires on enough items)`);
    neurons = [{ neuron: fallback, weight: 1 }];
    const what =
      fallback === c.representative
        ? "the representative neuron"
        : fallback === c.unique
          ? "the unique neuron"
          : "the strongest neuron labelled with it";
    notes.push(`no neuron for the ${mapping} mapping: ${what} instead`);
  }
  const used = new Set(neurons.map((n) => n.neuron));
  const alternatives: KnobAlternative[] = [];
  const alt = (n: number, why: string): void => {
    if (n < 0 || used.has(n) || alternatives.some((a) => a.neuron === n)) return;
    alternatives.push({ neuron: n, label: labelOf(doc, n), why });
  };
  for (const m of KNOB_MAPPINGS) {
    if (m === mapping) continue;
    if (m === "representative") alt(c.representative, "representative mapping");
    if (m === "unique") alt(c.unique, "unique mapping");
  }
  for (const n of labelled) alt(n, "labelled with the concept");
  const inDirection = c.directionFit ? "in the concept's fitted direction" : "selective for the concept";
  if (mapping !== "direction") for (const d of c.direction) alt(d.neuron, inDirection);
  for (const other of found.slice(1)) {
    const j = other.representative >= 0 ? other.representative : other.unique;
    if (j >= 0) alt(j, `${other.kind} "${other.name}" (write "${other.kind}:${other.name}")`);
  }
  if (labelled.length > 1) notes.push(`${labelled.length} neurons are labelled with the concept`);
  return {
    ref,
    by: "concept",
    mapping,
    concept: { kind: c.kind, name: c.name },
    neurons: neurons.map((n) => ({ ...n, label: labelOf(doc, n.neuron) })),
    alternatives: alternatives.slice(0, MAX_ALTERNATIVES),
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}

function resolveLabels(doc: LabelsDoc, ref: string, ids: number[], how: string): KnobResolution {
  const ranked = byStrength(doc, ids);
  const [j, ...rest] = ranked;
  return {
    ref,
    by: "label",
    neurons: [{ neuron: j, weight: 1, label: labelOf(doc, j) }],
    alternatives: rest
      .slice(0, MAX_ALTERNATIVES)
      .map((n) => ({ neuron: n, label: labelOf(doc, n), why: how })),
    ...(rest.length > 0
      ? {
          note: `${ranked.length} neurons match (${how}); the one with the highest excess purity, then the lowest id`,
        }
      : {}),
  };
}

/** Levenshtein distance of two strings (for close matches). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Up to `k` concept names and labels closest to `text` (edit distance, case-insensitive, each spelling once; ties alphabetical). */
export function closeMatches(doc: LabelsDoc, text: string, k = 5): string[] {
  const q = text.toLowerCase();
  const names = new Map<string, string>(); // lower case -> first spelling seen (concepts first)
  const add = (n: string): void => {
    if (!names.has(n.toLowerCase())) names.set(n.toLowerCase(), n);
  };
  for (const c of doc.concepts ?? []) add(c.name);
  for (const e of Object.values(doc.labels)) {
    if (e.concept) add(e.concept.name);
    add(e.label);
  }
  return [...names.values()]
    .map((n) => ({ n, d: editDistance(q, n.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, k)
    .map((x) => x.n);
}

/**
 * Resolves a knob reference; never fails on an ambiguous name, and reports what it chose and the
 * alternatives. In order:
 * 1. a neuron id, "1724" or "#1724" (range-checked);
 * 2. a concept name ("Horror", case-insensitive; "genre:Horror" picks the family) mapped by `mapping`:
 *    "representative" (default; argmax_n M n->t), "unique" (argmax_n M t->n) or "direction" (the
 *    concept's direction, weights summing to 1: fitted to its items, fitted-directions.ts, or the
 *    neurons selective for it), from labels.json's concept index; older
 *    files without one use the neurons labelled with the concept (the strongest for a single neuron);
 * 3. a display label, exactly (several: the highest excess purity, then the lowest id);
 * 4. a concept name containing the text (the shortest such name), else labels containing it.
 * Unknown references: BadInput naming `field` and listing close matches.
 */
export function resolveKnob(
  doc: LabelsDoc,
  ref: string,
  opts: KnobOptions = {},
  field = "neuron",
): KnobResolution {
  const text = ref.trim();
  const mapping = opts.mapping ?? "representative";
  if (/^#?\d+$/.test(text)) {
    const j = Number(text.replace(/^#/, ""));
    if (j >= doc.neurons) throw new BadInput(`neuron ${j} out of range [0, ${doc.neurons})`, field);
    return { ref, by: "id", neurons: [{ neuron: j, weight: 1, label: labelOf(doc, j) }], alternatives: [] };
  }
  if (text === "")
    throw new BadInput("empty neuron reference (give a neuron id, a concept or a label)", field);
  const withField = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof BadInput && err.field === undefined) throw new BadInput(err.message, field);
      throw err;
    }
  };
  const concepts = conceptsNamed(doc, text);
  if (concepts.length > 0) return withField(() => resolveConcept(doc, ref, concepts, mapping));
  const q = text.toLowerCase();
  const entries = Object.entries(doc.labels).map(([id, e]) => ({
    id: Number(id),
    label: e.label.toLowerCase(),
  }));
  const exact = entries.filter((e) => e.label === q).map((e) => e.id);
  if (exact.length > 0) return resolveLabels(doc, ref, exact, "same label");
  const partial = [...new Set([...(doc.concepts ?? []).map((c) => c.name)])]
    .filter((n) => n.toLowerCase().includes(q))
    .sort((a, b) => a.length - b.length || a.localeCompare(b));
  if (partial.length > 0) {
    const r = withField(() => resolveConcept(doc, ref, conceptsNamed(doc, partial[0]), mapping));
    const others = partial.slice(1, 4).map((n) => `"${n}"`);
    const note = `"${text}" taken as the concept "${partial[0]}"${others.length > 0 ? ` (also contained in ${others.join(", ")})` : ""}`;
    return { ...r, note: r.note ? `${note}; ${r.note}` : note };
  }
  const contains = entries.filter((e) => e.label.includes(q)).map((e) => e.id);
  if (contains.length > 0) return resolveLabels(doc, ref, contains, `label contains "${text}"`);
  if (entries.length === 0 && (doc.concepts ?? []).length === 0)
    throw new BadInput(
      `no labels yet, so "${text}" matches no neuron; run \`reclens label\` or use a neuron id`,
      field,
    );
  const close = closeMatches(doc, text);
  throw new BadInput(
    `no neuron labelled "${text}" and no concept of that name (close matches: ${close.map((c) => `"${c}"`).join(", ")}); ` +
      `use one of them or a neuron id`,
    field,
  );
}

/**
 * A single neuron for a reference: the heaviest neuron of {@link resolveKnob} with the default
 * (representative) mapping. Every error is a BadInput naming `field`.
 */
export function resolveNeuron(doc: LabelsDoc, ref: string, field = "neuron"): number {
  const r = resolveKnob(doc, ref, {}, field);
  return [...r.neurons].sort((a, b) => b.weight - a.weight || a.neuron - b.neuron)[0].neuron;
}

/** Checks a mapping name (BadInput naming `field`). */
export function parseMapping(value: string, field = "mapping"): KnobMapping {
  if ((KNOB_MAPPINGS as readonly string[]).includes(value)) return value as KnobMapping;
  throw new BadInput(`mapping must be one of ${KNOB_MAPPINGS.join(", ")}, got "${value}"`, field);
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
