import type { TopItems } from "./activations.js";
import type { FamilyAnalysis } from "./labeller.js";
import type { LabelsDoc } from "./labels.js";
import { topItemShares } from "./main-concept.js";

/** Distinctness and agreement of a run's labels (concepts/summary.json `labelQuality`). */
export interface LabelQuality {
  /** Live neurons (firing on at least one item): the denominator of both shares. */
  readonly live: number;
  /** Live neurons with a label. */
  readonly labelled: number;
  /** Live neurons whose label no other live neuron shares (case-insensitive, trimmed). */
  readonly unique: number;
  readonly uniqueShare: number;
  /** Of the unique ones, those made unique only by the "#id" suffix. */
  readonly idSuffixed: number;
  /** Distinct label texts over the live neurons. */
  readonly distinctLabels: number;
  /** K and threshold of agreement. */
  readonly k: number;
  readonly agreementPurity: number;
  /** Live neurons whose label's concept is carried by >= agreementPurity of their top-K items. */
  readonly agreeing: number;
  readonly agreeingShare: number;
  /** The same over the live neurons with a full top-K list (support >= K). */
  readonly fullTop: { readonly neurons: number; readonly agreeing: number; readonly share: number };
  /** Live neurons per family of their label's concept ("none": manual, LLM or no concept). */
  readonly byKind: Record<string, number>;
}

/**
 * Measures labels against the items: a live neuron's label is unique when no other live neuron has
 * the same text (case-insensitive); it agrees when its concept (entry.concept, looked up by family
 * kind and name, or index) is carried by at least `agreementPurity` of its top-K activating items
 * (purity over min(K, support) items; `fullTop` restricts to support >= K). Labels without a concept
 * (manual, LLM, "popular items") do not agree.
 */
export function labelQuality(
  doc: LabelsDoc,
  live: Int32Array,
  top: TopItems,
  families: readonly FamilyAnalysis[],
  k = 10,
  agreementPurity = 0.6,
): LabelQuality {
  const count = new Map<string, number>();
  const text = (n: number): string | undefined => doc.labels[String(n)]?.label.trim().toLowerCase();
  for (const n of live) {
    const t = text(n);
    if (t !== undefined) count.set(t, (count.get(t) ?? 0) + 1);
  }
  const byName = families.map((a) => new Map(a.family.names.map((name, i) => [name, i])));
  let labelled = 0;
  let unique = 0;
  let idSuffixed = 0;
  let agreeing = 0;
  let full = 0;
  let fullAgreeing = 0;
  const byKind: Record<string, number> = {};
  for (const n of live) {
    const e = doc.labels[String(n)];
    const isFull = top.count[n] >= k;
    if (isFull) full++;
    if (!e) continue;
    labelled++;
    if (count.get(text(n) ?? "") === 1) {
      unique++;
      if (e.qualifiers?.some((q) => q === `#${n}`)) idSuffixed++;
    }
    const kind = e.concept?.kind ?? "none";
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (!e.concept) continue;
    const f = families.findIndex((a) => a.family.kind === e.concept?.kind);
    if (f < 0) continue;
    const t = e.concept.index ?? byName[f].get(e.concept.name);
    if (t === undefined || families[f].family.names[t] !== e.concept.name) continue;
    const purity = topItemShares(top, families[f].family, n, k).get(t) ?? 0;
    if (purity >= agreementPurity - 1e-12) {
      agreeing++;
      if (isFull) fullAgreeing++;
    }
  }
  const share = (a: number, b: number): number => (b > 0 ? a / b : 0);
  return {
    live: live.length,
    labelled,
    unique,
    uniqueShare: share(unique, live.length),
    idSuffixed,
    distinctLabels: count.size,
    k,
    agreementPurity,
    agreeing,
    agreeingShare: share(agreeing, live.length),
    fullTop: { neurons: full, agreeing: fullAgreeing, share: share(fullAgreeing, full) },
    byKind,
  };
}
