import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../store/atomic.js";

/** sha256 (hex) of a JSON value with object keys sorted, so equal requests hash equally. */
export function requestHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * On-disk cache of LLM replies: one JSON file per request hash under `<dir>/<first two hex>/`,
 * written atomically. Only replies that parsed successfully are stored; an unreadable entry counts
 * as a miss.
 */
export class LlmCache {
  constructor(readonly dir: string) {}

  private path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key))
      throw new RangeError(`LlmCache: key must be a sha256 hex digest, got "${key}"`);
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The cached reply content for `key`, or undefined. */
  get(key: string): string | undefined {
    try {
      const doc: unknown = JSON.parse(readFileSync(this.path(key), "utf8"));
      if (doc !== null && typeof doc === "object" && (doc as { key?: unknown }).key === key) {
        const content = (doc as { content?: unknown }).content;
        if (typeof content === "string") return content;
      }
    } catch {
      // Missing or corrupt entry: a miss.
    }
    return undefined;
  }

  /** Stores the reply content for `key` (atomic write). */
  set(key: string, content: string, model: string): void {
    writeFileAtomic(
      this.path(key),
      `${JSON.stringify({ key, model, content, createdAt: new Date().toISOString() })}\n`,
    );
  }
}
