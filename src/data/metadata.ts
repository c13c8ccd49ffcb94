import { Csr } from "../tensor/csr.js";
import type { ItemConcepts } from "./types.js";
import type { ItemMeta, ItemMetaTable } from "./loaders/raw.js";
import type { ProcessOptions } from "./options.js";

/** Item-side fields of a Dataset derived from metadata. */
export interface ItemMetadata {
  itemTitles?: string[];
  itemText?: string[];
  itemYears?: Int32Array;
  itemAttributes?: Record<string, Float64Array>;
  concepts: ItemConcepts[];
}

/** Builds an items x concepts Csr from per-item (concept index, weight) lists (duplicates summed). */
function conceptMatrix(rows: [number, number][][], nConcepts: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  let nnz = 0;
  for (const row of rows) nnz += row.length;
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let p = 0;
  rows.forEach((row, i) => {
    if (row.length > 1) row.sort((a, b) => a[0] - b[0]);
    for (const [j, w] of row) {
      if (p > indptr[i] && indices[p - 1] === j) {
        values[p - 1] += w;
        continue;
      }
      indices[p] = j;
      values[p++] = w;
    }
    indptr[i + 1] = p;
  });
  return new Csr(rows.length, nConcepts, indptr, indices.slice(0, p), values.slice(0, p));
}

/** Genre flags (value 1). Names follow `order` where given (only genres present are kept), else alphabetical. */
export function genreConcepts(metas: (ItemMeta | undefined)[], order?: string[]): ItemConcepts | null {
  const seen = new Set<string>();
  for (const m of metas) for (const g of m?.genres ?? []) seen.add(g);
  if (seen.size === 0) return null;
  const names = order
    ? [...order.filter((g) => seen.has(g)), ...[...seen].filter((g) => !order.includes(g)).sort()]
    : [...seen].sort();
  const index = new Map(names.map((g, k) => [g, k]));
  const rows = metas.map((m) =>
    [...new Set(m?.genres ?? [])].map((g): [number, number] => [index.get(g) as number, 1]),
  );
  return { kind: "genre", names, matrix: conceptMatrix(rows, names.length) };
}

/**
 * Flags of one further concept family (`meta.families[kind]`, e.g. "category", "brand"): one
 * concept per distinct value, names sorted alphabetically; null when no item has a value.
 */
export function familyConcepts(metas: (ItemMeta | undefined)[], kind: string): ItemConcepts | null {
  const seen = new Set<string>();
  for (const m of metas) for (const v of m?.families?.[kind] ?? []) seen.add(v);
  if (seen.size === 0) return null;
  const names = [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(names.map((g, k) => [g, k]));
  const rows = metas.map((m) =>
    [...new Set(m?.families?.[kind] ?? [])].map((g): [number, number] => [index.get(g) as number, 1]),
  );
  return { kind, names, matrix: conceptMatrix(rows, names.length) };
}

/** Family kinds present in `metas`, in first-seen order. */
function familyKinds(metas: (ItemMeta | undefined)[]): string[] {
  const kinds = new Set<string>();
  for (const m of metas) for (const k of Object.keys(m?.families ?? {})) kinds.add(k);
  return [...kinds];
}

/** "category" -> "Category", for itemText. */
const heading = (kind: string): string => kind.charAt(0).toUpperCase() + kind.slice(1);

/** An item's tags sorted by count (descending), then name; capped at `max` (0: no cap). */
export function topTags(meta: ItemMeta | undefined, max: number): [string, number][] {
  if (!meta?.tags) return [];
  const all = [...meta.tags].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return max > 0 ? all.slice(0, max) : all;
}

/**
 * User-tag concepts weighted by application counts. Each item keeps its `maxTagsPerItem` most
 * applied tags; a tag becomes a concept when at least `minTagItems` items keep it; the vocabulary
 * keeps the `maxTags` tags carried by most items (ties: more applications, then name), in that order.
 */
export function tagConcepts(
  metas: (ItemMeta | undefined)[],
  opts: Pick<ProcessOptions, "maxTags" | "maxTagsPerItem" | "minTagItems">,
): ItemConcepts | null {
  const perItem = metas.map((m) => topTags(m, opts.maxTagsPerItem));
  const df = new Map<string, number>();
  const total = new Map<string, number>();
  for (const tags of perItem) {
    for (const [t, c] of tags) {
      df.set(t, (df.get(t) ?? 0) + 1);
      total.set(t, (total.get(t) ?? 0) + c);
    }
  }
  const names = [...df.keys()]
    .filter((t) => (df.get(t) as number) >= opts.minTagItems)
    .sort(
      (a, b) =>
        (df.get(b) as number) - (df.get(a) as number) ||
        (total.get(b) as number) - (total.get(a) as number) ||
        (a < b ? -1 : a > b ? 1 : 0),
    )
    .slice(0, opts.maxTags);
  if (names.length === 0) return null;
  const index = new Map(names.map((t, k) => [t, k]));
  const rows = perItem.map((tags) =>
    tags.filter(([t]) => index.has(t)).map(([t, c]): [number, number] => [index.get(t) as number, c]),
  );
  return { kind: "tag", names, matrix: conceptMatrix(rows, names.length) };
}

/** Release-decade flags ("1990s"), from years > 0. */
export function decadeConcepts(years: Int32Array): ItemConcepts | null {
  const decades = [...new Set([...years].filter((y) => y > 0).map((y) => Math.floor(y / 10) * 10))].sort(
    (a, b) => a - b,
  );
  if (decades.length === 0) return null;
  const index = new Map(decades.map((d, k) => [d, k]));
  const rows = [...years].map((y): [number, number][] =>
    y > 0 ? [[index.get(Math.floor(y / 10) * 10) as number, 1]] : [],
  );
  return { kind: "decade", names: decades.map((d) => `${d}s`), matrix: conceptMatrix(rows, decades.length) };
}

/**
 * Popularity buckets from interaction counts per item (column counts of `matrix`). Items are
 * ranked by count; bucket b holds ranks [b·n/B, (b+1)·n/B), except that items with equal counts
 * always share the lower bucket. Empty buckets are dropped; names give the count range, e.g.
 * "popularity 3-9".
 */
export function popularityConcepts(matrix: Csr, buckets: number): ItemConcepts | null {
  const n = matrix.cols;
  if (buckets <= 0 || n === 0) return null;
  const count = new Int32Array(n);
  for (let p = 0; p < matrix.indices.length; p++) count[matrix.indices[p]]++;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => count[a] - count[b] || a - b);
  const bucketOf = new Int32Array(n);
  let firstRankOfCount = 0;
  for (let r = 0; r < n; r++) {
    if (r > 0 && count[order[r]] !== count[order[r - 1]]) firstRankOfCount = r;
    bucketOf[order[r]] = Math.min(buckets - 1, Math.floor((firstRankOfCount * buckets) / n));
  }
  const lo = new Array<number>(buckets).fill(Infinity);
  const hi = new Array<number>(buckets).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    lo[bucketOf[i]] = Math.min(lo[bucketOf[i]], count[i]);
    hi[bucketOf[i]] = Math.max(hi[bucketOf[i]], count[i]);
  }
  const used = [...Array(buckets).keys()].filter((b) => lo[b] !== Infinity);
  const col = new Map(used.map((b, k) => [b, k]));
  const names = used.map((b) => (lo[b] === hi[b] ? `popularity ${lo[b]}` : `popularity ${lo[b]}-${hi[b]}`));
  const rows = Array.from({ length: n }, (_, i): [number, number][] => [[col.get(bucketOf[i]) as number, 1]]);
  return { kind: "popularity", names, matrix: conceptMatrix(rows, names.length) };
}

