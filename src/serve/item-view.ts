import type { Dataset } from "../data/types.js";

/** Concept names kept per family when describing an item. */
export const CONCEPTS_PER_FAMILY = 5;

/** An item as the API shows it. */
export interface ItemView {
  /** Column of the item in the dataset. */
  readonly index: number;
  /** Display id (dataset.items). */
  readonly id: string;
  readonly title: string;
  /** Release year, when known. */
  readonly year?: number;
  /** Up to CONCEPTS_PER_FAMILY concept names per family, heaviest first. */
  readonly concepts: Record<string, string[]>;
}

/** The display form of item column `i`. */
export function describeItem(dataset: Dataset, i: number): ItemView {
  const concepts: Record<string, string[]> = {};
  for (const family of dataset.concepts) {
    const m = family.matrix;
    const entries: [number, number][] = [];
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
      if (m.values[p] > 0) entries.push([m.indices[p], m.values[p]]);
    if (entries.length === 0) continue;
    entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    concepts[family.kind] = entries.slice(0, CONCEPTS_PER_FAMILY).map(([c]) => family.names[c]);
  }
  const year = dataset.itemYears?.[i];
  return {
    index: i,
    id: dataset.items[i],
    title: dataset.itemTitles?.[i] || dataset.items[i],
    ...(year ? { year } : {}),
    concepts,
  };
}

/** Items of `dataset` whose id starts with, or title contains, `query` (case-insensitive), ascending. */
export function searchItems(dataset: Dataset, query: string): number[] {
  const q = query.trim().toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < dataset.items.length; i++) {
    if (
      q === "" ||
      dataset.items[i].toLowerCase().startsWith(q) ||
      (dataset.itemTitles?.[i] ?? "").toLowerCase().includes(q)
    )
      out.push(i);
  }
  return out;
}
