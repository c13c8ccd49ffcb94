import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";

/**
 * Tag-group concepts: user tags that mean the same thing ("hip-hop" / "Hip Hop" / "hiphop",
 * "brazilian" / "brasil", "punk" / "punk rock") merged into one concept that an item carries when it
 * carries any member tag. Groups are built from the tag family alone (names and the items x tags
 * matrix), so they work for any dataset with tags:
 * 1. **Spelling**: tags with the same normalised form ({@link normaliseTag}) form one class.
 * 2. **Usage**: classes are taken in order of item count (descending); each one joins the group of
 *    the existing group head with which it overlaps most, when the overlap of their item sets is both
 *    symmetric enough (Jaccard >= minJaccard) and nearly one-sided-complete (containment = |A ∩ B| /
 *    min(|A|, |B|) >= minContainment); otherwise it heads a new group. Comparing with the head only
 *    (a star, not a chain) keeps groups from drifting: "alternative" cannot reach "rock" through
 *    "alternative rock".
 * Only groups of two or more tags become concepts (a one-tag group is the tag itself). A group is
 * named after its most used member (the member tag on most items).
 *
 * Defaults (Jaccard 0.3, containment 0.7), checked on lastfm-2k's 1,000 tags (docs/quality-knobs.md,
 * "Tag-group concepts"): the synonym pairs Arviv et al. group by hand pass (brazilian/brasil 0.45 /
 * 0.78, punk/punk rock 0.36 / 0.75, hip-hop/hip hop 0.30 / 0.74, electronic/electronica 0.30 / 0.79),
 * while distinct styles that merely co-occur do not (rock/alternative 0.34 / 0.57, classic rock/70s
 * 0.35 / 0.54, alternative/indie 0.33 / 0.55, rock/pop 0.16, metal/death metal 0.16).
 */

/** Thresholds of {@link tagGroupConcepts} (and the switch of {@link broadTagConcepts}). */
export interface TagGroupOptions {
  /** Merge tags with the same normalised spelling. */
  readonly normalise: boolean;
  /** Minimum Jaccard overlap of item sets for a usage merge (> 1 disables usage merges). */
  readonly minJaccard: number;
  /** Minimum containment |A ∩ B| / min(|A|, |B|) for a usage merge. */
  readonly minContainment: number;
  /** Also add the broad tags of {@link broadTagConcepts} ("metal (all)"), family "broad tag". */
  readonly broad: boolean;
}

/** Defaults: spelling merges on, usage merges at Jaccard >= 0.3 and containment >= 0.7, broad tags on. */
export const DEFAULT_TAG_GROUPS: TagGroupOptions = {
  normalise: true,
  minJaccard: 0.3,
  minContainment: 0.7,
  broad: true,
};

/** Family kind of the tag-group concepts. */
export const TAG_GROUP_KIND = "tag group";

/** Family kind of the broad tags ({@link broadTagConcepts}). */
export const BROAD_TAG_KIND = "broad tag";

/** A tag-group family: the concepts plus each group's member tags (most used first). */
export interface TagGroupConcepts extends ItemConcepts {
  /** Member tag names of each group, aligned with `names` (members[g][0] === names[g]). */
  readonly members: readonly (readonly string[])[];
}

/**
 * The spelling key of a tag: Unicode compatibility form without diacritics, lower case, "&" read as
 * "and", and every character that is not a letter or digit dropped ("Hip-Hop", "hip hop", "hiphop" ->
 * "hiphop"; "Rock & Roll" -> "rockandroll"; "1970's" -> "1970s"; "Música" -> "musica"). Word endings
 * are not touched ("punk rock" and "punk" stay apart here; usage may still merge them).
 */
export function normaliseTag(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Item sets of the columns of `m` (items with a value > 0), as sorted item lists. */
function columnItems(m: Csr): number[][] {
  const out: number[][] = Array.from({ length: m.cols }, () => []);
  for (let i = 0; i < m.rows; i++)
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) if (m.values[p] > 0) out[m.indices[p]].push(i);
  return out;
}

/**
 * Groups the tags of `tags` (a "tag" family: names and an items x tags matrix) into tag-group
 * concepts (see the file comment). Returns null when no two tags group. Concepts are ordered by item
 * count (descending, ties by head tag column); values are 1.
 */
