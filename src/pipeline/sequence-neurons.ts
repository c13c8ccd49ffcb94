import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  SEQUENCE_CONCEPTS_FILE,
  type LatentSequenceConcept,
  type TopSequence,
} from "./sequence-concepts-run.js";

/**
 * The sequence concepts of one neuron for `reclens neurons show` and the panel's neuron page: read
 * from `<concepts dir>/sequence-concepts.json` (written by `reclens label` on sequential runs).
 */

/** What the neuron views show of a sequential run's latent. */
export interface SequenceNeuronView {
  readonly label: string;
  readonly terms: LatentSequenceConcept["terms"];
  readonly confidence?: number;
  readonly f1?: number;
  readonly llm?: LatentSequenceConcept["llm"];
  readonly sequenceSupport: number;
  readonly distribution: LatentSequenceConcept["distribution"];
  /** Top-activating sequences; the last item of each is the firing position. */
  readonly top: TopSequence[];
}

interface Cached {
  readonly mtimeMs: number;
  readonly byNeuron: Map<number, LatentSequenceConcept>;
}
const cache = new Map<string, Cached>();

/** Neuron j's sequence concept from the concepts directory, or undefined when there is none. */
export function sequenceNeuronView(conceptsDir: string, j: number, top = 10): SequenceNeuronView | undefined {
  const path = join(conceptsDir, SEQUENCE_CONCEPTS_FILE);
  if (!existsSync(path)) return undefined;
  const mtimeMs = statSync(path).mtimeMs;
  let c = cache.get(path);
  if (!c || c.mtimeMs !== mtimeMs) {
    let doc: { latents?: unknown };
    try {
      doc = JSON.parse(readFileSync(path, "utf8")) as { latents?: unknown };
    } catch (err) {
      throw new Error(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!Array.isArray(doc.latents)) throw new Error(`${path}: field "latents" is missing or not a list`);
    const byNeuron = new Map<number, LatentSequenceConcept>();
    for (const l of doc.latents as LatentSequenceConcept[]) byNeuron.set(l.neuron, l);
    c = { mtimeMs, byNeuron };
    cache.set(path, c);
  }
  const l = c.byNeuron.get(j);
  if (!l) return undefined;
  return {
    label: l.label,
    terms: l.terms,
    ...(l.confidence !== undefined ? { confidence: l.confidence } : {}),
    ...(l.f1 !== undefined ? { f1: l.f1 } : {}),
    ...(l.llm ? { llm: l.llm } : {}),
    sequenceSupport: l.sequenceSupport,
    distribution: l.distribution,
    top: l.top.slice(0, top),
  };
}

/**
 * A top sequence as one line, the firing item in [brackets]: "A > B > [C]" (titles, else ids),
 * "... > " in front when earlier items were cut.
 */
export function sequenceLine(t: TopSequence): string {
  const cut = t.position - t.items.length + 1 > 0 ? "... > " : "";
  return (
    cut +
    t.items
      .map((it, q) => {
        const name = it.title ?? it.id;
        return q === t.items.length - 1 ? `[${name}]` : name;
      })
      .join(" > ")
  );
}
