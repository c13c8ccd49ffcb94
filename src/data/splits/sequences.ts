import { Csr } from "../../tensor/csr.js";
import type { Dataset } from "../types.js";
import { CsrRowBuilder, checkTimestamps } from "./rowBuilder.js";

/** Options of the sequential leave-one-out split. */
export interface SequenceSplitOptions {
  /** Hold out the second-to-last item for validation (default true). */
  readonly validation?: boolean;
}

/** Result of {@link leaveOneOutSequences}; arrays are indexed by dataset user. */
export interface SequenceSplit {
  readonly nItems: number;
  /** Each user's training sequence, oldest first. */
  readonly train: Int32Array[];
  /** Validation target per user (second-to-last item), -1 when the user has none. */
  readonly validation: Int32Array;
  /** Test target per user (last item), -1 when the user has none. */
  readonly test: Int32Array;
}

/**
 * Leave-one-out on time-ordered sequences (the SASRec protocol). Each user's interactions are
 * ordered by timestamp, ties broken stably by stored order (ascending item index, since the dataset
 * keeps one entry per user-item pair). The last item is the test target and the one before it the
 * validation target. Users with fewer than 3 interactions (2 without validation) keep their whole
 * sequence in train and have no targets (-1), following Kang & McAuley 2018.
 */
export function leaveOneOutSequences(dataset: Dataset, opts: SequenceSplitOptions = {}): SequenceSplit {
  const withVal = opts.validation ?? true;
  const m = dataset.matrix;
  const ts = dataset.timestamps;
  if (!ts) throw new RangeError(`leaveOneOutSequences: dataset "${dataset.name}" has no timestamps`);
  checkTimestamps("leaveOneOutSequences", ts, m.nnz);
  const minLen = withVal ? 3 : 2;
  const train: Int32Array[] = [];
  const validation = new Int32Array(m.rows).fill(-1);
  const test = new Int32Array(m.rows).fill(-1);
  for (let u = 0; u < m.rows; u++) {
    const seq = timeOrderedItems(dataset, u);
    const n = seq.length;
    if (n < minLen) {
      train.push(seq);
      continue;
    }
    test[u] = seq[n - 1];
    if (withVal) validation[u] = seq[n - 2];
    train.push(seq.slice(0, n - (withVal ? 2 : 1)));
  }
  return { nItems: m.cols, train, validation, test };
}

/**
 * Dataset user `u`'s items ordered by timestamp, ties broken by stored order (ascending item index).
 * Throws when the dataset has no timestamps.
 */
export function timeOrderedItems(dataset: Dataset, u: number): Int32Array {
  const m = dataset.matrix;
  const ts = dataset.timestamps;
  if (!ts) throw new RangeError(`dataset "${dataset.name}" has no timestamps, so it has no time order`);
  const start = m.indptr[u];
  const order = Array.from({ length: m.rowNnz(u) }, (_, p) => p);
  order.sort((a, b) => ts[start + a] - ts[start + b] || a - b);
  return Int32Array.from(order, (p) => m.indices[start + p]);
}

/**
 * The input history for predicting `stage`'s target of each user: the training sequence for
 * validation, the training sequence plus the validation item for test.
 */
export function sequenceInputs(split: SequenceSplit, stage: "validation" | "test"): Int32Array[] {
  if (stage === "validation") return split.train;
  return split.train.map((seq, u) => {
    const v = split.validation[u];
    if (v < 0) return seq;
    const out = new Int32Array(seq.length + 1);
    out.set(seq);
    out[seq.length] = v;
    return out;
  });
}

/** Users x items 0/1 matrix of the items in each sequence (e.g. history to exclude from ranking). */
export function sequencesToCsr(seqs: readonly Int32Array[], nItems: number): Csr {
  const b = new CsrRowBuilder(nItems);
  for (const seq of seqs) {
    const items = Array.from(new Set(seq)).sort((x, y) => x - y);
    b.startRow();
    for (const i of items) {
      if (i < 0 || i >= nItems) throw new RangeError(`sequencesToCsr: item ${i} out of range [0, ${nItems})`);
      b.push(i, 1);
    }
  }
  return b.build();
}

/** Users x items matrix with a single 1 per user at the target item (-1 gives an empty row). */
export function targetsToCsr(targets: Int32Array, nItems: number): Csr {
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < targets.length; u++) {
    if (targets[u] >= 0) {
      rows.push(u);
      cols.push(targets[u]);
    }
  }
  return Csr.fromTriplets(targets.length, nItems, rows, cols);
}
