import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import { accumulate, commitContribution, scalarMatrix } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** Options of `tableSoftmaxCrossEntropy`. */
export interface TableSoftmaxOptions {
  /**
   * Rows of logits computed at once (default: as many as fit in about 4M floats, at least 1).
   * Memory is rows x items per chunk, whatever the number of rows of `h`.
   */
  chunkRows?: number;
}

/** Logit-buffer size (floats) the default chunk targets. */
const CHUNK_FLOATS = 1 << 22;

let chunkBuf: WeakRef<Float32Array> | null = null;

/**
 * A reused logit buffer of at least n floats (a training loop calls this op every step; a fresh
 * buffer would be faulted in and zeroed each time). Held through a WeakRef like scratch.ts.
 */
function chunkBuffer(n: number): Float32Array {
  let buf = chunkBuf?.deref();
  if (buf === undefined || buf.length < n) {
    buf = new Float32Array(n);
    chunkBuf = new WeakRef(buf);
  }
  return buf.subarray(0, n);
}

/** v.grad += a * m; m becomes the gradient itself when v has none and a = 1 (m must be fresh). */
export function addScaledGrad(v: Variable, m: Matrix, a: number): void {
  if (a === 1) commitContribution(v, m);
  else accumulate(v, m, a);
}

/** Checks every target is -1 (ignored) or an index into the table; returns the used rows. */
export function checkTargets(op: string, targets: Int32Array, rows: number, items: number): Int32Array {
  if (targets.length !== rows)
    throw new RangeError(`${op}: ${targets.length} targets for ${rows} rows of hidden states`);
  let count = 0;
  for (let t = 0; t < rows; t++) {
    const y = targets[t];
    if (y === -1) continue;
    if (!(y >= 0 && y < items))
      throw new RangeError(`${op}: target ${y} at row ${t} out of range [0, ${items}) (or -1 to ignore)`);
    count++;
  }
  const used = new Int32Array(count);
  let c = 0;
  for (let t = 0; t < rows; t++) if (targets[t] !== -1) used[c++] = t;
  return used;
}

/** Checks h (rows x d) and the table (items x d) agree on d. */
export function checkTable(op: string, h: Variable, table: Variable): void {
  if (h.cols !== table.cols)
    throw new RangeError(
      `${op}: shape mismatch hidden states ${h.shape} vs item table ${table.shape} (widths differ)`,
    );
}

/**
 * Full-softmax cross-entropy against an item table, the next-item loss of sequential models:
 * mean over the rows t with targets[t] >= 0 of -log softmax(h_t E^T)[targets[t]] (targets -1 are
 * ignored; the loss is 0 when every row is). Logits are computed chunk by chunk (`chunkRows` x items
 * through `kernels().gemm`, softmax through `kernels().softmaxRows`), never for the whole batch and
 * never for ignored rows. When a gradient is needed the forward pass also computes it (two more
 * gemm per chunk: dH = G E, dE += G^T H with G = softmax - onehot), so the logits are never
 * recomputed; the backward pass only scales by the incoming gradient.
 */
export function tableSoftmaxCrossEntropy(
  r: Recorder,
  hIn: Input,
  tableIn: Input,
  targets: Int32Array,
  options: TableSoftmaxOptions = {},
): Variable {
  const op = "tableSoftmaxCrossEntropy";
  const h = asVariable(hIn);
  const table = asVariable(tableIn);
  checkTable(op, h, table);
  const items = table.rows;
  const d = h.cols;
  const used = checkTargets(op, targets, h.rows, items);
  const count = used.length;
  const chunk = options.chunkRows ?? Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(1, items)));
  if (!(Number.isInteger(chunk) && chunk >= 1))
    throw new RangeError(`${op}: chunkRows must be a positive integer, got ${chunk}`);
  const wantH = r.recording && h.requiresGrad;
  const wantE = r.recording && table.requiresGrad;
  const K = kernels();
  const hv = h.value.data;
  const dH = wantH ? new Matrix(h.rows, d) : null;
  const dE = wantE ? new Matrix(items, d) : null;
  const c0 = Math.min(chunk, count);
  const hc = new Matrix(c0, d);
  const dhc = wantH ? new Matrix(c0, d) : null;
  const logitBuf = chunkBuffer(c0 * items);
  let total = 0;
  for (let s = 0; s < count; s += chunk) {
    const n = Math.min(chunk, count - s);
    const H = n === c0 ? hc : new Matrix(n, d, hc.data.subarray(0, n * d));
    for (let i = 0; i < n; i++) H.data.set(hv.subarray(used[s + i] * d, (used[s + i] + 1) * d), i * d);
    const L = new Matrix(n, items, logitBuf.subarray(0, n * items));
    K.gemm(false, true, 1, H, table.value, 0, L);
    const lv = L.data;
    K.softmaxRows(L, L);
    for (let i = 0; i < n; i++) {
      const y = targets[used[s + i]];
      const py = lv[i * items + y];
      // -log p_y; p_y underflows to 0 only for hopeless rows, where the loss is rebuilt exactly.
      total += py > 1e-30 ? -Math.log(py) : exactLoss(H.row(i), table.value, y);
      lv[i * items + y] -= 1;
    }
    if (!dH && !dE) continue;
    // G = softmax - onehot (in L); the 1/count of the mean goes into the gemm alphas.
    const inv = 1 / count;
    if (dH && dhc) {
      const D = n === c0 ? dhc : new Matrix(n, d, dhc.data.subarray(0, n * d));
      K.gemm(false, false, inv, L, table.value, 0, D);
      for (let i = 0; i < n; i++) dH.data.set(D.row(i), used[s + i] * d);
    }
    if (dE) K.gemm(true, false, inv, L, H, 1, dE);
  }
  const loss = scalarMatrix(count > 0 ? total / count : 0);
  return r.record(loss, [h, table], (g) => {
    const a = g.data[0];
    if (dH) addScaledGrad(h, dH, a);
    if (dE) addScaledGrad(table, dE, a);
  });
}

/** logsumexp(h E^T) - logit_y in float64, for a row whose target probability underflowed. */
function exactLoss(h: Float32Array, table: Matrix, y: number): number {
  const { rows, cols } = table;
  const e = table.data;
  const logits = new Float64Array(rows);
  let mx = -Infinity;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += h[j] * e[i * cols + j];
    logits[i] = s;
    if (s > mx) mx = s;
  }
  let sum = 0;
  for (let i = 0; i < rows; i++) sum += Math.exp(logits[i] - mx);
  return mx + Math.log(sum) - logits[y];
}
