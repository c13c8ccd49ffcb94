import type { Dataset, ItemConcepts } from "../data/types.js";
import { BadInput, NotFound } from "../errors.js";
import type { UserBatch } from "../models/types.js";
import type { Csr } from "../tensor/csr.js";

/**
 * Audiences and concepts for the item-side and segment interventions (promote, suppress, nudge),
 * shared by the CLI and the HTTP API.
 *
 * A **concept** reference is `[family:]name[|name...]`, names matched case-insensitively against the
 * dataset's concept families (genre, tag, decade, ...; without `family:` the first family holding
 * every name, in the order genre, tag, decade, arviv, then the rest). `a|b|c` is a group: an item
 * carries it when it carries any member. Runs add the concepts of Arviv et al.'s Table 1 as the
 * family `arviv` (alias `style`; see {@link withArvivConcepts}): the Last.FM styles (`style:Metal` =
 * an artist one of whose 4 most-applied tags is in {metal, death/melodic death/power/progressive/
 * symphonic metal}; Hardcore, Pop, Trance, Reggae, Rock, Electronic, Folk, Country likewise) and the
 * ML-1M compounds (`Golden-Age` = released before 1970, `90's Drama`, `90's Comedy`, `90's Action`,
 * `80's Comedy` = genre and decade together). A bare `metal` still means the single tag (tags come
 * first); write `style:metal` for the paper's group. Runs also add the labeller's tag families
 * (src/pipeline/intervention-env.ts `interventionDataset`): `tag group:<name>` (synonym groups) and
 * `broad tag:<head> (all)` (a tag and its compound sub-tags), so a neuron's label concept resolves. An item carries a genre/decade/other flag when its row stores a
 * non-zero there; it carries a **tag** only when the tag is among its {@link TOP_TAGS} most-applied
 * tags (the rule of Arviv et al.'s public code for Last.FM styles), so a stray tag does not count.
 *
 * An **audience** is one of:
 * - a concept: the users whose history is *dominated* by it, i.e. share of concept items in the
 *   user's interactions >= `minShare` (default {@link DEFAULT_MIN_SHARE}) with at least
 *   `minHistory` interactions (default {@link DEFAULT_MIN_HISTORY});
 * - `<attribute>=<value>`: a user-attribute segment (ML-1M `users.dat`: `age=Under 18`; the ML-1M
 *   age code works too, `age=1`), values matched case-insensitively;
 * - `ids:<id>,<id>,...`: explicit user ids as in the dataset.
 */

/** Tags an item keeps for concept membership (its most applied ones). */
export const TOP_TAGS = 4;
/** Default share of concept items in a history for the user to belong to the concept's audience. */
export const DEFAULT_MIN_SHARE = 0.5;
/** Default minimum number of interactions for a concept audience. */
export const DEFAULT_MIN_HISTORY = 5;

/** A resolved concept: its family, member names and a flag per item. */
export interface ResolvedConcept {
  readonly family: string;
  readonly names: string[];
  /** inConcept[i] = 1 when item i carries the concept. */
  readonly items: Uint8Array;
  readonly itemCount: number;
}

/** The users of the dataset (all of them, full histories) an audience is drawn from. */
export interface Population {
  /** Display id per user. */
  readonly ids: readonly string[];
  /** users x items interactions: what users are encoded from, and what their lists exclude. */
  readonly rows: Csr;
  /** Model user id per user, -1 for users the model folds in (MF training users have one). */
  readonly modelUserIds?: Int32Array;
}

/** A resolved audience. */
export interface Audience {
  /** How it was defined, in words (documented in outputs). */
  readonly definition: string;
  /** Rows of the population, ascending. */
  readonly users: Int32Array;
  /** The concept, for concept audiences. */
  readonly concept?: ResolvedConcept;
}

/** Options of {@link resolveAudience}. */
export interface AudienceOptions {
  readonly minShare?: number;
  readonly minHistory?: number;
}

const FAMILY_ORDER = ["genre", "tag", "decade", "arviv"];
/** Family names a reference may use for another family's kind. */
const FAMILY_ALIASES: Readonly<Record<string, string>> = { style: "arviv", styles: "arviv" };

