import type { ItemConcepts } from "../data/types.js";
import { type TopItems, topItemsOf } from "./activations.js";
import type { ConceptChoice } from "./main-concept.js";

/** Separator between a label's concept and its qualifiers: "Horror · 1970s-80s · Stephen King". */
export const LABEL_SEPARATOR = " · ";

/** A neuron's main concept name and what can set it apart. */
export interface LabelParts {
  readonly neuron: number;
  readonly main: string;
  /** Descriptive qualifiers (secondary concepts, period), in order of preference. */
  readonly qualifiers: readonly string[];
  /** Representative titles, used once the descriptive qualifiers cannot separate the neuron. */
  readonly titles?: readonly string[];
}

/** Display labels unique within the run. */
export interface DistinctLabels {
  /** Neuron -> display label. */
  readonly labels: Map<number, string>;
  /** Neuron -> the qualifiers its label uses, in label order (empty for a concept name alone). */
  readonly used: Map<number, string[]>;
  /** Neurons that needed the "#id" suffix (their qualifiers were exhausted), ascending. */
  readonly idSuffixed: number[];
}

const key = (s: string): string => s.trim().toLowerCase();

/**
 * Makes labels distinct: each neuron starts with its main concept name; while several neurons share a
 * label (case-insensitive), each of them appends one more qualifier: among its unused descriptive
 * qualifiers the one fewest members of the colliding group have (so the label says what sets it
 * apart; ties: its own order), and once `maxDescriptive` of those are used (or none is left) its next
 * title, further descriptive ones only after the titles ("Horror" ->
 * "Horror · 1970s" -> "Horror · 1970s · Stephen King"). A neuron whose qualifiers are all used while
 * it still shares its label gets "#<id>" appended (all but the lowest id of such a group), the last
 * resort (counted in `idSuffixed`). Neurons alone with their concept keep its bare name.
 * Deterministic: depends only on the parts, not on their order.
 */
export function distinctLabels(parts: readonly LabelParts[], maxDescriptive = 2): DistinctLabels {
  const sorted = [...parts].sort((a, b) => a.neuron - b.neuron);
  const chosen = new Map<number, string[]>(sorted.map((p) => [p.neuron, []]));
  const suffixed = new Set<number>();
  const base = (p: LabelParts): string => [p.main, ...(chosen.get(p.neuron) ?? [])].join(LABEL_SEPARATOR);
  const text = (p: LabelParts): string => (suffixed.has(p.neuron) ? `${base(p)} #${p.neuron}` : base(p));
  const next = (p: LabelParts, group: readonly LabelParts[]): string | undefined => {
    const used = new Set((chosen.get(p.neuron) ?? []).map(key));
    const open = p.qualifiers.filter((q) => !used.has(key(q)));
    const descriptive = p.qualifiers.length - open.length;
    if (
      open.length > 0 &&
      (descriptive < maxDescriptive || (p.titles ?? []).every((t) => used.has(key(t))))
    ) {
      const freq = (q: string): number =>
        group.filter((g) => g.qualifiers.some((x) => key(x) === key(q))).length;
      return open.reduce((best, q) => (freq(q) < freq(best) ? q : best), open[0]);
    }
    return (p.titles ?? []).find((t) => !used.has(key(t)));
  };
  for (let changed = true; changed;) {
    changed = false;
    const groups = new Map<string, LabelParts[]>();
    for (const p of sorted) {
      const k = key(text(p));
      groups.set(k, [...(groups.get(k) ?? []), p]);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const open = group.filter((p) => !suffixed.has(p.neuron));
      const picks = open.map((p) => [p, next(p, group)] as const);
      for (const [p, q] of picks) if (q !== undefined) chosen.get(p.neuron)?.push(q);
      const moved = picks.some(([, q]) => q !== undefined);
      // out of qualifiers and nobody else in the group can move: all but the lowest id get their id
      if (!moved) for (const p of open.slice(open.length === group.length ? 1 : 0)) suffixed.add(p.neuron);
      if (open.length > 0) changed = true;
    }
  }
  const labels = new Map<number, string>();
  const used = new Map<number, string[]>();
  for (const p of sorted) {
    const q = [...(chosen.get(p.neuron) ?? [])];
    labels.set(p.neuron, text(p));
    used.set(p.neuron, suffixed.has(p.neuron) ? [...q, `#${p.neuron}`] : q);
  }
  return { labels, used, idSuffixed: [...suffixed].sort((a, b) => a - b) };
}

