import { kernels } from "../tensor/backend.js";
import type { Tape } from "../tensor/autograd/tape.js";
import { asVariable, type Input, type Variable } from "../tensor/autograd/variable.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import type { MfSamples } from "./mfLoss.js";

/**
 * The graph side of LightGCN (He et al. 2020): the symmetric-normalised user-item block, layer
 * propagation on the autograd tape, the BPR + L2 objective and the fold-in of unseen users.
 *
 * The bipartite adjacency A = [[0, R], [R^T, 0]] is normalised as D^-1/2 A D^-1/2; its only
 * non-zero block is R_hat (users x items) with R_hat_ui = 1 / sqrt(deg_u deg_i) for every stored
 * interaction (binary edges: the stored value is ignored, as MfSampler treats every stored entry as
 * a positive). One layer maps (U_k, I_k) to (R_hat I_k, R_hat^T U_k).
 */

/** Degrees of a binary interaction graph: stored entries per row (users) and per column (items). */
export interface GraphDegrees {
  readonly users: Float32Array;
  readonly items: Float32Array;
}

/** Stored entries per row and per column of `train`. */
export function graphDegrees(train: Csr): GraphDegrees {
  const users = new Float32Array(train.rows);
  const items = new Float32Array(train.cols);
  for (let u = 0; u < train.rows; u++) {
    users[u] = train.indptr[u + 1] - train.indptr[u];
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) items[train.indices[p]]++;
  }
  return { users, items };
}

/**
 * R_hat for the rows of `rows` (any users x items matrix): entry (u, i) = 1 / sqrt(d_u d_i) with
 * d_u the number of entries of row u that are counted and d_i = `itemDegree[i]`. Items of degree 0
 * (never seen in training) are dropped, and not counted in d_u, so their weight is 0 as in
 * D^-1/2 with 0^-1/2 := 0.
 */
export function normalisedAdjacency(rows: Csr, itemDegree: Float32Array): Csr {
  if (rows.cols !== itemDegree.length)
    throw new RangeError(
      `normalisedAdjacency: rows have ${rows.cols} item columns but ${itemDegree.length} item degrees`,
    );
  const indptr = new Int32Array(rows.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let u = 0; u < rows.rows; u++) {
    let du = 0;
    for (let p = rows.indptr[u]; p < rows.indptr[u + 1]; p++) if (itemDegree[rows.indices[p]] > 0) du++;
    for (let p = rows.indptr[u]; p < rows.indptr[u + 1]; p++) {
      const i = rows.indices[p];
      const di = itemDegree[i];
      if (di > 0) {
        idx.push(i);
        val.push(1 / Math.sqrt(du * di));
      }
    }
    indptr[u + 1] = idx.length;
  }
  return new Csr(rows.rows, rows.cols, indptr, Int32Array.from(idx), Float32Array.from(val));
}

/** Final embeddings of a propagation, plus the item layers I_0..I_{K-1} the fold-in needs. */
export interface Propagated {
  /** mean_{k=0..K} U_k (users x d). */
  readonly users: Variable;
  /** mean_{k=0..K} I_k (items x d). */
  readonly items: Variable;
  /** I_0 .. I_{K-1} (values only). */
  readonly itemLayers: Matrix[];
}

/**
 * K layers of LightGCN propagation over the whole graph on tape `t`, starting from the ego
 * embeddings `users` (U_0) and `items` (I_0): U_{k+1} = R_hat I_k (csrMm) and
 * I_{k+1} = R_hat^T U_k (csrTMm), both through the autograd `csrMatmul` op, so gradients reach
 * the ego embeddings of every node.
 */
export function propagate(t: Tape, rHat: Csr, users: Input, items: Input, layers: number): Propagated {
  let u = asVariable(users);
  let i = asVariable(items);
  const itemLayers: Matrix[] = [];
  let sumU = u;
  let sumI = i;
  for (let k = 0; k < layers; k++) {
    itemLayers.push(i.value);
    const nextU = t.csrMatmul(rHat, i);
    const nextI = t.csrMatmul(rHat, u, { transS: true });
    u = nextU;
    i = nextI;
    sumU = t.add(sumU, u);
    sumI = t.add(sumI, i);
  }
  const f = 1 / (layers + 1);
  return { users: t.scale(sumU, f), items: t.scale(sumI, f), itemLayers };
}

/**
 * LightGCN's objective for a batch of (user, positive, negative) triples:
 *
 *   mean_s softplus(-(e_u . e_i - e_u . e_j)) + reg/2 * mean_s (|u0_u|^2 + |i0_i|^2 + |i0_j|^2)
 *
 * with e the propagated (final) embeddings and u0, i0 the ego embeddings (the L2 term of the
 * paper's reference code, which regularises only the ego embeddings of the batch).
 */
export function lightGcnLoss(
  t: Tape,
  final: { readonly users: Input; readonly items: Input },
  ego: { readonly users: Input; readonly items: Input },
  samples: MfSamples,
  reg: number,
): Variable {
  const neg = samples.negatives;
  if (!neg) throw new Error("lightGcnLoss: samples need negatives (BPR triples)");
  const n = samples.users.length;
  if (samples.items.length !== n || neg.length !== n)
    throw new RangeError(
      `lightGcnLoss: ${n} users, ${samples.items.length} positives and ${neg.length} negatives`,
    );
  const eu = t.embedding(final.users, samples.users);
  const diff = t.sub(t.embedding(final.items, samples.items), t.embedding(final.items, neg));
  const bpr = t.mean(t.softplus(t.neg(t.sumRows(t.mul(eu, diff)))));
  if (reg === 0) return bpr;
  const sq = t.add(
    t.sum(t.square(t.embedding(ego.users, samples.users))),
    t.add(
      t.sum(t.square(t.embedding(ego.items, samples.items))),
      t.sum(t.square(t.embedding(ego.items, neg))),
    ),
  );
  return t.add(bpr, t.scale(sq, reg / (2 * n)));
}

/**
 * Fold-in of users outside the training graph. A training user's final embedding is
 * (U_0 + R_hat I_0 + ... + R_hat I_{K-1}) / (K + 1); an unseen user has no ego embedding U_0, so
 * its embedding is the mean of the K propagated terms, (1/K) sum_{k<K} r_hat I_k, with r_hat its
 * normalised interaction row (see `normalisedAdjacency`; training item degrees) and I_k the item
 * layers of the fitted model (treating the graph's item side as fixed). Users with no known items
 * get the zero vector.
 */
export function foldInUsers(rows: Csr, itemDegree: Float32Array, itemLayers: readonly Matrix[]): Matrix {
  const K = kernels();
  const d = itemLayers[0].cols;
  const norm = normalisedAdjacency(rows, itemDegree);
  const out = new Matrix(rows.rows, d);
  itemLayers.forEach((layer, k) => K.csrMm(norm, layer, out, 1 / itemLayers.length, k === 0 ? 0 : 1));
  return out;
}
