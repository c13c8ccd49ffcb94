import { Matrix } from "../matrix.js";
import { gradOf } from "./grad.js";
import { sharedBackward, sharedForward } from "./indexed-attention-shared.js";
import { sparseBackward, sparseForward } from "./indexed-attention-sparse.js";
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

/** Checks widths, heads and the slot table of an indexed attention call. */
function checkShapes(q: Matrix, keys: Matrix, slots: AttentionSlots, heads: number): void {
  const d = q.cols;
  if (keys.cols !== d)
    throw new RangeError(`indexedAttention: queries are ${q.shape} but keys are ${keys.shape}`);
  if (!(Number.isInteger(heads) && heads >= 1 && d % heads === 0))
    throw new RangeError(
      `indexedAttention: heads must be a positive divisor of the width ${d}, got ${heads}`,
    );
  checkSlots(slots, q.rows, keys.rows);
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
  checkShapes(q, keys, slots, heads);
  return computeWeights(q, keys, slots, heads);
}

/** {@link indexedAttentionWeights} after the checks. */
function computeWeights(q: Matrix, keys: Matrix, slots: AttentionSlots, heads: number): Float32Array {
  const { rows, cols: d } = q;
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

/** The table rows every query row names when all rows name the same ones (filled slots only), else null. */
function sharedIds(s: AttentionSlots, rows: number): Int32Array | null {
  const { ids, slots: k } = s;
  for (let i = 1; i < rows; i++) {
    const o = i * k;
    for (let j = 0; j < k; j++) if (ids[o + j] !== ids[j]) return null;
  }
  return Int32Array.from(ids.subarray(0, k)).filter((id) => id >= 0);
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
 * flow to q, K and V (K and V rows accumulate over every row and slot naming them). When every row
 * names the same table rows (the public intents) the whole op is a handful of BLAS products
 * (indexed-attention-shared.ts); otherwise (personal intents: different rows per position, a few
 * hundred distinct ones per batch, so a dense product would multiply ~100x more) the weights are a
 * sparse matrix and the products that move d-wide rows are sparse-times-dense kernels
 * (indexed-attention-sparse.ts); only the per-entry dot products stay loops.
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
  checkShapes(q.value, kv.value, slots, heads);
  const rows = q.value.rows;
  const shared = rows > 0 ? sharedIds(slots, rows) : null;
  if (shared && shared.length > 0) {
    const { state, out } = sharedForward(q.value, kv.value, v.value, shared, heads);
    return r.record(out, [q, kv, v], (g) =>
      sharedBackward(
        g,
        q.value,
        state,
        q.requiresGrad ? gradOf(q) : null,
        kv.requiresGrad ? gradOf(kv).data : null,
        v.requiresGrad ? gradOf(v).data : null,
      ),
    );
  }
  const probs = computeWeights(q.value, kv.value, slots, heads);
  const { state, out } = sparseForward(probs, slots.ids, slots.slots, v.value, rows, heads);
  return r.record(out, [q, kv, v], (g) =>
    sparseBackward(
      g,
      q.value,
      kv.value,
      v.value,
      state,
      q.requiresGrad ? gradOf(q) : null,
      kv.requiresGrad ? gradOf(kv).data : null,
      v.requiresGrad ? gradOf(v).data : null,
    ),
  );
}
