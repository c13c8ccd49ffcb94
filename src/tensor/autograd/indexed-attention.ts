import { Matrix } from "../matrix.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Which rows of the key/value tables each query row attends to: row i uses table rows
 * `ids[i * slots + j]` for j < slots; -1 marks an empty slot (masked out). Rows may share ids
 * (e.g. every row attending to the same few public intents).
 */
export interface AttentionSlots {
  /** Slots per query row. */
  readonly slots: number;
  /** rows x slots table indices, -1 = empty. */
  readonly ids: Int32Array;
}

/** Checks the slot table against `rows` query rows and a table of `tableRows` rows. */
function checkSlots(s: AttentionSlots, rows: number, tableRows: number): void {
  if (!(Number.isInteger(s.slots) && s.slots >= 1))
    throw new RangeError(`indexedAttention: slots must be a positive integer, got ${s.slots}`);
  if (s.ids.length !== rows * s.slots)
    throw new RangeError(
      `indexedAttention: ${s.ids.length} slot ids for ${rows} rows x ${s.slots} slots (expected ${rows * s.slots})`,
    );
  for (let t = 0; t < s.ids.length; t++) {
    const id = s.ids[t];
    if (!(id === -1 || (id >= 0 && id < tableRows)))
      throw new RangeError(
        `indexedAttention: row ${Math.floor(t / s.slots)} slot ${t % s.slots} names table row ${id}, outside [0, ${tableRows}) (use -1 for an empty slot)`,
      );
  }
}

/**
 * Attention weights of {@link indexedAttention} without recording anything: a rows x heads x slots
 * array (row-major; 0 for empty slots; all zeros for a row without any filled slot).
 */
export function indexedAttentionWeights(
  q: Matrix,
  keys: Matrix,
  slots: AttentionSlots,
  heads: number,
): Float32Array {
  const { rows, cols: d } = q;
  if (keys.cols !== d)
    throw new RangeError(`indexedAttention: queries are ${q.shape} but keys are ${keys.shape}`);
  if (!(Number.isInteger(heads) && heads >= 1 && d % heads === 0))
    throw new RangeError(
      `indexedAttention: heads must be a positive divisor of the width ${d}, got ${heads}`,
    );
  checkSlots(slots, rows, keys.rows);
  const k = slots.slots;
  const dk = d / heads;
  const scale = 1 / Math.sqrt(dk);
  const qd = q.data;
  const kd = keys.data;
  const ids = slots.ids;
  const probs = new Float32Array(rows * heads * k);
  for (let i = 0; i < rows; i++) {
    for (let h = 0; h < heads; h++) {
      const po = (i * heads + h) * k;
      const qo = i * d + h * dk;
      let mx = -Infinity;
      for (let j = 0; j < k; j++) {
        const id = ids[i * k + j];
        if (id < 0) continue;
        const ko = id * d + h * dk;
        let s = 0;
        for (let c = 0; c < dk; c++) s += qd[qo + c] * kd[ko + c];
        s *= scale;
        probs[po + j] = s;
        if (s > mx) mx = s;
      }
      if (mx === -Infinity) continue; // no filled slot: weights stay 0
      let sum = 0;
      for (let j = 0; j < k; j++) {
        if (ids[i * k + j] < 0) continue;
        const e = Math.exp(probs[po + j] - mx);
        probs[po + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < k; j++) probs[po + j] = ids[i * k + j] < 0 ? 0 : probs[po + j] * inv;
    }
  }
  return probs;
}

/**
 * Multi-head scaled dot-product attention of every query row over its own few rows of a key and a
 * value table (e.g. sequence states attending to a user's retrieved intents). For row i and head h
 * (columns [h dk, (h+1) dk), dk = d / heads):
 *
 *   p_ihj = softmax_j( q_i^h . K[s_ij]^h / sqrt(dk) )   over the filled slots j of row i
 *   out_i^h = sum_j p_ihj V[s_ij]^h
 *
 * Empty slots (-1) are masked; a row with no filled slot outputs 0 and passes no gradient. Gradients
 * flow to q, K and V (K and V rows accumulate over every row and slot naming them). The work is
 * rows x slots x d, small next to the sequence branch, so it runs as plain loops.
 */
export function indexedAttention(
  r: Recorder,
  qIn: Input,
  kIn: Input,
  vIn: Input,
  slots: AttentionSlots,
  heads: number,
): Variable {
  const q = asVariable(qIn);
  const kv = asVariable(kIn);
  const v = asVariable(vIn);
  if (v.rows !== kv.rows || v.cols !== kv.cols)
    throw new RangeError(`indexedAttention: keys are ${kv.shape} but values are ${v.shape}`);
  const probs = indexedAttentionWeights(q.value, kv.value, slots, heads);
  const { rows, cols: d } = q.value;
  const k = slots.slots;
  const dk = d / heads;
  const scale = 1 / Math.sqrt(dk);
  const ids = slots.ids;
  const out = new Matrix(rows, d);
  const od = out.data;
  const vd = v.value.data;
  for (let i = 0; i < rows; i++) {
    for (let h = 0; h < heads; h++) {
      const po = (i * heads + h) * k;
      const oo = i * d + h * dk;
      for (let j = 0; j < k; j++) {
        const p = probs[po + j];
        if (p === 0) continue;
        const vo = ids[i * k + j] * d + h * dk;
        for (let c = 0; c < dk; c++) od[oo + c] += p * vd[vo + c];
      }
    }
  }
  return r.record(out, [q, kv, v], (g) => {
    const gd = g.data;
    const qd = q.value.data;
    const kd = kv.value.data;
    const dq = q.requiresGrad ? gradOf(q).data : null;
    const dK = kv.requiresGrad ? gradOf(kv).data : null;
    const dV = v.requiresGrad ? gradOf(v).data : null;
    const dp = new Float64Array(k);
    for (let i = 0; i < rows; i++) {
      for (let h = 0; h < heads; h++) {
        const po = (i * heads + h) * k;
        const go = i * d + h * dk;
        let dot = 0;
        for (let j = 0; j < k; j++) {
          const p = probs[po + j];
          dp[j] = 0;
          if (p === 0) continue;
          const vo = ids[i * k + j] * d + h * dk;
          let s = 0;
          for (let c = 0; c < dk; c++) {
            s += gd[go + c] * vd[vo + c];
            if (dV) dV[vo + c] += p * gd[go + c];
          }
          dp[j] = s;
          dot += p * s;
        }
        if (!dq && !dK) continue;
        for (let j = 0; j < k; j++) {
          const p = probs[po + j];
          if (p === 0) continue;
          const ds = p * (dp[j] - dot) * scale;
          const ko = ids[i * k + j] * d + h * dk;
          for (let c = 0; c < dk; c++) {
            if (dq) dq[go + c] += ds * kd[ko + c];
            if (dK) dK[ko + c] += ds * qd[go + c];
          }
        }
      }
    }
  });
}
