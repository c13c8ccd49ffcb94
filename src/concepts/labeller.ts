import type { ItemConcepts } from "../data/types.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import {
  DEFAULT_MIN_SUPPORT,
  eligibleNeurons,
  type NeuronActivity,
  neuronActivity,
  type TopItems,
  topActivatingItems,
  validateActivations,
} from "./activations.js";
import { type LabelEntry, type LabelsDoc, emptyLabels, mergeLabels } from "./labels.js";
import { metadataVectors, monosemanticity } from "./monosemanticity.js";
import {
  conceptBaseRates,
  PURITY_KS,
  popularityPercentiles,
  popularityScores,
  purityAtK,
  reportedPurityAtK,
} from "./purity.js";
import { neuronSelectivity, type Selectivity, tagSelectivity } from "./selectivity.js";
import {
  rankTagsOfNeuron,
  type TagDistribution,
  type TfIdf,
  type TfIdfMatches,
  tagItemDistribution,
  tagNeuronMatrix,
  tfidf,
  tfidfMatches,
} from "./tfidf.js";

/** Options of the default labeller (all have defaults). */
export interface LabellerOptions {
  /** Tag-item distribution used for M = P^T Z. */
  distribution: TagDistribution;
  /** Top TF-IDF tags per neuron and family considered as labels (plus the characteristic tag). */
  candidates: number;
  /** K of the purity used to choose among candidates. */
  selectionK: number;
  /** K values of the reported purity scores. */
  ks: readonly number[];
  /** Interaction count per item; enables the popularity score and popularity labels. */
  popularity?: ArrayLike<number>;
  /** Top items averaged by the popularity score. */
  popularityK: number;
  /** A neuron scoring at least this popularity ... */
  popularityThreshold: number;
  /** ... whose best excess purity is below this is labelled "popular items". */
  popularityMaxExcessPurity: number;
  /** Item vectors for monosemanticity; default metadataVectors(families). */
  itemVectors?: Csr;
  /** Top items per neuron in the monosemanticity score. */
  monosemanticityTopN: number;
  /**
   * Neurons firing on fewer items are not candidates of the tag -> neuron matches
   * (`FamilyAnalysis.matches.uniqueNeuronOfTag` / `representativeNeuronOfTag`); see DEFAULT_MIN_SUPPORT.
   */
  minSupport: number;
}

/** Defaults of the labeller. */
export const DEFAULT_LABELLER_OPTIONS: LabellerOptions = {
  distribution: "joint",
  candidates: 3,
  selectionK: 10,
  ks: PURITY_KS,
  popularityK: 10,
  popularityThreshold: 0.9,
  popularityMaxExcessPurity: 0.5,
  monosemanticityTopN: 20,
  minSupport: DEFAULT_MIN_SUPPORT,
};

/** TF-IDF and selectivity of one concept family (for tables and plots). */
export interface FamilyAnalysis {
  readonly family: ItemConcepts;
  /** M = P^T Z, tags x neurons. */
  readonly m: Matrix;
  readonly tfidf: TfIdf;
  readonly matches: TfIdfMatches;
  readonly neuronSelectivity: Selectivity;
  readonly tagSelectivity: Selectivity;
  readonly baseRates: Float64Array;
}

/** The labeller's choice for one live neuron. */
export interface NeuronLabel {
  readonly neuron: number;
  readonly label: string;
  /** The concept behind the label; undefined when no concept matched. */
  readonly concept?: { kind: string; name: string; index: number };
  readonly scores: Record<string, number>;
}

/** Everything the labeller computed. */
export interface LabellerResult {
  readonly neurons: number;
  readonly activity: NeuronActivity;
  readonly top: TopItems;
  readonly families: FamilyAnalysis[];
  /** One label per live neuron, ascending neuron id. */
  readonly labels: NeuronLabel[];
}

/**
 * TF-IDF, matches and selectivity of one family against Z. With `eligible` (see `eligibleNeurons`)
 * the tag -> neuron matches pick among the eligible neurons only.
 */
export function analyseFamily(
  z: Matrix,
  family: ItemConcepts,
  distribution: TagDistribution,
  eligible?: Uint8Array,
): FamilyAnalysis {
  const m = tagNeuronMatrix(tagItemDistribution(family, distribution), z);
  const s = tfidf(m);
  return {
    family,
    m,
    tfidf: s,
    matches: tfidfMatches(s, eligible),
    neuronSelectivity: neuronSelectivity(m),
    tagSelectivity: tagSelectivity(m),
    baseRates: conceptBaseRates(family.matrix),
  };
}

/**
 * The default labeller (no LLM). For each live neuron n and each family, the candidates are its top
 * `candidates` tags by neuron-as-document TF-IDF plus its most characteristic tag (tag-as-document);
 * each candidate t is scored by its excess purity,
 *   excess(n, t) = purity@selectionK(n, t) - baseRate(t),   baseRate(t) = share of items with t,
 * so a tag that is both distinctive (TF-IDF) and pure in the neuron's top items, beyond what a random
 * item list would show, wins (ties: earlier family, then higher TF-IDF). With popularity counts, a
 * neuron whose top items average >= popularityThreshold popularity percentile and whose best excess
 * purity is below popularityMaxExcessPurity is labelled "popular items" (Arviv et al.). Scores of the
 * chosen label: tfidf, tfidfRank, purity@K (only for K <= support, see `reportedPurityAtK`), baseRate,
 * excessPurity, entropy/normalisedEntropy/kl (of the neuron's distribution over the chosen family's
 * tags), monosemanticity, popularity, support, maxActivation; and, whatever the label, `kl:<family>`
 * for every family the neuron has mass in. Dead neurons get no label.
 */