export function tagGroupConcepts(
  tags: ItemConcepts,
  options: Partial<TagGroupOptions> = {},
): TagGroupConcepts | null {
  const o: TagGroupOptions = { ...DEFAULT_TAG_GROUPS, ...options };
  for (const [k, v] of [
    ["minJaccard", o.minJaccard],
    ["minContainment", o.minContainment],
  ] as const)
    if (!Number.isFinite(v) || v <= 0)
      throw new RangeError(`tagGroupConcepts: ${k} must be a positive number, got ${v}`);
  const m = tags.matrix;
  if (m.cols !== tags.names.length)
    throw new RangeError(`tagGroupConcepts: ${tags.names.length} tag names for ${m.cols} matrix columns`);
  const items = columnItems(m);
  const used = (t: number): number => items[t].length;
  const byUse = (a: number, b: number): number => used(b) - used(a) || a - b;

  // 1. spelling classes (tags on no item are left out)
  const classOfKey = new Map<string, number>();
  const classTags: number[][] = [];
  for (const t of [...tags.names.keys()].filter((t) => used(t) > 0).sort(byUse)) {
    const k = o.normalise ? normaliseTag(tags.names[t]) || tags.names[t] : tags.names[t];
    let c = classOfKey.get(k);
    if (c === undefined) {
      c = classTags.length;
      classOfKey.set(k, c);
      classTags.push([]);
    }
    classTags[c].push(t);
  }
  const nC = classTags.length;
  const classOfItem: number[][] = Array.from({ length: m.rows }, () => []);
  classTags.forEach((ts, c) => {
    const seen = new Set<number>();
    for (const t of ts) for (const i of items[t]) seen.add(i);
    for (const i of seen) classOfItem[i].push(c);
  });
  const size = new Int32Array(nC);
  for (const cs of classOfItem) for (const c of cs) size[c]++;

  // 2. usage merges: co-occurrence of classes on items, then heads in order of size
  const co = new Map<number, number>();
  for (const cs of classOfItem)
    for (let a = 0; a < cs.length; a++)
      for (let b = 0; b < cs.length; b++)
        if (a !== b) co.set(cs[a] * nC + cs[b], (co.get(cs[a] * nC + cs[b]) ?? 0) + 1);
  const order = [...Array(nC).keys()].sort((a, b) => size[b] - size[a] || classTags[a][0] - classTags[b][0]);
  const heads: number[] = [];
  const groupOf = new Map<number, number[]>();
  for (const c of order) {
    let best = -1;
    let bestJ = -1;
    if (o.minJaccard <= 1) {
      for (const h of heads) {
        const inter = co.get(c * nC + h) ?? 0;
        if (inter === 0) continue;
        const j = inter / (size[c] + size[h] - inter);
        const cont = inter / Math.min(size[c], size[h]);
        if (j >= o.minJaccard - 1e-12 && cont >= o.minContainment - 1e-12 && j > bestJ) {
          best = h;
          bestJ = j;
        }
      }
    }
    if (best < 0) {
      heads.push(c);
      groupOf.set(c, [c]);
    } else groupOf.get(best)?.push(c);
  }

  // 3. groups of >= 2 tags as concepts
  const groups = heads
    .map((h) => {
      const members = (groupOf.get(h) ?? []).flatMap((c) => classTags[c]);
      const set = new Set<number>();
      for (const t of members) for (const i of items[t]) set.add(i);
      return { head: classTags[h][0], members: [...members].sort(byUse), items: set };
    })
    .filter((g) => g.members.length >= 2)
    .sort((a, b) => b.items.size - a.items.size || a.head - b.head);
  if (groups.length === 0) return null;
  return {
    kind: TAG_GROUP_KIND,
    names: groups.map((g) => tags.names[g.members[0]]),
    matrix: flags(
      m.rows,
      groups.map((g) => g.items),
    ),
    members: groups.map((g) => g.members.map((t) => tags.names[t])),
  };
}

