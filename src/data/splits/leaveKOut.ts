import type { Csr } from "../../tensor/csr.js";
import { Rng } from "../../tensor/rng.js";
import type { Dataset } from "../types.js";
import { CsrRowBuilder, checkInt, checkTimestamps, randomPick } from "./rowBuilder.js";

/** Options of the leave-k-out split. */
export interface LeaveKOutOptions {
  readonly seed: number;
  /** Interactions held out per user for testing (default 5). */
  readonly k?: number;
  /** Further interactions held out per user for validation (default 0: no validation set). */
  readonly valK?: number;
  /** "random" (default) or "recent": the latest by timestamp (needs `dataset.timestamps`). */
  readonly order?: "random" | "recent";
}

/** Result of {@link leaveKOutSplit}: three disjoint users x items matrices whose sum is the data. */
export interface LeaveKOutSplit {
  readonly train: Csr;
  readonly validation: Csr;
  readonly test: Csr;
  /** Users that received a test set (more than k interactions), ascending. */
  readonly testUsers: Int32Array;
  /** Users that received a validation set (more than k + valK interactions), ascending. */
  readonly validationUsers: Int32Array;
}

/**
 * Leave-k-out per user, all users kept as rows. A user with more than k interactions gives k of them
 * to test, and, if they have more than k + valK, valK more to validation; so every user keeps at
 * least one training interaction, and users with <= k interactions keep everything in train (empty
 * test row). With "random" the held-out entries are drawn uniformly (seeded); with "recent" test
 * gets the k latest timestamps and validation the next valK, ties in timestamp broken by stored
 * order (a later position in the row, i.e. a higher item index, counts as more recent).
 */
export function leaveKOutSplit(dataset: Dataset, opts: LeaveKOutOptions): LeaveKOutSplit {
  const k = opts.k ?? 5;
  const valK = opts.valK ?? 0;
  const order = opts.order ?? "random";
  checkInt("leaveKOutSplit: k", k, 1);
  checkInt("leaveKOutSplit: valK", valK, 0);
  const m = dataset.matrix;
  const ts = dataset.timestamps;
  if (order === "recent") {
    if (!ts)
      throw new RangeError(
        `leaveKOutSplit: order "recent" needs timestamps, dataset "${dataset.name}" has none`,
      );
    checkTimestamps("leaveKOutSplit", ts, m.nnz);
  } else if (order !== "random") {
    throw new RangeError(`leaveKOutSplit: order must be "random" or "recent", got "${String(order)}"`);
  }
  const rng = new Rng(opts.seed);
  const next = (bound: number): number => rng.int(bound);
  const train = new CsrRowBuilder(m.cols, m.nnz);
  const validation = new CsrRowBuilder(m.cols);
  const test = new CsrRowBuilder(m.cols);
  const builders = [train, validation, test];
  const testUsers: number[] = [];
  const validationUsers: number[] = [];
  for (let u = 0; u < m.rows; u++) {
    const start = m.indptr[u];
    const n = m.rowNnz(u);
    const nTest = n > k ? k : 0;
    const nVal = n > k + valK ? valK : 0;
    // role: 0 train, 1 validation, 2 test
    const role = new Uint8Array(n);
    if (nTest > 0) {
      if (order === "recent") {
        const byTime = Array.from({ length: n }, (_, p) => p);
        byTime.sort((a, b) => (ts as Float64Array)[start + b] - (ts as Float64Array)[start + a] || b - a);
        for (let t = 0; t < nTest + nVal; t++) role[byTime[t]] = t < nTest ? 2 : 1;
      } else {
        const picked = randomPick(n, nTest + nVal, next);
        for (let t = 0; t < picked.length; t++) role[picked[t]] = t < nTest ? 2 : 1;
      }
      testUsers.push(u);
      if (nVal > 0) validationUsers.push(u);
    }
    train.startRow();
    validation.startRow();
    test.startRow();
    const idx = m.rowIndices(u);
    const val = m.rowValues(u);
    for (let p = 0; p < n; p++) builders[role[p]].push(idx[p], val[p]);
  }
  return {
    train: train.build(),
    validation: validation.build(),
    test: test.build(),
    testUsers: Int32Array.from(testUsers),
    validationUsers: Int32Array.from(validationUsers),
  };
}
