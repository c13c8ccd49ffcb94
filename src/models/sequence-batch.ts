import type { Segments } from "../tensor/autograd/attention.js";

/**
 * A batch of item sequences packed row by row for a sequential model: sequence b occupies rows
 * [starts[b], starts[b] + lengths[b]) (oldest first, back to back, no padding rows). Each row has
 * its item id and its position index in a left-padded window of `maxLen` positions (the last item
 * of every sequence is at position maxLen - 1, as in SASRec's left padding), so running a model on
 * the packed rows gives exactly what it gives at the non-padding positions of the padded batch.
 */
export interface PackedSequences extends Segments {
  /** Number of rows (non-padding positions). */
  readonly rows: number;
  /** Input item id of each row. */
  readonly items: Int32Array;
  /** Position index of each row, in [0, maxLen). */
  readonly positions: Int32Array;
  /** Training only: the next item of each row (the target), else null. */
  readonly targets: Int32Array | null;
}

/** Throws naming the sequence, position and item unless every item is an integer in [0, nItems). */
export function checkSequences(where: string, seqs: readonly Int32Array[], nItems: number): void {
  for (let b = 0; b < seqs.length; b++) {
    const s = seqs[b];
    for (let j = 0; j < s.length; j++) {
      const it = s[j];
      if (!(it >= 0 && it < nItems))
        throw new RangeError(
          `${where}: sequence ${b} has item ${it} at position ${j}, outside [0, ${nItems})`,
        );
    }
  }
}

function pack(
  seqs: readonly Int32Array[],
  pick: ArrayLike<number>,
  maxLen: number,
  training: boolean,
): PackedSequences {
  const B = pick.length;
  const starts = new Int32Array(B);
  const lengths = new Int32Array(B);
  let rows = 0;
  for (let b = 0; b < B; b++) {
    const m = seqs[pick[b]].length - (training ? 1 : 0);
    const n = Math.max(0, Math.min(maxLen, m));
    starts[b] = rows;
    lengths[b] = n;
    rows += n;
  }
  const items = new Int32Array(rows);
  const positions = new Int32Array(rows);
  const targets = training ? new Int32Array(rows) : null;
  for (let b = 0; b < B; b++) {
    const s = seqs[pick[b]];
    const n = lengths[b];
    const o = starts[b];
    // Inputs are the n items before the last (training) or the last n items (inference).
    const first = s.length - n - (training ? 1 : 0);
    for (let j = 0; j < n; j++) {
      items[o + j] = s[first + j];
      positions[o + j] = maxLen - n + j;
      if (targets) targets[o + j] = s[first + j + 1];
    }
  }
  return { rows, starts, lengths, items, positions, targets };
}

/**
 * The last `maxLen` items of each picked sequence (all sequences when `pick` is omitted), for
 * encoding. Empty sequences become empty segments.
 */
export function packSequences(
  seqs: readonly Int32Array[],
  maxLen: number,
  pick?: ArrayLike<number>,
): PackedSequences {
  return pack(seqs, pick ?? Array.from({ length: seqs.length }, (_, i) => i), maxLen, false);
}

/**
 * Training rows of the picked sequences: inputs s[0 .. m-2] and targets s[1 .. m-1] (each position
 * predicts the next item), keeping the last `maxLen` of them. Sequences shorter than 2 give empty
 * segments.
 */
export function packTraining(
  seqs: readonly Int32Array[],
  maxLen: number,
  pick: ArrayLike<number>,
): PackedSequences {
  return pack(seqs, pick, maxLen, true);
}
