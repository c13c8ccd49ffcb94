import type { ItemConcepts } from "../data/types.js";
import type { SequenceWindow } from "./sequence-activations.js";

/**
 * Concepts of sequences (RecSAE): a latent's concept is a TF-IDF keyword list built from the text
 * and metadata of the items in its top-activating sequences, each item weighted by how close it is
 * to the firing position.
 *
 * Item documents: the words of the item's title and description (lower case, letters and digits,
 * at least 3 characters, not all digits, minus a few stop words) and one term per concept the item
 * carries ("genre:Comedy", "category:Makeup"); an item without title or text words gets its id
 * ("item:<id>", so a catalogue without text still has concepts: the items themselves). A document is
 * a *set* of terms. Terms in more than half of the catalogue's items are dropped (a maximum document
 * frequency, as in common TF-IDF practice): they cannot tell one latent's sequences from another's,
 * yet their tf is close to 1 in every window. This removes the structural words of
 * `describeItem`'s text ("genres", "released", "category") and families every item carries
 * ("category:Beauty"), which would otherwise head many concepts and blunt the keyword detector.
 *
 * Position weights: a window ending at the firing position p gives the item at position q <= p the
 * weight decay^(p - q) when p - q < span, else 0 (the model is causal: items after p are unseen).
 *
 * For a set of windows W:
 *   tf(t)    = sum_{w in W} sum_q weight(w, q) [t in doc(item(w, q))] / sum_{w in W} sum_q weight(w, q)
 *   idf(t)   = ln((1 + N) / (1 + df(t))) + 1   (N items in the catalogue, df(t) items whose doc has t)
 *   score(t) = tf(t) idf(t)
 * and the concept is the `terms` best-scoring terms (ties: lower term id), with weights score / sum.
 */

/** Tokenised item documents: terms by id and, per item, its sorted term ids. */
export interface ItemTerms {
  readonly terms: readonly string[];
  /** Term ids of item i: ids[start[i] .. start[i + 1]), ascending, no repeats. */
  readonly start: Int32Array;
  readonly ids: Int32Array;
  /** idf(t) over the catalogue (see the file comment). */
  readonly idf: Float64Array;
}

/** Metadata of the catalogue the documents are built from (the fields of Dataset that carry text). */
export interface ItemTextSources {
  readonly items: number;
  readonly itemTitles?: readonly string[];
  readonly itemText?: readonly string[];
  readonly concepts?: readonly ItemConcepts[];
  /** Original item ids: an item without title or text words gets the term "item:<id>". */
  readonly itemIds?: readonly string[];
}

const STOP = new Set(
  "the and for with from this that are was were you your our its his her their has have had not but all any can will one two into out over under about more most very than then them they what when where which who how also other some such only own same too just".split(
    " ",
  ),
);

/** Words of a text as terms (see the file comment). */
export function wordsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (w) => w.length >= 3 && !/^\p{N}+$/u.test(w) && !STOP.has(w),
  );
}

/** Largest share of the catalogue's items a term may appear in and still be a term (see the file comment). */
export const MAX_DOC_SHARE = 0.5;

/** Builds the item documents and the catalogue IDF (see the file comment); dropped terms keep their id, with idf 0. */
export function itemTerms(src: ItemTextSources): ItemTerms {
  const { items } = src;
  for (const [field, list] of [
    ["itemTitles", src.itemTitles],
    ["itemText", src.itemText],
  ] as const)
    if (list && list.length !== items)
      throw new RangeError(`itemTerms: ${field} has ${list.length} entries for ${items} items`);
  const id = new Map<string, number>();
  const terms: string[] = [];
  const termId = (t: string): number => {
    let k = id.get(t);
    if (k === undefined) {
      k = terms.length;
      id.set(t, k);
      terms.push(t);
    }
    return k;
  };
  const docs: number[][] = Array.from({ length: items }, () => []);
  for (let i = 0; i < items; i++) {
    const set = new Set<number>();
    for (const text of [src.itemTitles?.[i], src.itemText?.[i]])
      if (text) for (const w of wordsOf(text)) set.add(termId(w));
    if (set.size === 0 && src.itemIds) {
      if (src.itemIds.length !== items)
        throw new RangeError(`itemTerms: itemIds has ${src.itemIds.length} entries for ${items} items`);
      set.add(termId(`item:${src.itemIds[i]}`));
    }
    docs[i] = [...set];
  }
  for (const f of src.concepts ?? []) {
    const m = f.matrix;
    if (m.rows !== items)
      throw new RangeError(`itemTerms: concept family "${f.kind}" has ${m.rows} items, expected ${items}`);
    for (let i = 0; i < items; i++)
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
        if (m.values[p] > 0) docs[i].push(termId(`${f.kind}:${f.names[m.indices[p]]}`));
  }
  const sets = docs.map((d) => [...new Set(d)].sort((a, b) => a - b));
  const df = new Int32Array(terms.length);
  for (const d of sets) for (const t of d) df[t]++;
  const common = (t: number): boolean => df[t] > MAX_DOC_SHARE * items;
  const start = new Int32Array(items + 1);
  const flat: number[] = [];
  for (let i = 0; i < items; i++) {
    for (const t of sets[i]) if (!common(t)) flat.push(t);
    start[i + 1] = flat.length;
  }
  const idf = Float64Array.from(df, (c, t) => (common(t) ? 0 : Math.log((1 + items) / (1 + c)) + 1));
  return { terms, start, ids: Int32Array.from(flat), idf };
}

