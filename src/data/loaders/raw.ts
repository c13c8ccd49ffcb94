/**
 * What a loader produces before processing: interactions with ids interned in file order, and item
 * metadata keyed by original item id. Processing (src/data/process.ts) turns this into a Dataset.
 */

/** How to read interaction values: explicit ratings, play/consumption counts, or bare events. */
export type ValueKind = "rating" | "count" | "implicit";

/** Interns original ids (strings, or integers for numeric formats) to consecutive indices. */
export class IdTable {
  private readonly index = new Map<string | number, number>();
  /** Dense lookup for small non-negative integer ids: byInt[id] = index + 1 (0: not seen). */
  private byInt = new Int32Array(1024);
  /** Original ids, by index. */
  readonly ids: string[] = [];

  /** Index of `id`, adding it if new. Integers in [0, 2^25) use a dense table (no hashing). */
  intern(id: string | number): number {
    if (typeof id === "number" && id >= 0 && id < DENSE_LIMIT && Number.isInteger(id)) {
      if (id >= this.byInt.length) this.growTo(id);
      const k = this.byInt[id];
      if (k > 0) return k - 1;
      this.ids.push(String(id));
      this.byInt[id] = this.ids.length;
      return this.ids.length - 1;
    }
    let k = this.index.get(id);
    if (k === undefined) {
      k = this.ids.length;
      this.index.set(id, k);
      this.ids.push(String(id));
    }
    return k;
  }

  /** Number of distinct ids. */
  get size(): number {
    return this.ids.length;
  }

  private growTo(id: number): void {
    let cap = this.byInt.length;
    while (cap <= id) cap *= 2;
    const next = new Int32Array(Math.min(cap, DENSE_LIMIT));
    next.set(this.byInt);
    this.byInt = next;
  }
}

const DENSE_LIMIT = 1 << 25;

/** Raw interaction columns: entry t is (user[t], item[t], value[t], time[t]). */
export interface RawInteractions {
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly user: Int32Array;
  readonly item: Int32Array;
  readonly value: Float32Array;
  /** Seconds since the epoch per entry, or null when the source has no timestamps. */
  readonly time: Float64Array | null;
  readonly valueKind: ValueKind;
}

/** Growable column store for interactions as a loader reads them. */
export class InteractionBuffer {
  readonly users = new IdTable();
  readonly items = new IdTable();
  private user = new Int32Array(1024);
  private item = new Int32Array(1024);
  private value = new Float32Array(1024);
  private time: Float64Array | null;
  length = 0;

  /** `withTime`: whether entries carry timestamps. */
  constructor(
    readonly valueKind: ValueKind,
    withTime: boolean,
  ) {
    this.time = withTime ? new Float64Array(1024) : null;
  }

  /** Appends one entry (u and i are indices from `users` / `items`). */
  push(u: number, i: number, v: number, t: number): void {
    if (this.length === this.user.length) this.grow();
    const k = this.length++;
    this.user[k] = u;
    this.item[k] = i;
    this.value[k] = v;
    if (this.time) this.time[k] = t;
  }

  /** Freezes the buffer into trimmed columns. */
  finish(): RawInteractions {
    const n = this.length;
    return {
      userIds: this.users.ids,
      itemIds: this.items.ids,
      user: this.user.slice(0, n),
      item: this.item.slice(0, n),
      value: this.value.slice(0, n),
      time: this.time ? this.time.slice(0, n) : null,
      valueKind: this.valueKind,
    };
  }

  private grow(): void {
    const cap = this.user.length * 2;
    const u = new Int32Array(cap);
    u.set(this.user);
    this.user = u;
    const i = new Int32Array(cap);
    i.set(this.item);
    this.item = i;
    const v = new Float32Array(cap);
    v.set(this.value);
    this.value = v;
    if (this.time) {
      const t = new Float64Array(cap);
      t.set(this.time);
      this.time = t;
    }
  }
}

/** Metadata of one item as found in the source files. */
export interface ItemMeta {
  title?: string;
  /** Release year (0 or absent when unknown). */
  year?: number;
  genres?: string[];
  /** Tag -> number of times it was applied to the item. */
  tags?: Map<string, number>;
  /** Free-text description (LC-Rec item files); itemText puts it after the title. */
  description?: string;
  /**
   * Further concept families by kind, e.g. `{ category: [...], brand: [...] }`: each kind becomes an
   * item-by-concept family of 0/1 flags like genres (kinds in first-seen order).
   */
  families?: Record<string, string[]>;
  /** Numeric attributes by name (e.g. "price"); absent when unknown. */
  numbers?: Record<string, number>;
}

/** Item metadata keyed by original item id. */
export class ItemMetaTable {
  readonly byId = new Map<string, ItemMeta>();

  /** The record for `id`, created empty if absent. */
  get(id: string): ItemMeta {
    let m = this.byId.get(id);
    if (!m) {
      m = {};
      this.byId.set(id, m);
    }
    return m;
  }

  private readonly normalised = new Map<string, string>();

  /** Tag applications dropped because the tag is empty or whitespace only (see {@link tagSkips}). */
  blankTags = 0;

  /**
   * Counts one (or `count`) application of `tag` to item `id`; tags are normalised (trim, lower
   * case, single spaces). An empty or whitespace-only tag is dropped and counted in `blankTags`;
   * returns whether the tag was kept.
   */
  addTag(id: string, tag: string, count = 1): boolean {
    let t = this.normalised.get(tag);
    if (t === undefined) {
      t = normaliseTag(tag);
      if (this.normalised.size < 1 << 20) this.normalised.set(tag, t);
    }
    if (!t) {
      this.blankTags += count;
      return false;
    }
    const m = this.get(id);
    if (!m.tags) m.tags = new Map();
    m.tags.set(t, (m.tags.get(t) ?? 0) + count);
    return true;
  }
}

/** Reason key under which dropped empty or whitespace-only tags are counted in `RawDataset.skipped`. */
export const BLANK_TAG = "empty or whitespace-only tag (dropped)";

/** `{ [BLANK_TAG]: n }` when `items` dropped n tag applications, `{}` otherwise (spread into `skipped`). */
export function tagSkips(items: ItemMetaTable): Record<string, number> {
  return items.blankTags > 0 ? { [BLANK_TAG]: items.blankTags } : {};
}

/** Canonical form of a free-text tag: trimmed, lower-cased, runs of whitespace collapsed. */
export function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/\s+/g, " ");
}

/** A source read by a loader, ready for processing. */
export interface RawDataset {
  /** Format that read it (a key of the loader table). */
  readonly format: string;
  readonly name: string;
  /** Directory or file it was read from. */
  readonly source: string;
  readonly interactions: RawInteractions;
  readonly items: ItemMetaTable;
  /** Genre names in the source's canonical order, when it has one (ML-100K u.genre). */
  readonly genreOrder?: string[];
  /** Human-readable remarks (skipped optional files, placeholder genres dropped, ...). */
  readonly notes: string[];
  /** Categorical user attributes: attribute name -> original user id -> value (ML-1M users.dat). */
  readonly userAttributes?: Record<string, Map<string, string>>;
  /**
   * Records a loader skipped, merged or changed under a documented policy, by reason (e.g.
   * `{ "repeated item in a sequence": 3 }`); `data info` / `data import` print each. Never silent.
   */
  readonly skipped?: Record<string, number>;
}

/** Extracts a trailing "(1995)" year from a MovieLens title; 0 when absent. */
export function yearFromTitle(title: string): number {
  const m = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(title);
  return m ? Number(m[1]) : 0;
}
