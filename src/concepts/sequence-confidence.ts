import type { Rng } from "../tensor/rng.js";
import { detectionScore, type DetectionScore } from "./confidence.js";
import type { NegativeCandidate, SequenceWindow } from "./sequence-activations.js";
import {
  buildConcept,
  DEFAULT_WEIGHTING,
  forEachWindowItem,
  type ItemTerms,
  type PositionWeighting,
  type SequenceConcept,
} from "./sequence-concepts.js";

/**
 * Confidence of a sequence concept, validated as RecSAE does: the latent's top-activating windows
 * (ranked by activation) are split alternately into a *building* part (ranks 0, 2, 4, ...), which
 * builds the concept, and a *held-out* part (ranks 1, 3, 5, ...). A detector must then tell the
 * held-out windows from as many random windows on which the latent does not fire; the confidence is
 * its accuracy on that balanced set (chance = 0.5; F1, precision and recall are reported too).
 *
 * The built-in detector is the TF-IDF concept itself, a keyword match: the match of a window is
 *   match(w) = sum_q weight(w, q) sum_{t in concept} c_t [t in doc(item(w, q))] / sum_q weight(w, q)
 * (c_t the concept's term weights, weight the position weighting of sequence-concepts.ts), and a
 * window is detected when match(w) >= tau. tau is fitted on the building part (its windows against
 * other random windows) as the accuracy-maximising cut between consecutive distinct scores (the
 * lowest such cut on ties), so the held-out part is never seen before it is scored.
 */

/** The built-in detector's match of one window (see the file comment). */
export function windowMatch(
  docs: ItemTerms,
  seq: Int32Array,
  position: number,
  concept: SequenceConcept,
  w: PositionWeighting = DEFAULT_WEIGHTING,
): number {
  const weightOf = new Map<number, number>();
  concept.termIds.forEach((t, k) => weightOf.set(t, concept.weights[k]));
  let hit = 0;
  const total = forEachWindowItem(seq, position, w, (item, weight) => {
    let m = 0;
    for (let p = docs.start[item]; p < docs.start[item + 1]; p++) m += weightOf.get(docs.ids[p]) ?? 0;
    hit += weight * m;
  });
  return total > 0 ? hit / total : 0;
}

/**
 * The accuracy-maximising threshold separating `pos` from `neg` scores (detected: score >= tau).
 * Candidates: the lowest score (everything detected), the midpoints between consecutive distinct
 * scores and one above the highest (nothing detected); ties go to the lowest candidate.
 */
export function fitThreshold(pos: readonly number[], neg: readonly number[]): number {
  const all = [...new Set([...pos, ...neg])].sort((a, b) => a - b);
  if (all.length === 0) return 0;
  const candidates = [all[0]];
  for (let k = 1; k < all.length; k++) candidates.push((all[k - 1] + all[k]) / 2);
  candidates.push(all[all.length - 1] + 1);
  let best = candidates[0];
  let bestCorrect = -1;
  for (const tau of candidates) {
    let correct = 0;
    for (const s of pos) if (s >= tau) correct++;
    for (const s of neg) if (s < tau) correct++;
    if (correct > bestCorrect) {
      bestCorrect = correct;
      best = tau;
    }
  }
  return best;
}

/** Splits ranked windows alternately: building part = even ranks, held-out part = odd ranks. */
export function splitAlternately<T>(ranked: readonly T[]): { build: T[]; heldOut: T[] } {
  return {
    build: ranked.filter((_, r) => r % 2 === 0),
    heldOut: ranked.filter((_, r) => r % 2 === 1),
  };
}

/**
 * Two disjoint sets of random windows (sizes `a` and `b`) on which `latent` does not fire, drawn
 * from the pool; `latent` -1 keeps every candidate. Fewer when the pool runs short.
 */
