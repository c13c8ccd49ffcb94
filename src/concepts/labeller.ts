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
import {
  type ChoiceRule,
  chooseConcept,
  type ConceptChoiceOptions,
  DEFAULT_CONCEPT_CHOICE,
  fallbackConcept,
  type TopConcept,
  topItemShares,
} from "./main-concept.js";
import {
  DEFAULT_QUALIFIERS,
  distinctLabels,
  type LabelParts,
  labelQualifiers,
  type QualifierOptions,
} from "./distinct-labels.js";
import { conceptKnobs } from "./concept-knobs.js";
import { metadataVectors, monosemanticity } from "./monosemanticity.js";
import {
  conceptBaseRates,
  PURITY_KS,
  popularityPercentiles,
  popularityScores,
  reportedPurityAtK,
} from "./purity.js";
import { neuronSelectivity, type Selectivity, tagSelectivity } from "./selectivity.js";
import { type TagGroupConcepts, type TagGroupOptions, withTagGroups } from "./tag-groups.js";
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
  /** K of the top items a label's concept must hold on (purity@K; see main-concept.ts). */
  selectionK: number;
  /** Thresholds of the main-concept choice (agreement purity, minimum excess, non-semantic kinds). */
  choice?: Partial<ConceptChoiceOptions>;
  /** Make display labels distinct within the run (qualifiers, then "#id"); default true. */
  distinct: boolean;
  /** Qualifier thresholds of the distinct labels. */
  qualifiers?: Partial<QualifierOptions>;
  /** Item titles (representative titles in distinct labels). */
  titles?: readonly string[];
  /** Item display ids, used for items without titles. */
  itemIds?: readonly string[];
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
  /**
   * Add tag-group concepts (tag-groups.ts: synonymous tags merged, family "tag group"; broad tags,
   * "broad tag") to the families labels are chosen from; false (the library default) labels with the
   * given families only.
   * `reclens label` turns them on (DEFAULT_TAG_GROUPS; `--tag-groups synonyms|off`).
   */
  tagGroups: Partial<TagGroupOptions> | false;
}