/** Options of {@link labelQualifiers}. */
export interface QualifierOptions {
  /** A secondary concept needs at least this purity on the top items ... */
  readonly minPurity: number;
  /** ... and this excess over its base rate. */
  readonly minExcess: number;
  /** At most this many secondary concepts. */
  readonly maxSecondary: number;
  /** Titles of the top items used as qualifiers (after the concepts and the period). */
  readonly titles: number;
  /** Titles are cut to this many characters. */
  readonly maxTitle: number;
  /** A period needs at least this share of the top items. */
  readonly periodShare: number;
}

/** Defaults of {@link labelQualifiers}. */
export const DEFAULT_QUALIFIERS: QualifierOptions = {
  minPurity: 0.3,
  minExcess: 0.1,
  maxSecondary: 3,
  titles: 2,
  maxTitle: 32,
  periodShare: 0.6,
};

/**
 * The period of a neuron's top items from a decade family ("1990s" columns): the decade carrying at
 * least `share` of them, else the two adjacent decades that do together ("1970s-80s",
 * "1990s-2000s"); undefined when neither does or the names are not decades.
 */
export function periodOf(
  shares: ReadonlyMap<number, number>,
  names: readonly string[],
  share: number,
): string | undefined {
  const year = (t: number): number | undefined => {
    const m = /^(\d{3,4})s$/.exec(names[t] ?? "");
    return m ? Number(m[1]) : undefined;
  };
  const byYear = new Map<number, number>();
  for (const [t, s] of shares) {
    const y = year(t);
    if (y !== undefined) byYear.set(y, (byYear.get(y) ?? 0) + s);
  }
  const years = [...byYear.keys()].sort((a, b) => a - b);
  let best: { y: number; s: number } | undefined;
  for (const y of years)
    if ((byYear.get(y) ?? 0) >= share - 1e-12 && (!best || (byYear.get(y) ?? 0) > best.s))
      best = { y, s: byYear.get(y) ?? 0 };
  if (best) return `${best.y}s`;
  let pair: { y: number; s: number } | undefined;
  for (const y of years) {
    const s = (byYear.get(y) ?? 0) + (byYear.get(y + 10) ?? 0);
    if (byYear.has(y + 10) && s >= share - 1e-12 && (!pair || s > pair.s)) pair = { y, s };
  }
  if (!pair) return undefined;
  const a = pair.y;
  const b = pair.y + 10;
  const tail = Math.floor(a / 100) === Math.floor(b / 100) ? String(b % 100).padStart(2, "0") : String(b);
  return `${a}s-${tail}s`;
}

function shortTitle(title: string, max: number): string {
  // "Heat (1995)" -> "Heat": the period qualifier carries the time
  const t = title
    .trim()
    .replace(/\s+/g, " ")
    .replace(/\s*\(\d{4}\)$/, "");
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

/**
 * What can set neuron n's label apart: descriptive qualifiers, best first (its strongest other
 * semantic concept on the top items with purity >= minPurity and excess >= minExcess, the period of
 * its top items when a decade family exists and the main concept is not a decade, its further
 * secondary concepts, up to maxSecondary in all), and the titles of its top items without a trailing
 * "(year)" (or their ids without titles). Qualifiers repeating the main name, a member tag of the main
 * concept (`mainMembers`, for tag groups: "rock (all)" is not followed by "indie rock") or each other,
 * and broad concepts ("metal (all)", main-concept.ts BROAD_KINDS), are skipped.
 */
export function labelQualifiers(
  n: number,
  mainName: string,
  choice: ConceptChoice,
  families: readonly ItemConcepts[],
  top: TopItems,
  decadeShares: { shares: ReadonlyMap<number, number>; names: readonly string[] } | undefined,
  itemName: (item: number) => string,
  o: QualifierOptions = DEFAULT_QUALIFIERS,
  mainMembers: readonly string[] = [],
): { qualifiers: string[]; titles: string[] } {
  const out: string[] = [];
  const seen = new Set([key(mainName), ...mainMembers.map(key)]);
  const add = (q: string | undefined): void => {
    if (q === undefined || q.trim() === "" || seen.has(key(q))) return;
    seen.add(key(q));
    out.push(q.trim());
  };
  const secondary: string[] = [];
  for (const c of choice.all) {
    if (secondary.length >= o.maxSecondary) break;
    if (!c.semantic || c.broad || c.purity < o.minPurity - 1e-12 || c.excess < o.minExcess - 1e-12) continue;
    const name = families[c.f].names[c.t];
    if (!seen.has(key(name)) && !secondary.some((q) => key(q) === key(name))) secondary.push(name);
  }
  add(secondary[0]);
  if (decadeShares) add(periodOf(decadeShares.shares, decadeShares.names, o.periodShare));
  for (const q of secondary.slice(1)) add(q);
  const qualifiers = [...out];
  for (const i of topItemsOf(top, n, o.titles)) add(shortTitle(itemName(i), o.maxTitle));
  return { qualifiers, titles: out.slice(qualifiers.length) };
}