/** How items around a firing position are weighted (see the file comment). */
export interface PositionWeighting {
  /** Weight ratio per step back from the firing position, in (0, 1] (default 0.5). */
  readonly decay: number;
  /** Items looked at: the firing position and the span - 1 before it (default 5). */
  readonly span: number;
}

/** Default position weighting. */
export const DEFAULT_WEIGHTING: PositionWeighting = { decay: 0.5, span: 5 };

/** Checks a weighting (RangeError naming the field). */
export function checkWeighting(w: PositionWeighting): void {
  if (!(w.decay > 0 && w.decay <= 1)) throw new RangeError(`decay must be in (0, 1], got ${w.decay}`);
  if (!(Number.isInteger(w.span) && w.span >= 1))
    throw new RangeError(`span must be a positive integer, got ${w.span}`);
}

/**
 * Calls visit(item, weight) for each item of the window ending at `position` of `seq` (the firing
 * position first, then backwards), with its position weight; returns the window's total weight.
 */
export function forEachWindowItem(
  seq: Int32Array,
  position: number,
  w: PositionWeighting,
  visit: (item: number, weight: number) => void,
): number {
  if (!(Number.isInteger(position) && position >= 0 && position < seq.length))
    throw new RangeError(`window position ${position} out of range [0, ${seq.length})`);
  let total = 0;
  let weight = 1;
  for (let d = 0; d < w.span && position - d >= 0; d++) {
    visit(seq[position - d], weight);
    total += weight;
    weight *= w.decay;
  }
  return total;
}

/** A concept: terms with weights (summing to 1), best first. */
export interface SequenceConcept {
  readonly terms: readonly string[];
  readonly termIds: Int32Array;
  readonly weights: Float64Array;
  /** The TF-IDF scores of the terms (tf idf). */
  readonly scores: Float64Array;
}

/** Position-weighted term frequencies of a set of windows (tf(t), see the file comment). */
export function windowTermFrequencies(
  docs: ItemTerms,
  sequences: readonly Int32Array[],
  windows: readonly SequenceWindow[],
  w: PositionWeighting = DEFAULT_WEIGHTING,
): Float64Array {
  checkWeighting(w);
  const tf = new Float64Array(docs.terms.length);
  let total = 0;
  for (const win of windows) {
    const seq = sequences[win.sequence];
    if (!seq) throw new RangeError(`window of sequence ${win.sequence}: no such sequence`);
    total += forEachWindowItem(seq, win.position, w, (item, weight) => {
      for (let p = docs.start[item]; p < docs.start[item + 1]; p++) tf[docs.ids[p]] += weight;
    });
  }
  if (total > 0) for (let t = 0; t < tf.length; t++) tf[t] /= total;
  return tf;
}

/** The TF-IDF concept of a set of windows: the `terms` best terms (default 5); empty when no item has a term. */
export function buildConcept(
  docs: ItemTerms,
  sequences: readonly Int32Array[],
  windows: readonly SequenceWindow[],
  w: PositionWeighting = DEFAULT_WEIGHTING,
  terms = 5,
): SequenceConcept {
  const tf = windowTermFrequencies(docs, sequences, windows, w);
  const order: number[] = [];
  for (let t = 0; t < tf.length; t++) if (tf[t] > 0) order.push(t);
  const score = (t: number): number => tf[t] * docs.idf[t];
  order.sort((a, b) => score(b) - score(a) || a - b);
  const pick = order.slice(0, terms);
  const scores = Float64Array.from(pick, score);
  const sum = scores.reduce((s, v) => s + v, 0);
  return {
    terms: pick.map((t) => docs.terms[t]),
    termIds: Int32Array.from(pick),
    weights: Float64Array.from(scores, (v) => (sum > 0 ? v / sum : 0)),
    scores,
  };
}

/** A short label of a concept: its first `n` terms (concept terms without their family prefix). */
export function conceptLabel(c: SequenceConcept, n = 3): string {
  return c.terms
    .slice(0, n)
    .map((t) => t.slice(t.indexOf(":") + 1))
    .join(", ");
}
