import { eligibleNeurons } from "./activations.js";
import type { LabellerResult } from "./labeller.js";
import type { ConceptKnob } from "./labels.js";
import { DEFAULT_CONCEPT_CHOICE, type ConceptChoiceOptions, topItemShares } from "./main-concept.js";
import type { TagGroupConcepts } from "./tag-groups.js";

/** Options of {@link conceptKnobs}. */
export interface ConceptKnobOptions {
  /** Only neurons firing on at least this many items are picked (see DEFAULT_MIN_SUPPORT). */
  readonly minSupport: number;
  /** Purity threshold and minimum excess of a neuron selective for a concept (the labeller's). */
  readonly choice: ConceptChoiceOptions;
  /** At most this many neurons in a direction knob (the heaviest). */
  readonly maxDirection: number;
}

/**
 * Every concept of every family as a knob (labels.json format 2 `concepts`), from the labeller's
 * M = P^T Z and its TF-IDF (tfidf.ts), among neurons with support >= minSupport:
 * - representative and unique: the labeller's TF-IDF matches (tfidf.ts `TfIdfMatches`, the same
 *   neurons `reclens steer-eval` boosts under these names): representative = argmax_n byNeuron[t, n]
 *   (neurons as documents: the neuron whose own mass gives the concept its largest weight), unique =
 *   argmax_n byTag[t, n] (tags as documents: the neuron dominating the concept's mass). The paper's
 *   sentence defining the two orientations (Knots to Knobs 3.2) names argmax_t M n->t twice, so its
 *   literal reading could swap the names; reclens keeps one convention for knobs and steer-eval;
 * - direction = every eligible neuron selective for the concept on its top items (purity@K >=
 *   agreementPurity and purity - base rate >= minExcess), weighted by w_n = byNeuron[t, n] / sum over
 *   those neurons (the share of the neuron's tag mass on t, IDF-weighted: how much of the neuron is
 *   about the concept), the `maxDirection` heaviest kept and renormalised to sum to 1.
 * Concepts without any eligible neuron are left out; tag groups list their `members`. Note that tfidf.ts's `TfIdfMatches` names the
 * two argmaxes the other way round (its "representative" is argmax byNeuron); this file follows the
 * paper's orientation as quoted above.
 */
export function conceptKnobs(result: LabellerResult, opts: Partial<ConceptKnobOptions> = {}): ConceptKnob[] {
  const o: ConceptKnobOptions = {
    minSupport: opts.minSupport ?? 20,
    choice: opts.choice ?? DEFAULT_CONCEPT_CHOICE,
    maxDirection: opts.maxDirection ?? 8,
  };
  const eligible = eligibleNeurons(result.activity.support, o.minSupport);
  const out: ConceptKnob[] = [];
  for (const a of result.families) {
    const { members } = a.family as Partial<TagGroupConcepts>;
    const { byNeuron } = a.tfidf;
    const cols = byNeuron.cols;
    // selective neurons per concept, from each eligible neuron's top items
    const selective = new Map<number, number[]>();
    for (const n of result.activity.live) {
      if (eligible[n] !== 1) continue;
      for (const [t, purity] of topItemShares(result.top, a.family, n, o.choice.k)) {
        if (purity < o.choice.agreementPurity - 1e-12) continue;
        if (purity - a.baseRates[t] < o.choice.minExcess - 1e-12) continue;
        selective.set(t, [...(selective.get(t) ?? []), n]);
      }
    }
    for (let t = 0; t < a.family.names.length; t++) {
      // the labeller's matches were computed among neurons with its own minSupport
      const ok = (n: number): number => (n >= 0 && eligible[n] === 1 ? n : -1);
      const rep = ok(a.matches.representativeNeuronOfTag[t]);
      const uni = ok(a.matches.uniqueNeuronOfTag[t]);
      const weighted = (selective.get(t) ?? [])
        .map((n) => ({ neuron: n, weight: byNeuron.data[t * cols + n] }))
        .filter((d) => d.weight > 0)
        .sort((x, y) => y.weight - x.weight || x.neuron - y.neuron)
        .slice(0, o.maxDirection);
      const total = weighted.reduce((s, d) => s + d.weight, 0);
      const direction = weighted.map((d) => ({ neuron: d.neuron, weight: d.weight / total }));
      if (rep < 0 && uni < 0 && direction.length === 0) continue;
      out.push({
        kind: a.family.kind,
        name: a.family.names[t],
        index: t,
        representative: rep,
        unique: uni,
        direction,
        ...(members?.[t] ? { members: [...members[t]] } : {}),
      });
    }
  }
  return out;
}