/** The words of a tag: its letter/digit runs, lower case, without diacritics ("post-punk" -> post, punk). */
function words(name: string): string[] {
  return name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * Broad tags: a tag of two or more words whose last word is itself a tag names a kind of that tag
 * (the head-word rule of English compounds: "death metal" and "melodic death metal" are kinds of
 * "metal", "indie rock" of "rock", "post-punk" of "punk", "j-pop" of "pop"). For every head tag with at
 * least one such sub-tag, the concept "<head> (all)" is carried by an item carrying the head or any
 * sub-tag. Head tags are the one-word tags (compared after {@link normaliseTag}, so "Rock" heads
 * "indie rock"); only the last word counts ("rock n roll" is not rock, "rock" is its first word).
 * These concepts are broad on purpose: the labeller takes them only when no specific semantic concept
 * is selective (main-concept.ts, rule "broad"). Members: head tags first, then sub-tags by item count.
 * Ordered by item count (descending, ties by the head's column); null when no tag has a sub-tag.
 */
export function broadTagConcepts(tags: ItemConcepts): TagGroupConcepts | null {
  const m = tags.matrix;
  if (m.cols !== tags.names.length)
    throw new RangeError(`broadTagConcepts: ${tags.names.length} tag names for ${m.cols} matrix columns`);
  const items = columnItems(m);
  const byUse = (a: number, b: number): number => items[b].length - items[a].length || a - b;
  const heads = new Map<string, number[]>();
  tags.names.forEach((name, t) => {
    const w = words(name);
    if (w.length === 1 && items[t].length > 0) heads.set(w[0], [...(heads.get(w[0]) ?? []), t]);
  });
  const subs = new Map<string, number[]>();
  tags.names.forEach((name, t) => {
    const w = words(name);
    const last = w[w.length - 1];
    if (w.length >= 2 && items[t].length > 0 && heads.has(last))
      subs.set(last, [...(subs.get(last) ?? []), t]);
  });
  const groups = [...subs].map(([head, sub]) => {
    const hs = [...(heads.get(head) ?? [])].sort(byUse);
    const members = [...hs, ...[...sub].sort(byUse)];
    const set = new Set<number>();
    for (const t of members) for (const i of items[t]) set.add(i);
    return { head: hs[0], members, items: set };
  });
  groups.sort((a, b) => b.items.size - a.items.size || a.head - b.head);
  if (groups.length === 0) return null;
  return {
    kind: BROAD_TAG_KIND,
    names: groups.map((g) => `${tags.names[g.head]} (all)`),
    matrix: flags(
      m.rows,
      groups.map((g) => g.items),
    ),
    members: groups.map((g) => g.members.map((t) => tags.names[t])),
  };
}

/** An items x groups flag matrix (value 1) from each group's item set. */
function flags(rows: number, groups: readonly Set<number>[]): Csr {
  const perItem: number[][] = Array.from({ length: rows }, () => []);
  groups.forEach((g, k) => {
    for (const i of g) perItem[i].push(k);
  });
  const indptr = new Int32Array(rows + 1);
  perItem.forEach((r, i) => {
    indptr[i + 1] = indptr[i] + r.length;
  });
  const indices = Int32Array.from(perItem.flat());
  return new Csr(rows, groups.length, indptr, indices, new Float32Array(indices.length).fill(1));
}

/**
 * `families` plus, right after its "tag" family, the tag-group family and (unless `broad` is false)
 * the broad-tag family, each when it has a concept; the input unchanged otherwise (no tag family,
 * `options` false, or the families are already there).
 */
export function withTagGroups(
  families: readonly ItemConcepts[],
  options: Partial<TagGroupOptions> | false = {},
): ItemConcepts[] {
  if (options === false || families.some((f) => f.kind === TAG_GROUP_KIND || f.kind === BROAD_TAG_KIND))
    return [...families];
  const at = families.findIndex((f) => f.kind === "tag");
  if (at < 0) return [...families];
  const added = [
    tagGroupConcepts(families[at], options),
    (options.broad ?? DEFAULT_TAG_GROUPS.broad) ? broadTagConcepts(families[at]) : null,
  ].filter((f): f is TagGroupConcepts => f !== null);
  return [...families.slice(0, at + 1), ...added, ...families.slice(at + 1)];
}
