import type { ItemConcepts } from "../data/types.js";
import type { Matrix } from "../tensor/matrix.js";
import { neuronActivity, topActivatingItems, topItemsOf, type TopItems } from "./activations.js";
import { PURITY_KS, popularityPercentiles, purityAtK } from "./purity.js";

/** Neurons must fire (z > 0) on at least this many items to be a Table-1 candidate. */
export const ARVIV_MIN_ITEMS = 50;

/**
 * How the best neuron of a concept is chosen (stated with every table): the highest mean of
 * purity@10/20/50 among live neurons firing on >= 50 items; ties go to the higher purity@50, then to
 * the lower neuron index.
 */
export const ARVIV_TIE_RULE =
  "best = highest mean of purity@10/20/50 among neurons firing on >= 50 items; ties: higher purity@50, then lower neuron index";

/** One concept's best neuron (null when no neuron is eligible). */
export interface ArvivConceptRow {
  readonly concept: string;
  /** Items carrying the concept. */
  readonly items: number;
  readonly neuron: number | null;
  /** Purity at K = 10, 20, 50 (fractions), null without a neuron. */
  readonly purity: readonly [number, number, number] | null;
}

/** The popularity neuron: mean popularity percentile (0 = most popular) of its top-K items. */
export interface ArvivPopularityRow {
  readonly neuron: number | null;
  /** At K = 10, 20, 50 (fractions; 0.0435 = the paper's 4.35%). */
  readonly percentile: readonly [number, number, number] | null;
}

/** Table 1 for one SAE: a row per concept, the popularity row and how many neurons were candidates. */
export interface ArvivTable {
  readonly rows: ArvivConceptRow[];
  readonly popularity: ArvivPopularityRow;
  readonly candidates: number;
  readonly neurons: number;
  readonly tieRule: string;
}

function eligible(z: Matrix, minItems: number): { top: TopItems; ok: number[] } {
  const top = topActivatingItems(z, Math.max(...PURITY_KS));
  const { support } = neuronActivity(z);
  const ok: number[] = [];
  for (let n = 0; n < z.cols; n++) if (support[n] >= minItems) ok.push(n);
  return { top, ok };
}

/**
 * Arviv et al.'s Table 1 for item activations `z` (items x neurons): for every concept of `concepts`
 * the best neuron among ALL live neurons with >= `minItems` activating items (see ARVIV_TIE_RULE),
 * and the popularity neuron (lowest mean over K of the mean popularity percentile of its top-K
 * items, 0 = most popular; ties: lower index) from per-item interaction counts `itemCounts`.
 */
export function arvivTable(
  z: Matrix,
  concepts: ItemConcepts,
  itemCounts: ArrayLike<number>,
  minItems = ARVIV_MIN_ITEMS,
): ArvivTable {
  if (concepts.matrix.rows !== z.rows)
    throw new RangeError(`arvivTable: ${concepts.matrix.rows} concept rows for ${z.rows} items`);
  if (itemCounts.length !== z.rows)
    throw new RangeError(`arvivTable: ${itemCounts.length} item counts for ${z.rows} items`);
  const { top, ok } = eligible(z, minItems);
  const coverage = new Array<number>(concepts.names.length).fill(0);
  const m = concepts.matrix;
  for (let p = 0; p < m.indptr[m.rows]; p++) if (m.values[p] > 0) coverage[m.indices[p]]++;
  const rows = concepts.names.map((concept, c): ArvivConceptRow => {
    let best: number | null = null;
    let bestP: [number, number, number] | null = null;
    let bestMean = -1;
    for (const n of ok) {
      const p = PURITY_KS.map((k) => purityAtK(top, concepts.matrix, n, c, k)) as [number, number, number];
      const mean = (p[0] + p[1] + p[2]) / 3;
      if (mean > bestMean + 1e-12 || (Math.abs(mean - bestMean) <= 1e-12 && bestP && p[2] > bestP[2])) {
        best = n;
        bestP = p;
        bestMean = mean;
      }
    }
    return { concept, items: coverage[c], neuron: best, purity: bestP };
  });
  const pct = popularityPercentiles(itemCounts);
  let popN: number | null = null;
  let popP: [number, number, number] | null = null;
  let popMean = Infinity;
  for (const n of ok) {
    const p = PURITY_KS.map((k) => {
      const items = topItemsOf(top, n, k);
      let s = 0;
      for (const i of items) s += 1 - pct[i];
      return items.length ? s / items.length : 1;
    }) as [number, number, number];
    const mean = (p[0] + p[1] + p[2]) / 3;
    if (mean < popMean - 1e-12) {
      popN = n;
      popP = p;
      popMean = mean;
    }
  }
  return {
    rows,
    popularity: { neuron: popN, percentile: popP },
    candidates: ok.length,
    neurons: z.cols,
    tieRule: ARVIV_TIE_RULE,
  };
}
