import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BadInput, NotFound } from "../errors.js";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";

/**
 * The concepts of Arviv et al. (2025), Table 1: ML-1M genres plus compound era concepts, and the
 * Last.FM styles as tag groups from the paper's public code.
 */

/** The ML-1M rows of Table 1, in the paper's order (genres, then compound concepts). */
export const ARVIV_ML1M_CONCEPTS = [
  "Children's",
  "Drama",
  "Action",
  "Adventure",
  "Animation",
  "Comedy",
  "Horror",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "Crime",
  "Golden-Age",
  "90's Drama",
  "90's Comedy",
  "90's Action",
  "80's Comedy",
] as const;

/** Compound concepts: a genre (or any, "") and a release-year range [from, to). */
const COMPOUND: readonly (readonly [string, string, number, number])[] = [
  ["Golden-Age", "", -Infinity, 1970],
  ["90's Drama", "Drama", 1990, 2000],
  ["90's Comedy", "Comedy", 1990, 2000],
  ["90's Action", "Action", 1990, 2000],
  ["80's Comedy", "Comedy", 1980, 1990],
];

/**
 * ML-1M concepts: every genre column of `genres` plus Golden-Age (released before 1970) and the
 * genre-and-decade compounds (90's Drama, 90's Comedy, 90's Action, 80's Comedy). Items with an
 * unknown year (0) carry no compound concept. Values are 1.
 */
export function ml1mArvivConcepts(genres: ItemConcepts, years: Int32Array): ItemConcepts {
  const n = genres.matrix.rows;
  if (years.length !== n)
    throw new BadInput(`ml1mArvivConcepts: ${years.length} years for ${n} items`, "years");
  const gIndex = new Map(genres.names.map((g, j) => [g, j]));
  const names = [...genres.names, ...COMPOUND.map((c) => c[0])];
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const own = new Set<number>();
    for (let p = genres.matrix.indptr[i]; p < genres.matrix.indptr[i + 1]; p++)
      if (genres.matrix.values[p] > 0) own.add(genres.matrix.indices[p]);
    const cols = [...own].sort((a, b) => a - b);
    COMPOUND.forEach(([, genre, from, to], c) => {
      const y = years[i];
      if (y <= 0 || !(y >= from && y < to)) return;
      if (genre !== "") {
        const g = gIndex.get(genre);
        if (g === undefined || !own.has(g)) return;
      }
      cols.push(genres.names.length + c);
    });
    rows.push(cols);
  }
  return { kind: "arviv", names, matrix: flagMatrix(rows, names.length) };
}

/** Last.FM styles of the paper's public code: style -> tag group. */
export const LASTFM_STYLES: Readonly<Record<string, readonly string[]>> = {
  Electronic: ["electronic"],
  Metal: [
    "metal",
    "melodic death metal",
    "death metal",
    "power metal",
    "progressive metal",
    "symphonic metal",
  ],
  Folk: ["folk"],
  Trance: ["electronic", "dance", "trance"],
  Country: ["country"],
  Hardcore: ["hardcore", "metalcore", "screamo", "post-hardcore"],
  Reggae: ["reggae", "folk", "ska"],
  Pop: ["pop", "dance", "female vocalists", "hip hop"],
  Rock: ["rock", "indie rock"],
};

/** Tags per artist considered when assigning styles (the paper's code: the 4 most applied). */
export const STYLE_TOP_TAGS = 4;

/**
 * Last.FM style concepts: an artist carries a style when one of its `topTags` most applied tags
 * (ties: tag name ascending) is in the style's group. `tagCounts[i]` maps tag name -> applications
 * for item i (lower-cased names).
 */
export function lastfmStyleConcepts(
  tagCounts: readonly ReadonlyMap<string, number>[],
  topTags = STYLE_TOP_TAGS,
): ItemConcepts {
  const names = Object.keys(LASTFM_STYLES);
  const rows = tagCounts.map((counts) => {
    const top = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, topTags)
      .map(([t]) => t);
    const out: number[] = [];
    names.forEach((s, j) => {
      if (LASTFM_STYLES[s].some((t) => top.includes(t))) out.push(j);
    });
    return out;
  });
  return { kind: "arviv", names, matrix: flagMatrix(rows, names.length) };
}

/**
 * Tag applications per item from HetRec Last.FM files in `dir` (user_taggedartists.dat counted per
 * (artist, tag), names from tags.dat, lower-cased and trimmed), aligned with `itemIds` (artist ids).
 */
export function readLastfmTagCounts(dir: string, itemIds: readonly string[]): Map<string, number>[] {
  const read = (f: string): string[] => {
    try {
      return readFileSync(join(dir, f), "utf8").split(/\r?\n/);
    } catch (err) {
      throw new NotFound(`${join(dir, f)}: cannot read Last.FM tag file (${(err as Error).message})`);
    }
  };
  const tagName = new Map<string, string>();
  for (const line of read("tags.dat").slice(1)) {
    const tab = line.indexOf("\t");
    if (tab > 0)
      tagName.set(
        line.slice(0, tab),
        line
          .slice(tab + 1)
          .trim()
          .toLowerCase(),
      );
  }
  const row = new Map(itemIds.map((id, i) => [id, i]));
  const out = itemIds.map(() => new Map<string, number>());
  for (const line of read("user_taggedartists.dat").slice(1)) {
    const f = line.split("\t");
    if (f.length < 3) continue;
    const i = row.get(f[1]);
    const t = tagName.get(f[2]);
    if (i === undefined || t === undefined) continue;
    out[i].set(t, (out[i].get(t) ?? 0) + 1);
  }
  return out;
}

/** Items carrying each concept (coverage), aligned with `concepts.names`. */
export function conceptCoverage(concepts: ItemConcepts): number[] {
  const n = new Array<number>(concepts.names.length).fill(0);
  const m = concepts.matrix;
  for (let p = 0; p < m.indptr[m.rows]; p++) if (m.values[p] > 0) n[m.indices[p]]++;
  return n;
}

function flagMatrix(rows: readonly number[][], cols: number): Csr {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (indptr[i + 1] = indptr[i] + r.length));
  const indices = Int32Array.from(rows.flat());
  return new Csr(rows.length, cols, indptr, indices, new Float32Array(indices.length).fill(1));
}
