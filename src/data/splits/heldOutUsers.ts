import type { Csr } from "../../tensor/csr.js";
import { Rng } from "../../tensor/rng.js";
import type { Dataset } from "../types.js";
import { CsrRowBuilder, checkFraction, checkInt, randomMask } from "./rowBuilder.js";

/** Options of the held-out-users ("strong generalisation") split. */
export interface HeldOutUsersOptions {
  readonly seed: number;
  /** Share of eligible users held out for validation (default 0.1). */
  readonly valFraction?: number;
  /** Share of eligible users held out for testing (default 0.1). */
  readonly testFraction?: number;
  /** Share of a held-out user's interactions given to the model as input (default 0.8). */
  readonly foldInFraction?: number;
  /**
   * Users with fewer interactions than this are never held out (default 5, as in Liang et al.
   * 2018); must be >= 2 so that fold-in and target are both non-empty.
   */
  readonly minInteractions?: number;
  /** What happens to those small users: kept as training users (default) or dropped entirely. */
  readonly smallUsers?: "train" | "drop";
}

/** One held-out partition: row r of `foldIn` and `target` belongs to dataset user `users[r]`. */
export interface HeldOutPart {
  /** Dataset user indices, ascending. */
  readonly users: Int32Array;
  /** users x all items: the interactions the model sees (excluded from ranking at evaluation). */
  readonly foldIn: Csr;
  /** users x all items: the interactions to predict; never empty, disjoint from `foldIn`. */
  readonly target: Csr;
}

/** Result of {@link heldOutUsersSplit}. */
export interface HeldOutUsersSplit {
  /** Dataset user indices of the training rows, ascending. */
  readonly trainUsers: Int32Array;
  /** trainUsers x all items, the training users' full interaction rows. */
  readonly train: Csr;
  readonly validation: HeldOutPart;
  readonly test: HeldOutPart;
  /** Users below `minInteractions`, ascending (in `trainUsers` or dropped, per `smallUsers`). */
  readonly smallUsers: Int32Array;
}

/**
 * Held-out users split (Liang et al. 2018, "strong generalisation"). Users with at least
 * `minInteractions` interactions are shuffled (seeded) and divided: round(testFraction * n) test
 * users, round(valFraction * n) validation users, the rest train, where n counts eligible users
 * only. Users below the minimum always go to train (or are dropped with `smallUsers: "drop"`).
 * Each held-out user's interactions are split at random: the target receives
 * round((1 - foldInFraction) * count) of them, clamped to [1, count - 1], the fold-in the rest.
 * Columns always span all dataset items; items are never filtered.
 */
export function heldOutUsersSplit(dataset: Dataset, opts: HeldOutUsersOptions): HeldOutUsersSplit {
  const valFraction = opts.valFraction ?? 0.1;
  const testFraction = opts.testFraction ?? 0.1;
  const foldInFraction = opts.foldInFraction ?? 0.8;
  const minInteractions = opts.minInteractions ?? 5;
  checkFraction("heldOutUsersSplit: valFraction", valFraction, 0, 1);
  checkFraction("heldOutUsersSplit: testFraction", testFraction, 0, 1);
  if (valFraction + testFraction > 1) {
    throw new RangeError(
      `heldOutUsersSplit: valFraction + testFraction = ${valFraction + testFraction} exceeds 1`,
    );
  }
  if (!(foldInFraction > 0 && foldInFraction < 1)) {
    throw new RangeError(`heldOutUsersSplit: foldInFraction must be in (0, 1), got ${foldInFraction}`);
  }
  checkInt("heldOutUsersSplit: minInteractions", minInteractions, 2);
  const m = dataset.matrix;

  const eligible: number[] = [];
  const small: number[] = [];
  for (let u = 0; u < m.rows; u++) (m.rowNnz(u) >= minInteractions ? eligible : small).push(u);

  const rng = new Rng(opts.seed);
  const userRng = rng.fork();
  const itemRng = rng.fork();
  const perm = userRng.permutation(eligible.length);
  const nTest = Math.round(testFraction * eligible.length);
  const nVal = Math.min(Math.round(valFraction * eligible.length), eligible.length - nTest);
  const role = new Int8Array(m.rows); // 0 train, 1 validation, 2 test, 3 dropped
  for (let t = 0; t < perm.length; t++) role[eligible[perm[t]]] = t < nTest ? 2 : t < nTest + nVal ? 1 : 0;
  if (opts.smallUsers === "drop") for (const u of small) role[u] = 3;

  const trainUsers: number[] = [];
  const train = new CsrRowBuilder(m.cols, m.nnz);
  const parts = [1, 2].map(() => ({
    users: [] as number[],
    foldIn: new CsrRowBuilder(m.cols),
    target: new CsrRowBuilder(m.cols),
  }));
  const next = (bound: number): number => itemRng.int(bound);
  for (let u = 0; u < m.rows; u++) {
    const idx = m.rowIndices(u);
    const val = m.rowValues(u);
    if (role[u] === 0) {
      trainUsers.push(u);
      train.startRow();
      for (let p = 0; p < idx.length; p++) train.push(idx[p], val[p]);
    } else if (role[u] !== 3) {
      const part = parts[role[u] - 1];
      const n = idx.length;
      const nTarget = Math.min(n - 1, Math.max(1, Math.round((1 - foldInFraction) * n)));
      const isTarget = randomMask(n, nTarget, next);
      part.users.push(u);
      part.foldIn.startRow();
      part.target.startRow();
      for (let p = 0; p < n; p++) (isTarget[p] ? part.target : part.foldIn).push(idx[p], val[p]);
    }
  }
  const toPart = (p: (typeof parts)[number]): HeldOutPart => ({
    users: Int32Array.from(p.users),
    foldIn: p.foldIn.build(),
    target: p.target.build(),
  });
  return {
    trainUsers: Int32Array.from(trainUsers),
    train: train.build(),
    validation: toPart(parts[0]),
    test: toPart(parts[1]),
    smallUsers: Int32Array.from(small),
  };
}