/** Defaults of the labeller. */
export const DEFAULT_LABELLER_OPTIONS: LabellerOptions = {
  distribution: "joint",
  selectionK: 10,
  distinct: true,
  ks: PURITY_KS,
  popularityK: 10,
  popularityThreshold: 0.9,
  popularityMaxExcessPurity: 0.5,
  monosemanticityTopN: 20,
  minSupport: DEFAULT_MIN_SUPPORT,
  tagGroups: false,
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
  /** The main concept's name ("Horror"; "popular items", "no matching concept"). */
  readonly label: string;
  /** The display label, distinct within the run ("Horror · 1980s · The Shining (1980)"). */
  readonly display: string;
  /** The qualifiers `display` adds to `label` (a "#id" last). */
  readonly qualifiers: readonly string[];
  /** Whether the main concept holds on the top items (purity@selectionK >= agreement purity). */
  readonly agrees: boolean;
  /** Which rule chose the concept (main-concept.ts), "popular" (Arviv) or "none". */
  readonly rule: ChoiceRule | "popular" | "none";
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
  /** Neurons whose display label needed the "#id" suffix. */
  readonly idSuffixed: readonly number[];
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
 * The default labeller (no LLM). Each live neuron's main concept is chosen so that it agrees with the
 * neuron's top items (chooseConcept, main-concept.ts): among every concept carried by its top
 * `selectionK` items, a semantic one with purity@K >= 0.6 and at least 0.2 above its base rate, by
 * excess purity (purity - base rate); a decade or popularity concept only when no semantic concept is
 * that selective; then any agreeing concept; with popularity counts, a neuron with none whose top items
 * average >= popularityThreshold popularity percentile (and best excess < popularityMaxExcessPurity)
 * is "popular items" (Arviv et al.); else the largest excess (a label that does not agree). The display
 * label adds qualifiers until it is distinct within the run (distinct-labels.ts). Scores of the chosen
 * concept: tfidf (neuron-as-document TF-IDF), tfidfRank, purity@K (only for K <= support, see
 * `reportedPurityAtK`), baseRate, excessPurity, entropy/normalisedEntropy/kl (of the neuron's
 * distribution over the chosen family's tags), monosemanticity, popularity, support, maxActivation;
 * and, whatever the label, `kl:<family>` for every family the neuron has mass in. Dead neurons get no
 * label. With `tagGroups`, the "tag group" and "broad tag" families (tag-groups.ts) join the
 * candidates after "tag" (the result's `families` include them; broad tags only label when no specific
 * semantic concept is selective); monosemanticity stays over the given families.
 */
export function labelNeurons(
  z: Matrix,
  given: readonly ItemConcepts[],
  options: Partial<LabellerOptions> = {},
): LabellerResult {
  const o: LabellerOptions = { ...DEFAULT_LABELLER_OPTIONS, ...options };
  if (given.length === 0) throw new RangeError("labelNeurons: no concept families to label with");
  const families = withTagGroups(given, o.tagGroups);
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
  const mono = monosemanticity(top, activity, o.itemVectors ?? metadataVectors(given), o.monosemanticityTopN);
  const monoOf = new Map<number, number>();
  mono.ids.forEach((n, r) => monoOf.set(n, mono.score[r]));

  const choiceOptions = { ...DEFAULT_CONCEPT_CHOICE, ...o.choice, k: o.selectionK };
  const baseRates = analyses.map((a) => a.baseRates);
  const decadeFamily = families.find((f) => f.kind === "decade");
  const itemName = (i: number): string => o.titles?.[i] ?? o.itemIds?.[i] ?? `item ${i}`;
  const labels: NeuronLabel[] = [];
  const parts: LabelParts[] = [];
  for (const n of activity.live) {
    const choice = chooseConcept(top, families, baseRates, n, choiceOptions);
    const scores: Record<string, number> = { support: activity.support[n], maxActivation: activity.max[n] };
    if (monoOf.has(n)) scores.monosemanticity = monoOf.get(n) as number;
    if (pop) scores.popularity = pop[n];
    for (const a of analyses) {
      const r = indexOf(a.neuronSelectivity.ids, n);
      if (r >= 0) scores[`kl:${a.family.kind}`] = a.neuronSelectivity.kl[r];
    }
    const popular =
      !choice.main &&
      pop !== undefined &&
      pop[n] >= o.popularityThreshold &&
      (choice.all[0] === undefined || choice.all[0].excess < o.popularityMaxExcessPurity);
    const chosen = popular
      ? undefined
      : (choice.main ?? fallbackConcept(choice) ?? tfidfFallback(analyses, n));
    if (chosen) {
      const a = analyses[chosen.f];
      const m = a.family.matrix;
      scores.tfidf = a.tfidf.byNeuron.get(chosen.t, n);
      scores.tfidfRank = tfidfRank(a.tfidf.byNeuron, chosen.t, n);
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
    const concept = popular
      ? { kind: "popularity", name: "popular items", index: -1 }
      : chosen
        ? {
            kind: analyses[chosen.f].family.kind,
            name: analyses[chosen.f].family.names[chosen.t],
            index: chosen.t,
          }
        : undefined;
    const name = concept?.name ?? "no matching concept";
    const decade =
      decadeFamily && concept?.kind !== "decade"
        ? { shares: topItemShares(top, decadeFamily, n, o.selectionK), names: decadeFamily.names }
        : undefined;
    parts.push({
      neuron: n,
      main: name,
      ...(o.distinct
        ? labelQualifiers(
            n,
            name,
            choice,
            families,
            top,
            decade,
            itemName,
            { ...DEFAULT_QUALIFIERS, ...o.qualifiers },
            chosen
              ? ((analyses[chosen.f].family as Partial<TagGroupConcepts>).members?.[chosen.t] ?? [])
              : [],
          )
        : { qualifiers: [] }),
    });
    labels.push({
      neuron: n,
      label: name,
      display: name,
      qualifiers: [],
      agrees: chosen !== undefined && chosen.purity >= choiceOptions.agreementPurity - 1e-12,
      rule: popular ? "popular" : chosen ? chosen.rule : "none",
      ...(concept ? { concept } : {}),
      scores,
    });
  }
  const distinct = distinctLabels(parts);
  const out = labels.map((l) => ({
    ...l,
    display: distinct.labels.get(l.neuron) ?? l.label,
    qualifiers: distinct.used.get(l.neuron) ?? [],
  }));
  return { neurons: z.cols, activity, top, families: analyses, labels: out, idSuffixed: distinct.idSuffixed };
}

/** Rank (1-based) of tag t among neuron n's tags by score, ties to the lower tag. */
function tfidfRank(scores: Matrix, t: number, n: number): number {
  const v = scores.get(t, n);
  let rank = 1;
  for (let u = 0; u < scores.rows; u++) {
    const w = scores.data[u * scores.cols + n];
    if (w > v || (w === v && u < t)) rank++;
  }
  return rank;
}

/** A neuron whose top items carry no concept at all: its most distinctive tag by TF-IDF, when it has one. */
function tfidfFallback(
  analyses: readonly FamilyAnalysis[],
  n: number,
): (TopConcept & { rule: ChoiceRule }) | undefined {
  for (let f = 0; f < analyses.length; f++) {
    const [t] = rankTagsOfNeuron(analyses[f].tfidf.byNeuron, n, 1);
    if (t !== undefined)
      return { f, t, purity: 0, excess: -analyses[f].baseRates[t], semantic: true, rule: "fallback" };
  }
  return undefined;
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

/** The labeller's labels as labels.json entries (source "tfidf"; `label` is the distinct display label). */
export function labelEntries(result: LabellerResult, now = new Date()): Map<number, LabelEntry> {
  const out = new Map<number, LabelEntry>();
  for (const l of result.labels) {
    out.set(l.neuron, {
      label: l.display,
      source: "tfidf",
      ...(l.concept
        ? {
            concept: {
              kind: l.concept.kind,
              name: l.concept.name,
              ...(l.concept.index >= 0 ? { index: l.concept.index } : {}),
            },
          }
        : {}),
      ...(l.qualifiers.length > 0 ? { qualifiers: [...l.qualifiers] } : {}),
      agrees: l.agrees,
      scores: { ...l.scores },
      updatedAt: now.toISOString(),
    });
  }
  return out;
}

/**
 * A labels document from the labeller, merged over `existing` (manual labels are kept), with every
 * concept as a knob (concept-knobs.ts, neurons firing on >= minSupport items).
 */
export function toLabelsDoc(
  result: LabellerResult,
  existing?: LabelsDoc,
  now = new Date(),
  minSupport = DEFAULT_MIN_SUPPORT,
): LabelsDoc {
  const base = existing ?? emptyLabels(result.neurons);
  if (base.neurons !== result.neurons)
    throw new RangeError(
      `toLabelsDoc: existing labels are for ${base.neurons} neurons, the SAE has ${result.neurons}`,
    );
  return { ...mergeLabels(base, labelEntries(result, now)), concepts: conceptKnobs(result, { minSupport }) };
}
