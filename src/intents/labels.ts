import { detectionScore } from "../concepts/confidence.js";
import type { Csr } from "../tensor/csr.js";
import { Rng } from "../tensor/rng.js";
import { tokenize } from "../embeddings/tokenize.js";

/** Settings of the built-in intent labeller (complete; see INTENT_LABEL_DEFAULTS). */
export interface IntentLabelOptions {
  /** Top-activating items per latent used for the label and its confidence (split in two halves). */
  topItems: number;
  /** Latents firing on fewer items are not labelled (no intent). */
  minItems: number;
  /** Keywords in a label (the top TF-IDF terms of the build half). */
  keywords: number;
  /** A keyword must occur in at least this many build-half items. */
  minKeywordItems: number;
  /** Random non-firing items per held-out positive in the detection round. */
  negativesPerPositive: number;
  /** Seed of the negative sampling. */
  seed: number;
}

/** Defaults of the built-in labeller. */
export const INTENT_LABEL_DEFAULTS: Readonly<IntentLabelOptions> = {
  topItems: 40,
  minItems: 8,
  keywords: 3,
  minKeywordItems: 2,
  negativesPerPositive: 1,
  seed: 0,
};

/** The built-in label of one latent and its held-out detection score. */
export interface LatentLabel {
  readonly latent: number;
  /** Keywords joined by ", " (most distinctive first). */
  readonly label: string;
  readonly keywords: string[];
  /** F1 of the keyword detector on held-out top items vs random non-firing items, in [0, 1]. */
  readonly confidence: number;
  /** Accuracy of the same detection round. */
  readonly accuracy: number;
  /** Items the latent fires on. */
  readonly support: number;
  /** Top items (row indices), by activation descending, with their activations. */
  readonly top: { item: number; activation: number }[];
}

/** Token sets of texts and the smoothed corpus IDF of every token: ln((1 + N) / (1 + df)) + 1. */
export interface TextIndex {
  readonly tokens: ReadonlySet<string>[];
  readonly idf: ReadonlyMap<string, number>;
}

/** Tokenises every text once ({@link tokenize}) and computes the corpus IDF. */
export function textIndex(texts: readonly string[]): TextIndex {
  const tokens = texts.map((t) => new Set(tokenize(t)));
  const df = new Map<string, number>();
  for (const s of tokens) for (const w of s) df.set(w, (df.get(w) ?? 0) + 1);
  const n = texts.length;
  const idf = new Map<string, number>();
  for (const [w, c] of df) idf.set(w, Math.log((1 + n) / (1 + c)) + 1);
  return { tokens, idf };
}

/**
 * Labels one latent from its firing items (`items`, `acts` from the transposed code). Its top
 * `topItems` items are split by rank parity: the even ranks (build half) give the label, the odd
 * ranks (held-out half) test it. Label: the `keywords` terms of highest TF-IDF where the latent's
 * "document" is its build half, tf(t) = sum of the activations of build items containing t / sum of
 * all build activations, and idf is the corpus IDF (terms in fewer than `minKeywordItems` build
 * items are skipped). Confidence: a keyword detector (an item matches when its text holds any
 * keyword) scored by F1 (concepts/confidence.ts detectionScore) on the held-out half (positives)
 * mixed with `negativesPerPositive` x as many random items the latent does not fire on. Returns
 * undefined when the latent fires on fewer than `minItems` items or no term qualifies.
 */
export function labelLatent(
  latent: number,
  items: Int32Array,
  acts: Float32Array,
  index: TextIndex,
  o: IntentLabelOptions,
  rng: Rng,
): LatentLabel | undefined {
  if (items.length < o.minItems) return undefined;
  const order = Array.from(items.keys()).sort((a, b) => acts[b] - acts[a] || items[a] - items[b]);
  const top = order.slice(0, o.topItems).map((p) => ({ item: items[p], activation: acts[p] }));
  const build = top.filter((_, r) => r % 2 === 0);
  const held = top.filter((_, r) => r % 2 === 1);
  const weight = new Map<string, number>();
  const count = new Map<string, number>();
  let total = 0;
  for (const { item, activation } of build) {
    total += activation;
    for (const w of index.tokens[item]) {
      weight.set(w, (weight.get(w) ?? 0) + activation);
      count.set(w, (count.get(w) ?? 0) + 1);
    }
  }
  const scored = [...weight.entries()]
    .filter(([w]) => (count.get(w) ?? 0) >= o.minKeywordItems)
    .map(([w, s]): [string, number] => [w, (s / total) * (index.idf.get(w) ?? 0)])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const keywords = scored.slice(0, o.keywords).map(([w]) => w);
  if (keywords.length === 0) return undefined;
  const firing = new Set(items);
  const negatives: number[] = [];
  const want = held.length * o.negativesPerPositive;
  const n = index.tokens.length;
  for (let tries = 0; negatives.length < want && tries < want * 50; tries++) {
    const i = rng.int(n);
    if (!firing.has(i) && !negatives.includes(i)) negatives.push(i);
  }
  const shown = [...held.map((h) => h.item), ...negatives];
  const truth = shown.map((_, p) => p < held.length);
  const picked = new Set<number>();
  shown.forEach((i, p) => {
    if (keywords.some((w) => index.tokens[i].has(w))) picked.add(p);
  });
  const s = detectionScore(truth, picked);
  return {
    latent,
    label: keywords.join(", "),
    keywords,
    confidence: s.f1,
    accuracy: s.accuracy,
    support: items.length,
    top,
  };
}

/** Labels every latent of `codeByLatent` (the code transposed: latents x items) that qualifies. */
export function labelLatents(
  codeByLatent: Csr,
  index: TextIndex,
  opts: Partial<IntentLabelOptions> = {},
): LatentLabel[] {
  const o = { ...INTENT_LABEL_DEFAULTS, ...opts };
  const root = new Rng(o.seed);
  const out: LatentLabel[] = [];
  for (let n = 0; n < codeByLatent.rows; n++) {
    const rng = root.fork();
    const l = labelLatent(n, codeByLatent.rowIndices(n), codeByLatent.rowValues(n), index, o, rng);
    if (l) out.push(l);
  }
  return out;
}
