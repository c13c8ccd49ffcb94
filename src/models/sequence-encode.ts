import { Matrix } from "../tensor/matrix.js";
import { checkSequences, packSequences, type PackedSequences } from "./sequence-batch.js";
import type { UserBatch } from "./types.js";

/** Hidden states at every non-padding position of a set of sequences. */
export interface SequenceStates {
  /** One row per encoded position (rows x dim), sequences back to back, oldest position first. */
  readonly states: Matrix;
  /** Sequence b's rows are [offsets[b], offsets[b + 1]); length sequences + 1. */
  readonly offsets: Int32Array;
}

/** Sequences encoded per forward pass at inference (bounds memory). */
const ENCODE_CHUNK = 512;

/**
 * Maps packed rows to their states (rows x d), e.g. a model's inference forward pass; `pick` holds
 * the indices (into the encoded sequences) of the packed sequences, in order.
 */
export type PackedForward = (packed: PackedSequences, pick: Int32Array) => Matrix;

/** Packs `sequences` (their last maxLen items) in chunks and runs `forward` on each chunk. */
function forChunks(
  sequences: readonly Int32Array[],
  maxLen: number,
  forward: PackedForward,
  each: (start: number, packed: PackedSequences, states: Matrix) => void,
): void {
  for (let s = 0; s < sequences.length; s += ENCODE_CHUNK) {
    const pick = Int32Array.from({ length: Math.min(ENCODE_CHUNK, sequences.length - s) }, (_, i) => s + i);
    const packed = packSequences(sequences, maxLen, pick);
    each(s, packed, forward(packed, pick));
  }
}

/** The states of every position of each sequence's last `maxLen` items (what SAEs train on). */
export function encodeAllPositions(
  sequences: readonly Int32Array[],
  maxLen: number,
  d: number,
  forward: PackedForward,
): SequenceStates {
  const parts: Matrix[] = [];
  const offsets = new Int32Array(sequences.length + 1);
  forChunks(sequences, maxLen, forward, (s, packed, h) => {
    parts.push(h);
    for (let b = 0; b < packed.lengths.length; b++) offsets[s + b + 1] = offsets[s + b] + packed.lengths[b];
  });
  const states = new Matrix(offsets[sequences.length], d);
  let o = 0;
  for (const m of parts) {
    states.data.set(m.data, o);
    o += m.data.length;
  }
  return { states, offsets };
}

/**
 * The state of each sequence's last position (sequences x d): the probing site of sequential
 * models. An empty sequence gets `empty` (what the model gives a sequence with no items).
 */
export function encodeLastPositions(
  sequences: readonly Int32Array[],
  maxLen: number,
  d: number,
  forward: PackedForward,
  empty: Float32Array,
): Matrix {
  const z = new Matrix(sequences.length, d);
  forChunks(sequences, maxLen, forward, (s, packed, h) => {
    for (let b = 0; b < packed.lengths.length; b++) {
      const n = packed.lengths[b];
      z.data.set(n > 0 ? h.row(packed.starts[b] + n - 1) : empty, (s + b) * d);
    }
  });
  return z;
}

/**
 * `batch.sequences`, checked: present, one per row, every item in [0, nItems). Errors name the
 * model and the operation.
 */
export function batchSequences(where: string, batch: UserBatch, nItems: number): readonly Int32Array[] {
  const seqs = batch.sequences;
  if (!seqs)
    throw new Error(
      `${where}: the batch has no sequences (sequential models need UserBatch.sequences, one per row)`,
    );
  if (seqs.length !== batch.rows.rows)
    throw new RangeError(`${where}: ${seqs.length} sequences for ${batch.rows.rows} rows`);
  checkSequences(where, seqs, nItems);
  return seqs;
}
