/**
 * A bounded least-recently-used map (string keys): `get` refreshes an entry, `set` evicts the
 * oldest entries past `capacity`. Backed by a Map's insertion order.
 */
export class LruCache<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`LruCache: capacity must be a positive integer, got ${capacity}`);
  }

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  /** The entry (now the most recently used), or undefined. */
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Stores an entry as the most recently used, evicting the least recently used past capacity. */
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  /** Removes every entry whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): number {
    let n = 0;
    for (const k of [...this.map.keys()])
      if (k.startsWith(prefix)) {
        this.map.delete(k);
        n++;
      }
    return n;
  }

  /** Removes everything. */
  clear(): void {
    this.map.clear();
  }
}
