import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";

/**
 * What SAERec keeps of an intent library (src/intents/library.ts), aligned to the dataset's items.
 * The model stores it in its own directory, so a run reloads without the library.
 */
export interface IntentPriors {
  /** Label per intent. */
  readonly labels: readonly string[];
  /** Label confidence per intent, in [0, 1]. */
  readonly confidence: Float32Array;
  /** Intent vectors (numIntents x dText): the SAE encoder rows. */
  readonly vectors: Matrix;
  /** Item activations (numItems x numIntents), rows in the dataset's item order. */
  readonly activations: Csr;
  /** Where the library came from (recorded in model.json), if known. */
  readonly source?: string;
}

/** Throws naming the field unless `p` is consistent (sizes agree, values finite). */
export function checkPriors(where: string, p: IntentPriors, nItems?: number): void {
  const n = p.labels.length;
  if (n === 0) throw new RangeError(`${where}: the intent library has no intents`);
  if (p.confidence.length !== n)
    throw new RangeError(`${where}: ${p.confidence.length} confidences for ${n} intents`);
  if (p.vectors.rows !== n)
    throw new RangeError(`${where}: intent vectors are ${p.vectors.shape}, expected ${n} rows`);
  if (p.activations.cols !== n)
    throw new RangeError(
      `${where}: item activations have ${p.activations.cols} intent columns, expected ${n}`,
    );
  if (nItems !== undefined && p.activations.rows !== nItems)
    throw new RangeError(
      `${where}: item activations cover ${p.activations.rows} items, the data have ${nItems} (align the library to the dataset first)`,
    );
  if (!p.vectors.data.every(Number.isFinite)) throw new RangeError(`${where}: intent vectors are not finite`);
  if (!p.activations.values.every((v) => v >= 0 && Number.isFinite(v)))
    throw new RangeError(`${where}: item activations must be finite and non-negative`);
}

/** Per-intent statistics over the training users. */
export interface IntentStats {
  /** Number of training users whose history activates the intent (document frequency). */
  readonly df: Float32Array;
  /** idf(c) = ln((1 + N) / (1 + df(c))) + 1 over N training users (smoothed, always >= 1). */
  readonly idf: Float32Array;
}

/** Document frequency and IDF of every intent over the training sequences. */
export function intentStats(seqs: readonly Int32Array[], acts: Csr): IntentStats {
  const n = acts.cols;
  const df = new Float32Array(n);
  const seen = new Int32Array(n).fill(-1);
  seqs.forEach((s, u) => {
    for (const item of s) {
      const idx = acts.rowIndices(item);
      const val = acts.rowValues(item);
      for (let p = 0; p < idx.length; p++) {
        if (val[p] > 0 && seen[idx[p]] !== u) {
          seen[idx[p]] = u;
          df[idx[p]]++;
        }
      }
    }
  });
  const users = seqs.length;
  const idf = Float32Array.from(df, (d) => Math.log((1 + users) / (1 + d)) + 1);
  return { df, idf };
}

/**
 * The k public intents: the highest document frequency x label confidence (intents many users'
 * histories touch and whose label is trustworthy), ties to the lower index; `exclude` are skipped.
 * Fewer than k when the library is smaller; intents with a zero product are not picked.
 */
export function publicIntents(
  df: Float32Array,
  confidence: Float32Array,
  k: number,
  exclude?: ReadonlySet<number>,
): Int32Array {
  const score = Float64Array.from(df, (d, c) => (exclude?.has(c) ? 0 : d * confidence[c]));
  return topPositive(
    score,
    Array.from({ length: score.length }, (_, c) => c),
    k,
  );
}

