import type { Matrix } from "../tensor/matrix.js";

/**
 * Matrix-factorisation objectives with hand-written gradients. Score of user u for item i:
 * s(u, i) = P_u . Q_i + itemBias_i + userBias_u (biases optional).
 *
 * - BPR (Rendle et al. 2009): samples (u, i, j) with i observed and j a negative;
 *   loss = mean_s [ softplus(-(s_ui - s_uj)) + reg/2 (|P_u|^2 + |Q_i|^2 + |Q_j|^2 + b_i^2 + b_j^2) ].
 *   The user bias cancels in s_ui - s_uj and gets no gradient.
 * - BCE: samples (u, i, y), y in {0, 1};
 *   loss = mean_s [ softplus(s) - y s + reg/2 (|P_u|^2 + |Q_i|^2 + b_i^2 + c_u^2) ].
 */

/** Trainable MF parameters. */
export interface MfParams {
  /** users x d */
  readonly p: Matrix;
  /** items x d */
  readonly q: Matrix;
  readonly userBias: Float32Array | null;
  readonly itemBias: Float32Array | null;
}

/** A batch of training samples: BPR when `negatives` is set, BCE when `labels` is set. */
export interface MfSamples {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly negatives?: Int32Array;
  readonly labels?: Float32Array;
}

/** log(1 + e^x), computed without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** 1 / (1 + e^-x). */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function rowDot(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/**
 * Mean loss of `samples` under `params` with L2 weight `reg`. When `grads` (same shapes as
 * params) is given, the gradient is ADDED into it (callers zero the rows they touched).
 */
export function mfLoss(params: MfParams, samples: MfSamples, reg: number, grads?: MfParams): number {
  const { p, q, userBias, itemBias } = params;
  const d = p.cols;
  const n = samples.users.length;
  if (samples.items.length !== n)
    throw new RangeError(`mfLoss: ${n} users but ${samples.items.length} items`);
  const bpr = samples.negatives !== undefined;
  if (bpr === (samples.labels !== undefined))
    throw new Error("mfLoss: give exactly one of negatives (BPR) or labels (BCE)");
  if (n === 0) return 0;
  const P = p.data;
  const Q = q.data;
  const inv = 1 / n;
  let total = 0;
  for (let s = 0; s < n; s++) {
    const u = samples.users[s];
    const i = samples.items[s];
    const uo = u * d;
    const io = i * d;
    let sq = rowDot(P, uo, P, uo, d) + rowDot(Q, io, Q, io, d);
    if (bpr) {
      const j = (samples.negatives as Int32Array)[s];
      const jo = j * d;
      let x = 0;
      for (let k = 0; k < d; k++) x += P[uo + k] * (Q[io + k] - Q[jo + k]);
      if (itemBias) {
        x += itemBias[i] - itemBias[j];
        sq += itemBias[i] ** 2 + itemBias[j] ** 2;
      }
      sq += rowDot(Q, jo, Q, jo, d);
      total += softplus(-x) + 0.5 * reg * sq;
      if (grads) {
        const g = -sigmoid(-x) * inv; // d loss / d x
        const r = reg * inv;
        const GP = grads.p.data;
        const GQ = grads.q.data;
        for (let k = 0; k < d; k++) {
          const pu = P[uo + k];
          GP[uo + k] += g * (Q[io + k] - Q[jo + k]) + r * pu;
          GQ[io + k] += g * pu + r * Q[io + k];
          GQ[jo + k] += -g * pu + r * Q[jo + k];
        }
        if (itemBias && grads.itemBias) {
          grads.itemBias[i] += g + r * itemBias[i];
          grads.itemBias[j] += -g + r * itemBias[j];
        }
      }
    } else {
      const y = (samples.labels as Float32Array)[s];
      let logit = rowDot(P, uo, Q, io, d);
      if (itemBias) {
        logit += itemBias[i];
        sq += itemBias[i] ** 2;
      }
      if (userBias) {
        logit += userBias[u];
        sq += userBias[u] ** 2;
      }
      total += softplus(logit) - y * logit + 0.5 * reg * sq;
      if (grads) {
        const g = (sigmoid(logit) - y) * inv;
        const r = reg * inv;
        const GP = grads.p.data;
        const GQ = grads.q.data;
        for (let k = 0; k < d; k++) {
          const pu = P[uo + k];
          GP[uo + k] += g * Q[io + k] + r * pu;
          GQ[io + k] += g * pu + r * Q[io + k];
        }
        if (itemBias && grads.itemBias) grads.itemBias[i] += g + r * itemBias[i];
        if (userBias && grads.userBias) grads.userBias[u] += g + r * userBias[u];
      }
    }
  }
  return total * inv;
}
