import { writeFileSync } from "node:fs";
import { Rng } from "../tensor/rng.js";

/** Test fixtures for SAE probing on leave-one-out runs (not used by library code). */

/** Shape of {@link writeSequenceCsv}'s file. */
export interface SequenceCsvOptions {
  readonly users?: number;
  readonly items?: number;
  /** Sequence lengths are drawn uniformly from [minLen, maxLen]. */
  readonly minLen?: number;
  readonly maxLen?: number;
  readonly seed?: number;
}

/**
 * Writes a `user,item,timestamp` CSV of planted sequences: each user starts at a random item and
 * walks i -> i + 1 (mod items), one step per second, so the next item is predictable from the last.
 * Lengths stay below the item count, so no user sees an item twice. Returns each user's sequence.
 */
export function writeSequenceCsv(path: string, o: SequenceCsvOptions = {}): number[][] {
  const users = o.users ?? 48;
  const items = o.items ?? 30;
  const minLen = o.minLen ?? 4;
  const maxLen = o.maxLen ?? 12;
  if (maxLen >= items)
    throw new RangeError(`writeSequenceCsv: maxLen ${maxLen} must be below items ${items}`);
  const rng = new Rng(o.seed ?? 5);
  const lines = ["user,item,timestamp"];
  const seqs: number[][] = [];
  for (let u = 0; u < users; u++) {
    const len = minLen + rng.int(maxLen - minLen + 1);
    const start = rng.int(items);
    const seq = Array.from({ length: len }, (_, t) => (start + t) % items);
    seq.forEach((i, t) => lines.push(`u${u},i${i},${1_600_000_000 + 1000 * u + t}`));
    seqs.push(seq);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return seqs;
}

/** Tiny hyperparameters of every model family, for leave-one-out runs on {@link writeSequenceCsv} data. */
export const TINY_MODELS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  sasrec: { dim: 8, blocks: 1, maxLen: 6, epochs: 2, batchSize: 16, dropout: 0.1 },
  gru4rec: { dim: 8, maxLen: 6, epochs: 2, batchSize: 16 },
  lightgcn: { dim: 8, layers: 1, epochs: 2, batchSize: 256 },
  ncf: { gmfDim: 4, mlpDim: 4, layers: [8, 4], epochs: 2, batchSize: 256 },
  mf: { dim: 8, epochs: 2, batchSize: 256 },
  elsa: { dim: 8, epochs: 2, batchSize: 16 },
  multvae: { dim: 8, hidden: 16, epochs: 2, batchSize: 16 },
};