/** Indices among `candidates` of the k largest positive scores (ties to the lower index), best first. */
function topPositive(score: ArrayLike<number>, candidates: ArrayLike<number>, k: number): Int32Array {
  const best: number[] = [];
  for (let t = 0; t < candidates.length; t++) {
    const c = candidates[t];
    const s = score[c];
    if (!(s > 0)) continue;
    let pos = best.length;
    while (pos > 0) {
      const o = best[pos - 1];
      if (score[o] > s || (score[o] === s && o < c)) break;
      pos--;
    }
    if (pos >= k) continue;
    best.splice(pos, 0, c);
    if (best.length > k) best.pop();
  }
  return Int32Array.from(best);
}

/** How personal slots are filled: TF-IDF retrieval, or hashed (content-free) random intents. */
export type PersonalMode = "retrieved" | "random";

/** Which positions of a sequence need personal slots: every position, or the last one only. */
export interface PersonalRequest {
  /** Index (into the full sequence) of the first position to emit. */
  readonly from: number;
  /** Number of consecutive positions to emit. */
  readonly count: number;
}

/** 32-bit mix (murmur3 finaliser). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Options of `personalSlots`. */
export interface PersonalOptions {
  /** Intents never picked (switched off). */
  readonly exclude?: ReadonlySet<number>;
  /**
   * Recency window: position t sums the activations of its last `window` items only,
   * s[t - window + 1..t]; 0 (the default, the paper's retrieval) sums the whole prefix.
   */
  readonly window?: number;
}

/**
 * Personal intents of every requested position of one sequence, written to `out` (count x k, -1 for
 * empty slots). Position t uses the prefix s[0..t] (the items the model has seen there, never a
 * later one), or its last `window` items when a recency window is set:
 *
 *   tf_t(c) = sum over items i in the window of act(i, c);   score = tf_t(c) * idf(c)
 *
 * and keeps the k best intents with a positive score (ties to the lower index), best first; intents
 * in `exclude` are never picked. At a sequence's last position this is the user's history, as the
 * paper's retrieval. "random" fills the slots with intents drawn from a hash of the prefix and the
 * slot (deterministic, unrelated to content): the random-intents ablation.
 */
export function personalSlots(
  seq: Int32Array,
  req: PersonalRequest,
  acts: Csr,
  idf: Float32Array,
  k: number,
  mode: PersonalMode,
  out: Int32Array,
  options: PersonalOptions = {},
): void {
  const { exclude, window = 0 } = options;
  if (!(Number.isInteger(window) && window >= 0))
    throw new RangeError(`personalSlots: window must be a non-negative integer, got ${window}`);
  out.fill(-1, 0, req.count * k);
  const end = req.from + req.count;
  if (mode === "random") {
    const n = acts.cols;
    let h = 0x9e3779b9;
    for (let t = 0; t < end; t++) {
      h = mix(h ^ Math.imul(seq[t] + 1, 0x27d4eb2f));
      if (t < req.from) continue;
      for (let j = 0; j < k; j++) out[(t - req.from) * k + j] = mix(h + j * 0x61c88647) % n;
    }
    return;
  }
  const tf = new Float64Array(acts.cols);
  // Items of the window activating each intent: an intent leaves the window exactly when this
  // reaches 0 (tf itself may keep a rounding residue after the subtraction).
  const live = new Int32Array(acts.cols);
  const score = new Float64Array(acts.cols);
  const touched: number[] = [];
  const isTouched = new Uint8Array(acts.cols);
  const add = (item: number, sign: 1 | -1): void => {
    const idx = acts.rowIndices(item);
    const val = acts.rowValues(item);
    for (let p = 0; p < idx.length; p++) {
      if (!(val[p] > 0)) continue;
      const c = idx[p];
      if (!isTouched[c]) {
        isTouched[c] = 1;
        touched.push(c);
      }
      tf[c] += sign * val[p];
      live[c] += sign;
    }
  };
  for (let t = 0; t < end; t++) {
    add(seq[t], 1);
    if (window > 0 && t >= window) add(seq[t - window], -1);
    if (t < req.from) continue;
    for (const c of touched) score[c] = exclude?.has(c) || live[c] === 0 ? 0 : tf[c] * idf[c];
    out.set(topPositive(score, touched, k), (t - req.from) * k);
  }
}
