import type { Csr } from "../tensor/csr.js";

/** One family of item concepts as an item-by-concept matrix (e.g. genres, user tags, decades). */
export interface ItemConcepts {
  /** Family name: "genre", "tag", "decade", "popularity", ... */
  readonly kind: string;
  /** Concept names, one per column of `matrix`. */
  readonly names: string[];
  /** items x concepts; values are weights (1 for flags, counts for tags). */
  readonly matrix: Csr;
}

/**
 * A processed implicit-feedback dataset with dense ids. Rows of `matrix` are users, columns items;
 * `users[u]` / `items[i]` give the original ids for display.
 */
export interface Dataset {
  readonly name: string;
  /** Where it came from (path or generator description), for manifests. */
  readonly source: string;
  readonly users: string[];
  readonly items: string[];
  /** users x items interaction matrix (binarised: values 1 unless a loader keeps weights). */
  readonly matrix: Csr;
  /** Seconds since epoch for each stored entry of `matrix` (aligned with matrix.values), if known. */
  readonly timestamps?: Float64Array;
  /** Display title of each item, if known. */
  readonly itemTitles?: string[];
  /** Free text describing each item (title + metadata), if known. */
  readonly itemText?: string[];
  /** Release year of each item, 0 when unknown. */
  readonly itemYears?: Int32Array;
  /** Numeric item attributes by name (e.g. "price"), one value per item, NaN when unknown. */
  readonly itemAttributes?: Record<string, Float64Array>;
  /**
   * Categorical user attributes by name (e.g. ML-1M "age", "gender", "occupation"), one value per
   * user (aligned with `users`), "" when unknown.
   */
  readonly userAttributes?: Record<string, string[]>;
  /** Concept families describing items (may be empty). */
  readonly concepts: ItemConcepts[];
}