export function labelNeurons(
  z: Matrix,
  families: readonly ItemConcepts[],
  options: Partial<LabellerOptions> = {},
): LabellerResult {
  const o: LabellerOptions = { ...DEFAULT_LABELLER_OPTIONS, ...options };
  if (families.length === 0) throw new RangeError("labelNeurons: no concept families to label with");
  for (const f of families) {
    if (f.matrix.rows !== z.rows)
      throw new RangeError(
        `labelNeurons: family "${f.kind}" covers ${f.matrix.rows} items but Z has ${z.rows}`,
      );
  }
  validateActivations(z);
  const activity = neuronActivity(z);
  const maxK = Math.max(o.selectionK, o.popularityK, o.monosemanticityTopN, ...o.ks);
  const top = topActivatingItems(z, maxK);
  const eligible = eligibleNeurons(activity.support, o.minSupport);
  const analyses = families.map((f) => analyseFamily(z, f, o.distribution, eligible));
  const pct = o.popularity ? popularityPercentiles(o.popularity) : undefined;
  if (pct && pct.length !== z.rows)
    throw new RangeError(`labelNeurons: popularity has ${pct.length} items but Z has ${z.rows}`);
  const pop = pct ? popularityScores(top, pct, o.popularityK) : undefined;
  const mono = monosemanticity(
    top,
    activity,
    o.itemVectors ?? metadataVectors(families),
    o.monosemanticityTopN,
  );
  const monoOf = new Map<number, number>();
  mono.ids.forEach((n, r) => monoOf.set(n, mono.score[r]));

  const labels: NeuronLabel[] = [];
  for (const n of activity.live) {
    let chosen: { f: number; t: number; rank: number; excess: number } | undefined;
    for (let f = 0; f < analyses.length; f++) {
      const a = analyses[f];
      const ranked = Array.from(rankTagsOfNeuron(a.tfidf.byNeuron, n, o.candidates));
      const characteristic = a.matches.characteristicTagOfNeuron[n];
      if (characteristic >= 0 && !ranked.includes(characteristic)) ranked.push(characteristic);
      for (let rank = 0; rank < ranked.length; rank++) {
        const t = ranked[rank];
        const excess = purityAtK(top, a.family.matrix, n, t, o.selectionK) - a.baseRates[t];
        if (!chosen || excess > chosen.excess) chosen = { f, t, rank, excess };
      }
    }
    const scores: Record<string, number> = { support: activity.support[n], maxActivation: activity.max[n] };
    if (monoOf.has(n)) scores.monosemanticity = monoOf.get(n) as number;
    if (pop) scores.popularity = pop[n];
    for (const a of analyses) {
      const r = indexOf(a.neuronSelectivity.ids, n);
      if (r >= 0) scores[`kl:${a.family.kind}`] = a.neuronSelectivity.kl[r];
    }
    if (chosen) {
      const a = analyses[chosen.f];
      const m = a.family.matrix;
      scores.tfidf = a.tfidf.byNeuron.get(chosen.t, n);
      scores.tfidfRank = chosen.rank + 1;
      for (const k of o.ks) {
        const p = reportedPurityAtK(top, m, n, chosen.t, k);
        if (p !== undefined) scores[`purity@${k}`] = p;
      }
      scores.baseRate = a.baseRates[chosen.t];
      scores.excessPurity = chosen.excess;
      const r = indexOf(a.neuronSelectivity.ids, n);
      if (r >= 0) {
        scores.entropy = a.neuronSelectivity.entropy[r];
        scores.normalisedEntropy = a.neuronSelectivity.normalisedEntropy[r];
        scores.kl = a.neuronSelectivity.kl[r];
      }
    }
    const popular =
      pop !== undefined &&
      pop[n] >= o.popularityThreshold &&
      (!chosen || chosen.excess < o.popularityMaxExcessPurity);
    if (popular) {
      labels.push({
        neuron: n,
        label: "popular items",
        concept: { kind: "popularity", name: "popular items", index: -1 },
        scores,
      });
    } else if (chosen) {
      const fam = analyses[chosen.f].family;
      labels.push({
        neuron: n,
        label: fam.names[chosen.t],
        concept: { kind: fam.kind, name: fam.names[chosen.t], index: chosen.t },
        scores,
      });
    } else {
      labels.push({ neuron: n, label: "no matching concept", scores });
    }
  }
  return { neurons: z.cols, activity, top, families: analyses, labels };
}

function indexOf(ids: Int32Array, n: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] === n) return mid;
    if (ids[mid] < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The labeller's labels as labels.json entries (source "tfidf"). */
export function labelEntries(result: LabellerResult, now = new Date()): Map<number, LabelEntry> {
  const out = new Map<number, LabelEntry>();
  for (const l of result.labels) {
    out.set(l.neuron, {
      label: l.label,
      source: "tfidf",
      ...(l.concept ? { concept: { kind: l.concept.kind, name: l.concept.name } } : {}),
      scores: { ...l.scores },
      updatedAt: now.toISOString(),
    });
  }
  return out;
}

/** A labels document from the labeller, merged over `existing` (manual labels are kept). */
export function toLabelsDoc(result: LabellerResult, existing?: LabelsDoc, now = new Date()): LabelsDoc {
  const base = existing ?? emptyLabels(result.neurons);
  if (base.neurons !== result.neurons)
    throw new RangeError(
      `toLabelsDoc: existing labels are for ${base.neurons} neurons, the SAE has ${result.neurons}`,
    );
  return mergeLabels(base, labelEntries(result, now));
}
