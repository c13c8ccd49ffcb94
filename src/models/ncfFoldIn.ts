import { Tape, param } from "../tensor/autograd/index.js";
import { kernels } from "../tensor/backend.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { ncfLogits, type NcfHead } from "./ncfHead.js";

/** Settings of the NeuMF fold-in of unseen users. */
export interface NcfFoldInSettings {
  /** Adam steps on the user representation (0: the item-profile average only). */
  readonly steps: number;
  readonly lr: number;
  /** Negatives per observed item. */
  readonly negatives: number;
}

/** Target (user, item) pairs per fold-in tape. */
const PAIRS_PER_CHUNK = 1 << 15;
/** Candidate draws before a negative that is one of the user's items is accepted. */
const MAX_TRIES = 32;

/**
 * Item profiles: row i is the mean representation [g_u | m_u] of the training users of item i
 * (binary edges); items nobody trained on get the mean over all users. `users` is users x width.
 */
export function ncfItemProfiles(train: Csr, users: Matrix): Matrix {
  const bin = new Float32Array(train.nnz).fill(1);
  const edges = new Csr(train.rows, train.cols, train.indptr, train.indices, bin);
  const out = kernels().csrTMm(edges, users);
  const deg = new Float32Array(train.cols);
  for (let p = 0; p < train.nnz; p++) deg[train.indices[p]]++;
  const mean = new Float32Array(users.cols);
  for (let u = 0; u < users.rows; u++) {
    const r = users.row(u);
    for (let k = 0; k < r.length; k++) mean[k] += r[k] / users.rows;
  }
  for (let i = 0; i < train.cols; i++) {
    const row = out.row(i);
    if (deg[i] > 0) for (let k = 0; k < row.length; k++) row[k] /= deg[i];
    else row.set(mean);
  }
  return out;
}

/** A seed from the row's items (FNV-1a), so a user's negatives do not depend on the batch. */
function rowSeed(items: Int32Array): number {
  let h = 0x811c9dc5;
  for (const i of items) {
    h = Math.imul(h ^ (i & 0xffff), 0x01000193);
    h = Math.imul(h ^ (i >>> 16), 0x01000193);
  }
  return h >>> 0;
}

/** The labelled (row, item) pairs of the fold-in objective. */
export interface FoldInPairs {
  /** Row of `rows` each pair belongs to. */
  readonly pairUser: Int32Array;
  readonly pairItem: Int32Array;
  readonly labels: Float32Array;
}

/**
 * For each row: every item of the row (label 1), each followed by `negatives` items drawn
 * uniformly among the items not in the row (label 0; a row holding every item takes its own),
 * from an Rng seeded by the row's items. `mark` is an all-zero scratch array of nItems entries.
 */
export function foldInPairs(
  rows: Csr,
  nItems: number,
  negatives: number,
  mark = new Uint8Array(nItems),
): FoldInPairs {
  const pairs = rows.nnz * (1 + negatives);
  const pairUser = new Int32Array(pairs);
  const pairItem = new Int32Array(pairs);
  const labels = new Float32Array(pairs);
  let w = 0;
  for (let u = 0; u < rows.rows; u++) {
    const own = rows.rowIndices(u);
    for (const i of own) mark[i] = 1;
    const rng = new Rng(rowSeed(own));
    const allMine = own.length >= nItems;
    for (const i of own) {
      pairUser[w] = u;
      pairItem[w] = i;
      labels[w++] = 1;
      for (let k = 0; k < negatives; k++) {
        let j = rng.int(nItems);
        for (let tries = 1; tries < MAX_TRIES && mark[j] && !allMine; tries++) j = rng.int(nItems);
        pairUser[w] = u;
        pairItem[w++] = j;
      }
    }
    for (const i of own) mark[i] = 0;
  }
  return { pairUser, pairItem, labels };
}

/**
 * Fold-in of users outside the training set for NeuMF, with the head and the item tables frozen:
 *
 * 1. start: u0 = mean of the item profiles (`ncfItemProfiles`) of the user's items (the mean
 *    profile of all items for an empty row);
 * 2. refine: `steps` Adam steps (lr `lr`) on the summed BCE of the user's items (label 1) and
 *    `negatives` per item drawn uniformly among the other items (label 0), with the negatives
 *    seeded by the row's content, so the result does not depend on the batch or on call order.
 *
 * Each user's coordinates receive gradient only from its own pairs and Adam is elementwise, so
 * users are folded in independently; they are processed in chunks of about 32K pairs.
 */
export function ncfFoldIn(
  rows: Csr,
  head: NcfHead<Matrix>,
  items: Matrix,
  profiles: Matrix,
  s: NcfFoldInSettings,
): Matrix {
  const K = kernels();
  const width = items.cols;
  const nItems = items.rows;
  const out = new Matrix(rows.rows, width);
  const colMean = new Float32Array(width);
  for (let i = 0; i < nItems; i++) {
    const r = profiles.row(i);
    for (let k = 0; k < width; k++) colMean[k] += r[k] / nItems;
  }
  for (let u = 0; u < rows.rows; u++) {
    const n = rows.rowNnz(u);
    const dst = out.row(u);
    if (n === 0) {
      dst.set(colMean);
      continue;
    }
    for (const i of rows.rowIndices(u)) {
      const r = profiles.row(i);
      for (let k = 0; k < width; k++) dst[k] += r[k] / n;
    }
  }
  if (s.steps === 0) return out;
  const mark = new Uint8Array(nItems);
  let start = 0;
  while (start < rows.rows) {
    let end = start;
    let pairs = 0;
    while (
      end < rows.rows &&
      (end === start || pairs + rows.rowNnz(end) * (1 + s.negatives) <= PAIRS_PER_CHUNK)
    ) {
      pairs += rows.rowNnz(end) * (1 + s.negatives);
      end++;
    }
    const { pairUser, pairItem, labels } = foldInPairs(rows.rowRange(start, end), nItems, s.negatives, mark);
    if (pairs === 0) {
      start = end;
      continue;
    }
    const v = param(out.rowRange(start, end).clone(), "foldIn");
    const itemRows = items.gatherRows(pairItem);
    const target = new Matrix(pairs, 1, labels);
    const m = new Float32Array(v.value.size);
    const sq = new Float32Array(v.value.size);
    for (let step = 1; step <= s.steps; step++) {
      const t = new Tape();
      const loss = t.bceWithLogits(ncfLogits(t, head, t.embedding(v, pairUser), itemRows), target, "sum");
      t.backward(loss);
      const g = v.grad as Matrix;
      K.adamUpdate(v.value.data, g.data, m, sq, {
        lr: s.lr,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        decoupled: false,
        step,
      });
      g.data.fill(0);
    }
    out.data.set(v.value.data, start * width);
    start = end;
  }
  return out;
}