/**
 * The dataset with Arviv et al.'s Table-1 concepts (src/concepts/arviv-concepts.ts: Last.FM styles
 * or ML-1M genres + era compounds) added as the concept family `arviv`, so that references such as
 * `style:Metal`, `Golden-Age` or `90's Drama` resolve; the dataset itself is not changed.
 */
export function withArvivConcepts(dataset: Dataset, arviv: ItemConcepts): Dataset {
  if (arviv.matrix.rows !== dataset.items.length)
    throw new RangeError(
      `withArvivConcepts: ${arviv.matrix.rows} concept rows for ${dataset.items.length} items of ${dataset.name}`,
    );
  const rest = dataset.concepts.filter((c) => c.kind !== "arviv");
  return { ...dataset, concepts: [...rest, { ...arviv, kind: "arviv" }] };
}

/** Resolves a concept reference (see the module comment); NotFound names the field and value. */
export function resolveConcept(dataset: Dataset, ref: string, field = "concept"): ResolvedConcept {
  const text = ref.trim();
  let colon = text.indexOf(":");
  const prefix = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : undefined;
  let wanted = prefix !== undefined ? (FAMILY_ALIASES[prefix] ?? prefix) : undefined;
  // "a:b" whose "a" names no family is a concept name holding a colon.
  if (wanted !== undefined && !dataset.concepts.some((c) => c.kind.toLowerCase() === wanted)) {
    wanted = undefined;
    colon = -1;
  }
  const names = (colon > 0 ? text.slice(colon + 1) : text)
    .split("|")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new BadInput(`${field}: empty concept "${ref}"`, field);
  const families = [...dataset.concepts].sort(
    (a, b) => rankFamily(a.kind) - rankFamily(b.kind) || (a.kind < b.kind ? -1 : 1),
  );
  for (const fam of families) {
    if (wanted !== undefined && fam.kind.toLowerCase() !== wanted) continue;
    const lower = fam.names.map((s) => s.toLowerCase());
    const cols = names.map((n) => lower.indexOf(n));
    if (cols.some((c) => c < 0)) continue;
    const set = new Set(cols);
    const items = new Uint8Array(fam.matrix.rows);
    const m = fam.matrix;
    for (let i = 0; i < m.rows; i++) {
      const entries: [number, number][] = [];
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++)
        if (m.values[p] !== 0) entries.push([m.indices[p], m.values[p]]);
      if (fam.kind === "tag") entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]).splice(TOP_TAGS);
      if (entries.some(([c]) => set.has(c))) items[i] = 1;
    }
    let itemCount = 0;
    for (const f of items) itemCount += f;
    return { family: fam.kind, names: cols.map((c) => fam.names[c]), items, itemCount };
  }
  const known = dataset.concepts.map((c) => `${c.kind} (${c.names.slice(0, 5).join(", ")}, ...)`);
  throw new NotFound(
    `${field}: no concept family of ${dataset.name} has "${ref}"; families: ${known.join("; ") || "none"}`,
    field,
  );
}

function rankFamily(kind: string): number {
  const k = FAMILY_ORDER.indexOf(kind);
  return k < 0 ? FAMILY_ORDER.length : k;
}

/** Share of concept items in each user's row (0 for an empty row). */
export function conceptShares(rows: Csr, concept: ResolvedConcept): Float64Array {
  const out = new Float64Array(rows.rows);
  for (let u = 0; u < rows.rows; u++) {
    const idx = rows.rowIndices(u);
    let hits = 0;
    for (const i of idx) hits += concept.items[i];
    out[u] = idx.length > 0 ? hits / idx.length : 0;
  }
  return out;
}

