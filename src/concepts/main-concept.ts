import type { ItemConcepts } from "../data/types.js";
import { type TopItems, topItemsOf } from "./activations.js";

/**
 * Concept families that describe *when* or *how popular* items are rather than what they are about.
 * They give a neuron its main label only when no semantic concept is selective enough.
 */
export const NON_SEMANTIC_KINDS: readonly string[] = ["decade", "popularity"];

/**
 * Semantic families that are broad on purpose ("metal (all)", concepts/tag-groups.ts): they give the
 * main label only when no specific semantic concept is selective enough.
 */
export const BROAD_KINDS: readonly string[] = ["broad tag"];

/** Thresholds of the main-concept choice (defaults: DEFAULT_CONCEPT_CHOICE). */
export interface ConceptChoiceOptions {
  /** K of the top items a concept must hold on. */
  readonly k: number;
  /** A concept agrees with a neuron when at least this share of its top-K items carry it. */
  readonly agreementPurity: number;
  /** ... and it is selective when its purity exceeds its base rate by at least this much. */
  readonly minExcess: number;
  /** Families treated as non-semantic (see NON_SEMANTIC_KINDS). */
  readonly nonSemanticKinds: readonly string[];
  /** Semantic families taken only after the specific ones (see BROAD_KINDS). */
  readonly broadKinds: readonly string[];
}

/** Defaults: purity@10 >= 0.6 and at least 0.2 above the concept's base rate. */
export const DEFAULT_CONCEPT_CHOICE: ConceptChoiceOptions = {
  k: 10,
  agreementPurity: 0.6,
  minExcess: 0.2,
  nonSemanticKinds: NON_SEMANTIC_KINDS,
  broadKinds: BROAD_KINDS,
};

/** One concept of one family on a neuron's top items. */
export interface TopConcept {
  /** Index of the family in the labeller's list. */
  readonly f: number;
  /** Column (concept) in the family. */
  readonly t: number;
  /** Share of the neuron's top-K items carrying it (over min(K, support) items). */
  readonly purity: number;
  /** purity - base rate of the concept. */
  readonly excess: number;
  readonly semantic: boolean;
  /** A concept of a broad family (see BROAD_KINDS); absent means false. */
  readonly broad?: boolean;
}

/** How the main concept was chosen, strongest rule first. */
export type ChoiceRule = "semantic" | "broad" | "non-semantic" | "agreeing" | "fallback";

/** The main concept of a neuron and the other concepts on its top items. */
export interface ConceptChoice {
  /** undefined when no item of the top list carries any concept. */
  readonly main?: TopConcept & { readonly rule: ChoiceRule };
  /** Every concept on the top items, best first (excess, then purity, family, column). */
  readonly all: readonly TopConcept[];
}

/**
 * The share of neuron n's top-K activating items carrying each concept of `family` (the purity@K
 * of every concept at once, over min(K, support) items): concept column -> purity.
 */
export function topItemShares(
  top: TopItems,
  family: ItemConcepts,
  n: number,
  k: number,
): Map<number, number> {
  const items = topItemsOf(top, n, k);
  const out = new Map<number, number>();
  if (items.length === 0) return out;
  const m = family.matrix;
  for (const i of items)
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
      if (m.values[p] > 0) out.set(m.indices[p], (out.get(m.indices[p]) ?? 0) + 1);
  for (const [t, c] of out) out.set(t, c / items.length);
  return out;
}

function better(a: TopConcept, b: TopConcept): number {
  return b.excess - a.excess || b.purity - a.purity || a.f - b.f || a.t - b.t;
}

/**
 * Chooses a neuron's main concept so that it agrees with the neuron's top items. Every concept
 * carried by a top-K item is a candidate (purity@K p, base rate b, excess e = p - b); the first rule
 * with a candidate decides, the largest excess winning within it (ties: higher purity, earlier
 * family, lower column):
 * 1. "semantic": a specific semantic family's concept with p >= agreementPurity and e >= minExcess;
 * 2. "broad": the same for a broad semantic concept ("metal (all)", BROAD_KINDS);
 * 3. "non-semantic": the same for a decade or popularity concept (they label only when no semantic
 *    concept is selective enough);
 * 4. "agreeing": any concept with p >= agreementPurity and e > 0: specific semantic ones first, then
 *    broad ones, then the rest;
 * 5. "fallback": the largest excess overall (the neuron's label will not agree with its items).
 * The caller may put a popularity rule (Arviv et al.'s "popular items") between 3 and 4.
 */
export function chooseConcept(
  top: TopItems,
  families: readonly ItemConcepts[],
  baseRates: readonly Float64Array[],
  n: number,
  o: ConceptChoiceOptions = DEFAULT_CONCEPT_CHOICE,
): ConceptChoice {
  const all: TopConcept[] = [];
  families.forEach((family, f) => {
    const semantic = !o.nonSemanticKinds.includes(family.kind);
    const broad = o.broadKinds.includes(family.kind);
    for (const [t, purity] of topItemShares(top, family, n, o.k))
      all.push({ f, t, purity, excess: purity - baseRates[f][t], semantic, ...(broad ? { broad } : {}) });
  });
  all.sort(better);
  const agrees = (c: TopConcept): boolean => c.purity >= o.agreementPurity - 1e-12;
  const selective = (c: TopConcept): boolean => agrees(c) && c.excess >= o.minExcess - 1e-12;
  const pick = (rule: ChoiceRule, ok: (c: TopConcept) => boolean): ConceptChoice["main"] => {
    const c = all.find(ok);
    return c ? { ...c, rule } : undefined;
  };
  const main =
    pick("semantic", (c) => c.semantic && !c.broad && selective(c)) ??
    pick("broad", (c) => c.semantic && c.broad === true && selective(c)) ??
    pick("non-semantic", (c) => !c.semantic && selective(c)) ??
    pick("agreeing", (c) => c.semantic && !c.broad && agrees(c) && c.excess > 0) ??
    pick("agreeing", (c) => c.semantic && agrees(c) && c.excess > 0) ??
    pick("agreeing", (c) => agrees(c) && c.excess > 0);
  return main ? { main, all } : { all };
}

/** The fallback main concept of a choice without an agreeing one: the largest excess (undefined when none). */
export function fallbackConcept(choice: ConceptChoice): ConceptChoice["main"] {
  const c = choice.all[0];
  return c ? { ...c, rule: "fallback" } : undefined;
}
