import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../store/atomic.js";

/** sha256 (hex) of a text under a model (and requested dimension): the cache key of one embedding. */
export function embeddingKey(model: string, dimensions: number | undefined, text: string): string {
  return createHash("sha256")
    .update(`${model}\u0000${dimensions ?? ""}\u0000${text}`)
    .digest("hex");
}

/**
 * On-disk cache of text embeddings: one little-endian float32 file per key under
 * `<dir>/<first two hex>/<key>.f32`, written atomically. A missing or unreadable entry is a miss.
 */
export class EmbeddingCache {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key))
      throw new RangeError(`EmbeddingCache: key must be a sha256 hex digest, got "${key}"`);
    return join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  /** The cached vector of `key`, or undefined. */
  get(key: string): Float32Array | undefined {
    try {
      const b = readFileSync(this.path(key));
      if (b.length === 0 || b.length % 4 !== 0) return undefined;
      const v = new Float32Array(b.length / 4);
      new Uint8Array(v.buffer).set(b);
      for (const x of v) if (!Number.isFinite(x)) return undefined;
      return v;
    } catch {
      return undefined;
    }
  }

  /** Stores `vector` under `key` (atomic write). */
  set(key: string, vector: Float32Array): void {
    writeFileAtomic(
      this.path(key),
      new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength).slice(),
    );
  }
}