/** Resolves an audience spec (see the module comment) over the population; BadInput/NotFound name `field`. */
export function resolveAudience(
  dataset: Dataset,
  pop: Population,
  spec: string,
  opts: AudienceOptions = {},
  field = "audience",
): Audience {
  const text = spec.trim();
  if (text.toLowerCase().startsWith("ids:")) {
    const index = new Map(pop.ids.map((id, u) => [id, u]));
    const ids = text
      .slice(4)
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (ids.length === 0) throw new BadInput(`${field}: "ids:" lists no user ids`, field);
    const users = ids.map((id) => {
      const u = index.get(id);
      if (u === undefined) throw new NotFound(`${field}: unknown user id "${id}"`, field);
      return u;
    });
    return { definition: `users ${ids.join(", ")}`, users: Int32Array.from(new Set(users)).sort() };
  }
  const eq = text.indexOf("=");
  if (eq > 0) return attributeAudience(dataset, text.slice(0, eq).trim(), text.slice(eq + 1).trim(), field);
  const minShare = opts.minShare ?? DEFAULT_MIN_SHARE;
  const minHistory = opts.minHistory ?? DEFAULT_MIN_HISTORY;
  if (!(minShare > 0 && minShare <= 1))
    throw new BadInput(`minShare must be in (0, 1], got ${minShare}`, "minShare");
  if (!(Number.isInteger(minHistory) && minHistory >= 1))
    throw new BadInput(`minHistory must be a positive integer, got ${minHistory}`, "minHistory");
  const concept = resolveConcept(dataset, text, field);
  const shares = conceptShares(pop.rows, concept);
  const users: number[] = [];
  for (let u = 0; u < shares.length; u++)
    if (pop.rows.rowNnz(u) >= minHistory && shares[u] >= minShare) users.push(u);
  return {
    definition: `users with >= ${minHistory} interactions of which >= ${minShare * 100}% are ${concept.family} ${concept.names.join("|")} items`,
    users: Int32Array.from(users),
    concept,
  };
}

const ML1M_AGE_CODES: Record<string, string> = {
  "1": "under 18",
  "18": "18-24",
  "25": "25-34",
  "35": "35-44",
  "45": "45-49",
  "50": "50-55",
  "56": "56+",
};

function attributeAudience(dataset: Dataset, name: string, value: string, field: string): Audience {
  const attrs = dataset.userAttributes ?? {};
  const key = Object.keys(attrs).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined)
    throw new NotFound(
      `${field}: ${dataset.name} has no user attribute "${name}" (has: ${Object.keys(attrs).join(", ") || "none"})`,
      field,
    );
  let want = value.toLowerCase();
  if (key.toLowerCase() === "age" && ML1M_AGE_CODES[want]) want = ML1M_AGE_CODES[want];
  const values = attrs[key];
  const users: number[] = [];
  values.forEach((v, u) => {
    if (v.toLowerCase() === want) users.push(u);
  });
  if (users.length === 0)
    throw new NotFound(
      `${field}: no user has ${key} = "${value}" (values: ${[...new Set(values)].slice(0, 12).join(", ")})`,
      field,
    );
  return { definition: `users with ${key} = ${values[users[0]]}`, users: Int32Array.from(users) };
}

/** A batch of population users and their population rows (batch order). */
export interface PopulationBatch {
  readonly users: Int32Array;
  readonly batch: UserBatch;
}

/**
 * The given users in batches of at most `batchSize`: users the model knows (model user id >= 0)
 * and users it folds in go to separate batches, since a UserBatch carries ids for all rows or none.
 */
export function populationBatches(
  pop: Population,
  list: ArrayLike<number>,
  batchSize = 512,
): PopulationBatch[] {
  const known: number[] = [];
  const unknown: number[] = [];
  for (let t = 0; t < list.length; t++)
    ((pop.modelUserIds?.[list[t]] ?? -1) >= 0 ? known : unknown).push(list[t]);
  const out: PopulationBatch[] = [];
  for (const [group, withIds] of [
    [known, true],
    [unknown, false],
  ] as const) {
    for (let s = 0; s < group.length; s += batchSize) {
      const part = Int32Array.from(group.slice(s, s + batchSize));
      const rows = pop.rows.gatherRows(part);
      const batch: UserBatch = withIds
        ? { rows, userIds: part.map((u) => (pop.modelUserIds as Int32Array)[u]) }
        : { rows };
      out.push({ users: part, batch });
    }
  }
  return out;
}

/** `count` of `list` evenly spaced (all when it is shorter), in order. */
export function evenSubset(list: Int32Array, count: number): Int32Array {
  if (list.length <= count) return list;
  return Int32Array.from({ length: count }, (_, t) => list[Math.floor((t * list.length) / count)]);
}
