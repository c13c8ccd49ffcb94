import type { Selectivity } from "./selectivity.js";

/** The KL threshold of the selectivity target: a neuron's tag distribution >= 2 nats from the mean. */
export const KL_TARGET_NATS = 2;

/** Selectivity of the live neurons over one concept family's tags. */
export interface FamilySelectivitySummary {
  readonly family: string;
  /** Tags in the family (ln tags is the KL of a one-hot distribution from a uniform mean). */
  readonly tags: number;
  /** Neurons live on items (the denominator of the share). */
  readonly liveNeurons: number;
  /** Live neurons with positive mass on the family's tags (the others have no distribution, KL counts as 0). */
  readonly withMass: number;
  readonly klThreshold: number;
  /** Live neurons with KL(d_n || mean) >= klThreshold. */
  readonly klAtLeast: number;
  /** klAtLeast / liveNeurons (0 when there are none). */
  readonly shareKlAtLeast: number;
  /** Median KL over the neurons with mass (0 when none). */
  readonly medianKl: number;
  /** Largest KL (0 when none). */
  readonly maxKl: number;
  /** Mean of H(d_n) / ln(tags) over the neurons with mass (0 when none). */
  readonly meanNormalisedEntropy: number;
}

/** Per-family summaries plus the share of live neurons reaching the threshold in at least one family. */
export interface SelectivitySummary {
  readonly klThreshold: number;
  readonly families: FamilySelectivitySummary[];
  /** Live neurons whose largest KL over the families is >= klThreshold, and their share of the live ones. */
  readonly anyFamily: { readonly klAtLeast: number; readonly shareKlAtLeast: number };
}

/**
 * Summarises per-neuron selectivity (`neuronSelectivity` of each family's M = P^T Z): for each family
 * the share of the `live` neurons whose tag distribution d_n has KL(d_n || mean_n' d_n') >= threshold
 * nats, the median and largest KL, and the mean normalised entropy; then the share of live neurons
 * that reach the threshold in at least one family (max over families of the KL). A live neuron
 * without mass in a family (it fires only on items without any of its tags) counts as not reaching
 * it there.
 */
export function selectivitySummary(
  families: readonly { readonly kind: string; readonly tags: number; readonly neurons: Selectivity }[],
  live: ArrayLike<number>,
  threshold = KL_TARGET_NATS,
): SelectivitySummary {
  if (!(threshold >= 0) || threshold === Infinity)
    throw new RangeError(`selectivitySummary: threshold must be finite and >= 0, got ${threshold}`);
  const liveSet = new Set(Array.from(live));
  const maxKlOf = new Map<number, number>();
  const out = families.map((f) => {
    const s = f.neurons;
    const kls: number[] = [];
    let entSum = 0;
    let hits = 0;
    for (let r = 0; r < s.ids.length; r++) {
      const n = s.ids[r];
      if (!liveSet.has(n)) continue;
      kls.push(s.kl[r]);
      entSum += s.normalisedEntropy[r];
      if (s.kl[r] >= threshold) hits++;
      maxKlOf.set(n, Math.max(maxKlOf.get(n) ?? 0, s.kl[r]));
    }
    kls.sort((a, b) => a - b);
    const mid = kls.length >> 1;
    const median = kls.length === 0 ? 0 : kls.length % 2 ? kls[mid] : (kls[mid - 1] + kls[mid]) / 2;
    return {
      family: f.kind,
      tags: f.tags,
      liveNeurons: liveSet.size,
      withMass: kls.length,
      klThreshold: threshold,
      klAtLeast: hits,
      shareKlAtLeast: liveSet.size ? hits / liveSet.size : 0,
      medianKl: median,
      maxKl: kls.length ? kls[kls.length - 1] : 0,
      meanNormalisedEntropy: kls.length ? entSum / kls.length : 0,
    };
  });
  let any = 0;
  for (const v of maxKlOf.values()) if (v >= threshold) any++;
  return {
    klThreshold: threshold,
    families: out,
    anyFamily: { klAtLeast: any, shareKlAtLeast: liveSet.size ? any / liveSet.size : 0 },
  };
}