export function drawNegatives(
  pool: readonly NegativeCandidate[],
  latent: number,
  a: number,
  b: number,
  rng: Rng,
): { first: SequenceWindow[]; second: SequenceWindow[] } {
  const ok = pool.filter((c) => latent < 0 || !hasLatent(c.active, latent));
  rng.shuffle(ok);
  const first = ok.slice(0, a).map(({ sequence, position }) => ({ sequence, position }));
  const second = ok.slice(a, a + b).map(({ sequence, position }) => ({ sequence, position }));
  return { first, second };
}

function hasLatent(active: Int32Array, j: number): boolean {
  let lo = 0;
  let hi = active.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (active[mid] === j) return true;
    if (active[mid] < j) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Result of {@link conceptConfidence}. */
export interface ConceptConfidence {
  /** The concept built from the building part. */
  readonly concept: SequenceConcept;
  /** Detector threshold fitted on the building part. */
  readonly threshold: number;
  /** Accuracy of the detector on the building part (what the threshold was fitted to). */
  readonly buildAccuracy: number;
  /** The held-out scores: accuracy is the confidence. */
  readonly heldOut: DetectionScore;
  readonly confidence: number;
  readonly buildWindows: number;
  readonly heldOutWindows: number;
  readonly negatives: number;
  /** The windows of each part (the LLM detector judges the same ones). */
  readonly windows: {
    readonly build: readonly SequenceWindow[];
    readonly heldOut: readonly SequenceWindow[];
    readonly buildNegatives: readonly SequenceWindow[];
    readonly heldOutNegatives: readonly SequenceWindow[];
  };
}

/** Options of {@link conceptConfidence}. */
export interface ConceptConfidenceOptions {
  readonly weighting?: PositionWeighting;
  /** Terms of the concept (default 5). */
  readonly terms?: number;
  /** Fewest ranked windows to score a concept (default 4: two to build, two held out). */
  readonly minWindows?: number;
}

/**
 * The concept of `ranked` windows (a latent's top-activating windows, best first) and its built-in
 * confidence (see the file comment): undefined when there are fewer than `minWindows` windows or
 * not enough random windows for both parts. `latent` excludes the pool's windows where it fires
 * (-1: none excluded, e.g. for the chance control).
 */
export function conceptConfidence(
  docs: ItemTerms,
  sequences: readonly Int32Array[],
  ranked: readonly SequenceWindow[],
  pool: readonly NegativeCandidate[],
  latent: number,
  rng: Rng,
  opts: ConceptConfidenceOptions = {},
): ConceptConfidence | undefined {
  const w = opts.weighting ?? DEFAULT_WEIGHTING;
  if (ranked.length < (opts.minWindows ?? 4)) return undefined;
  const { build, heldOut } = splitAlternately(ranked);
  const neg = drawNegatives(pool, latent, build.length, heldOut.length, rng);
  if (neg.first.length < build.length || neg.second.length < heldOut.length) return undefined;
  const concept = buildConcept(docs, sequences, build, w, opts.terms ?? 5);
  const match = (x: SequenceWindow): number =>
    windowMatch(docs, sequences[x.sequence], x.position, concept, w);
  const bPos = build.map(match);
  const bNeg = neg.first.map(match);
  const threshold = fitThreshold(bPos, bNeg);
  let buildCorrect = 0;
  for (const s of bPos) if (s >= threshold) buildCorrect++;
  for (const s of bNeg) if (s < threshold) buildCorrect++;
  const mixed = [...heldOut.map((x) => ({ x, pos: true })), ...neg.second.map((x) => ({ x, pos: false }))];
  const picked = new Set<number>();
  mixed.forEach((m, p) => {
    if (match(m.x) >= threshold) picked.add(p);
  });
  const score = detectionScore(
    mixed.map((m) => m.pos),
    picked,
  );
  return {
    concept,
    threshold,
    buildAccuracy: buildCorrect / (bPos.length + bNeg.length),
    heldOut: score,
    confidence: score.accuracy,
    buildWindows: build.length,
    heldOutWindows: heldOut.length,
    negatives: neg.first.length + neg.second.length,
    windows: { build, heldOut, buildNegatives: neg.first, heldOutNegatives: neg.second },
  };
}