/**
 * "Title. Description. Genres: a, b. Category: c, d. Brand: e. Tags: x, y." from whatever metadata
 * the item has ("" when none); further families appear in their insertion order. Parts that already
 * end with a full stop are not given another.
 */
export function describeItem(meta: ItemMeta | undefined, textTags: number): string {
  if (!meta) return "";
  const parts: string[] = [];
  if (meta.title) parts.push(meta.title);
  if (meta.description) parts.push(meta.description);
  if (meta.year && !(meta.title ?? "").includes(String(meta.year))) parts.push(`Released ${meta.year}`);
  if (meta.genres?.length) parts.push(`Genres: ${meta.genres.join(", ")}`);
  for (const [kind, values] of Object.entries(meta.families ?? {}))
    if (values.length) parts.push(`${heading(kind)}: ${values.join(", ")}`);
  const tags = topTags(meta, textTags).map(([t]) => t);
  if (tags.length) parts.push(`Tags: ${tags.join(", ")}`);
  return parts
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => (p.endsWith(".") ? p : `${p}.`))
    .join(" ");
}

/**
 * Item metadata for the final item list `items` (original ids, matrix columns in order): titles
 * (falling back to the id), years, numeric attributes (NaN when unknown), descriptive text and
 * concept families genre, the source's further families (category, brand, ...), tag, decade and
 * popularity (each only when the source has that information).
 */
export function buildItemMetadata(
  items: string[],
  matrix: Csr,
  table: ItemMetaTable,
  genreOrder: string[] | undefined,
  opts: ProcessOptions,
): ItemMetadata {
  const metas = items.map((id) => table.byId.get(id));
  const out: ItemMetadata = { concepts: [] };
  if (metas.some((m) => m?.title)) out.itemTitles = metas.map((m, k) => m?.title || items[k]);
  if (metas.some((m) => m?.year)) out.itemYears = Int32Array.from(metas, (m) => m?.year ?? 0);
  const numberNames = new Set<string>();
  for (const m of metas) for (const k of Object.keys(m?.numbers ?? {})) numberNames.add(k);
  if (numberNames.size) {
    out.itemAttributes = {};
    for (const k of numberNames)
      out.itemAttributes[k] = Float64Array.from(metas, (m) => m?.numbers?.[k] ?? NaN);
  }
  const kinds = familyKinds(metas);
  if (metas.some((m) => m?.title || m?.description || m?.genres?.length || m?.tags?.size || m?.families))
    out.itemText = metas.map((m) => describeItem(m, opts.textTags));
  const families = [
    genreConcepts(metas, genreOrder),
    ...kinds.map((k) => familyConcepts(metas, k)),
    tagConcepts(metas, opts),
    out.itemYears ? decadeConcepts(out.itemYears) : null,
    popularityConcepts(matrix, opts.popularityBuckets),
  ];
  for (const f of families) if (f) out.concepts.push(f);
  return out;
}
