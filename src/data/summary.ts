import type { ItemMetaTable } from "./loaders/raw.js";
import type { Dataset } from "./types.js";

/** Share (0..1) of items that have each kind of metadata. */
export interface MetadataCoverage {
  readonly titles: number;
  readonly genres: number;
  readonly tags: number;
  readonly years: number;
}

/** Size, density and metadata coverage of a processed dataset. */
export interface DatasetSummary {
  readonly name: string;
  readonly source: string;
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
  /** interactions / (users * items). */
  readonly density: number;
  /** Earliest and latest timestamp (seconds), when known. */
  readonly timeRange: [number, number] | null;
  /** Per concept family: number of concepts and share of items with at least one. */
  readonly concepts: { kind: string; concepts: number; itemCoverage: number; entries: number }[];
  readonly coverage: MetadataCoverage;
}

/** Share of rows of a concept family's matrix with at least one entry (0 when the family is absent). */
function rowCoverage(d: Dataset, kind: string): number {
  const c = d.concepts.find((x) => x.kind === kind);
  if (!c || c.matrix.rows === 0) return 0;
  let n = 0;
  for (let i = 0; i < c.matrix.rows; i++) if (c.matrix.indptr[i + 1] > c.matrix.indptr[i]) n++;
  return n / c.matrix.rows;
}

/** Computes a {@link DatasetSummary}. Title coverage counts titles that differ from the bare id. */
export function summarizeDataset(d: Dataset): DatasetSummary {
  const { rows, cols, nnz } = { rows: d.matrix.rows, cols: d.matrix.cols, nnz: d.matrix.nnz };
  let timeRange: [number, number] | null = null;
  if (d.timestamps && d.timestamps.length) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of d.timestamps) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    timeRange = [lo, hi];
  }
  const titled = d.itemTitles ? d.itemTitles.filter((t, i) => t && t !== d.items[i]).length : 0;
  const years = d.itemYears ? d.itemYears.filter((y) => y > 0).length : 0;
  return {
    name: d.name,
    source: d.source,
    users: rows,
    items: cols,
    interactions: nnz,
    density: rows && cols ? nnz / (rows * cols) : 0,
    timeRange,
    concepts: d.concepts.map((c) => ({
      kind: c.kind,
      concepts: c.names.length,
      itemCoverage: rowCoverage(d, c.kind),
      entries: c.matrix.nnz,
    })),
    coverage: {
      titles: cols ? titled / cols : 0,
      genres: rowCoverage(d, "genre"),
      tags: rowCoverage(d, "tag"),
      years: cols ? years / cols : 0,
    },
  };
}

/** Metadata coverage over all items described in the source's item files (before any processing). */
export function summarizeItemMetadata(table: ItemMetaTable): { items: number; coverage: MetadataCoverage } {
  const metas = [...table.byId.values()];
  const n = metas.length;
  const share = (f: (m: (typeof metas)[number]) => boolean): number => (n ? metas.filter(f).length / n : 0);
  return {
    items: n,
    coverage: {
      titles: share((m) => !!m.title),
      genres: share((m) => !!m.genres?.length),
      tags: share((m) => !!m.tags?.size),
      years: share((m) => !!m.year),
    },
  };
}
