import type { InteractionBuffer } from "./raw.js";

/** Reason key under which repeated items within one sequence are counted in `RawDataset.skipped`. */
export const REPEATED_IN_SEQUENCE = "repeated item within a user's sequence (earlier occurrences dropped)";

/**
 * Appends one user's time-ordered sequence to `buf` with position timestamps: the item at position
 * p (1-based, in the source's order) gets time p, so sorting by time restores the file's order
 * (these are ranks, not seconds). When an item occurs more than once, only its LAST occurrence is
 * kept (at its own position), so the order of last interactions is right; the number of dropped
 * earlier occurrences is returned for the caller to report.
 */
export function pushSequence(buf: InteractionBuffer, user: number, items: ArrayLike<number>): number {
  const last = new Map<number, number>();
  for (let p = 0; p < items.length; p++) last.set(items[p], p);
  let dropped = 0;
  for (let p = 0; p < items.length; p++) {
    if (last.get(items[p]) !== p) {
      dropped++;
      continue;
    }
    buf.push(user, items[p], 1, p + 1);
  }
  return dropped;
}

/** Adds `n` to `counts[reason]` when n > 0. */
export function countSkipped(counts: Record<string, number>, reason: string, n: number): void {
  if (n > 0) counts[reason] = (counts[reason] ?? 0) + n;
}
