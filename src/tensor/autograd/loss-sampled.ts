import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import { sigmoidScalar } from "./activations.js";
import { gradOf, scalarMatrix } from "./grad.js";
import { checkTable, checkTargets } from "./loss-table-softmax.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** h_t . E_i over the d columns. */
function dotRow(hv: Float32Array, ho: number, ev: Float32Array, eo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += hv[ho + j] * ev[eo + j];
  return s;
}

/** dst[do : do + d] += a * src[so : so + d]. */
function axpyRow(a: number, src: Float32Array, so: number, dst: Float32Array, dOff: number, d: number): void {
  for (let j = 0; j < d; j++) dst[dOff + j] += a * src[so + j];
}

/** log(1 + e^x), stable. */
const softplus = (x: number): number => (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));

function checkIds(op: string, what: string, ids: Int32Array, items: number): void {
  for (let t = 0; t < ids.length; t++) {
    if (!(ids[t] >= 0 && ids[t] < items))
      throw new RangeError(`${op}: ${what} ${ids[t]} at index ${t} out of range [0, ${items})`);
  }
}

/**
 * Binary cross-entropy with one sampled negative per row (the original SASRec loss): mean over the
 * rows t with positives[t] >= 0 of softplus(-h_t . E_pos) + softplus(h_t . E_neg), i.e.
 * -log sigmoid(s+) - log(1 - sigmoid(s-)). Rows with positive -1 are ignored (their negative is not
 * read). Gradients flow to h and to the table rows used; the loss is 0 when every row is ignored.
 */
export function sampledBceLoss(
  r: Recorder,
  hIn: Input,
  tableIn: Input,
  positives: Int32Array,
  negatives: Int32Array,
): Variable {
  const op = "sampledBceLoss";
  const h = asVariable(hIn);
  const table = asVariable(tableIn);
  checkTable(op, h, table);
  const used = checkTargets(op, positives, h.rows, table.rows);
  if (negatives.length !== h.rows)
    throw new RangeError(`${op}: ${negatives.length} negatives for ${h.rows} rows of hidden states`);
  for (const t of used) {
    if (!(negatives[t] >= 0 && negatives[t] < table.rows))
      throw new RangeError(`${op}: negative ${negatives[t]} at row ${t} out of range [0, ${table.rows})`);
  }
  const d = h.cols;
  const hv = h.value.data;
  const ev = table.value.data;
  const count = used.length;
  const cPos = new Float32Array(count);
  const cNeg = new Float32Array(count);
  let total = 0;
  for (let u = 0; u < count; u++) {
    const t = used[u];
    const sp = dotRow(hv, t * d, ev, positives[t] * d, d);
    const sn = dotRow(hv, t * d, ev, negatives[t] * d, d);
    total += softplus(-sp) + softplus(sn);
    cPos[u] = sigmoidScalar(sp) - 1;
    cNeg[u] = sigmoidScalar(sn);
  }
  return r.record(scalarMatrix(count > 0 ? total / count : 0), [h, table], (g) => {
    const a = g.data[0] / count;
    const gh = h.requiresGrad ? gradOf(h).data : null;
    const ge = table.requiresGrad ? gradOf(table).data : null;
    for (let u = 0; u < count; u++) {
      const t = used[u];
      const po = positives[t] * d;
      const no = negatives[t] * d;
      if (gh) {
        axpyRow(a * cPos[u], ev, po, gh, t * d, d);
        axpyRow(a * cNeg[u], ev, no, gh, t * d, d);
      }
      if (ge) {
        axpyRow(a * cPos[u], hv, t * d, ge, po, d);
        axpyRow(a * cNeg[u], hv, t * d, ge, no, d);
      }
    }
  });
}

/** The sampled negatives of `sampledSoftmaxLoss`. */
export interface SampledNegatives {
  /** Item ids: N ids shared by every row, or (perRow) rows x N ids, row t's at [t N, (t + 1) N). */
  readonly ids: Int32Array;
  readonly perRow: boolean;
}

/**
 * Sampled softmax cross-entropy: for each row t with positives[t] >= 0, a softmax over the logits
 * [h_t . E_pos, h_t . E_n1, ..., h_t . E_nN] with the positive as the target; the loss is the mean
 * of -log p_pos over those rows. Negatives are shared by all rows (one gemm, h E_neg^T) or drawn per
 * row. A negative equal to the row's own positive (an accidental hit) is masked out of that row's
 * softmax. No log-Q correction is applied (uniform sampling makes it a constant).
 */
export function sampledSoftmaxLoss(
  r: Recorder,
  hIn: Input,
  tableIn: Input,
  positives: Int32Array,
  negatives: SampledNegatives,
): Variable {
  const op = "sampledSoftmaxLoss";
  const h = asVariable(hIn);
  const table = asVariable(tableIn);
  checkTable(op, h, table);
  const used = checkTargets(op, positives, h.rows, table.rows);
  checkIds(op, "negative", negatives.ids, table.rows);
  const rows = h.rows;
  const N = negatives.perRow ? negatives.ids.length / Math.max(1, rows) : negatives.ids.length;
  if (!Number.isInteger(N) || N < 1 || (negatives.perRow && negatives.ids.length !== rows * N)) {
    throw new RangeError(
      `${op}: ${negatives.ids.length} negative ids do not give a positive whole number per row for ${rows} rows`,
    );
  }
  const d = h.cols;
  const hv = h.value.data;
  const ev = table.value.data;
  const count = used.length;
  const K = kernels();
  // Logits of the used rows: column 0 the positive, columns 1..N the negatives.
  const W = N + 1;
  const probs = new Float32Array(count * W);
  let hu: Matrix | null = null;
  let en: Matrix | null = null;
  if (!negatives.perRow && count > 0) {
    hu = new Matrix(count, d);
    for (let u = 0; u < count; u++) hu.data.set(hv.subarray(used[u] * d, (used[u] + 1) * d), u * d);
    en = table.value.gatherRows(negatives.ids);
    const s = K.gemm(false, true, 1, hu, en, 0, new Matrix(count, N));
    for (let u = 0; u < count; u++) probs.set(s.row(u), u * W + 1);
  }
  let total = 0;
  for (let u = 0; u < count; u++) {
    const t = used[u];
    const y = positives[t];
    const o = u * W;
    probs[o] = dotRow(hv, t * d, ev, y * d, d);
    for (let k = 0; k < N; k++) {
      const id = negatives.perRow ? negatives.ids[t * N + k] : negatives.ids[k];
      if (negatives.perRow) probs[o + 1 + k] = dotRow(hv, t * d, ev, id * d, d);
      if (id === y) probs[o + 1 + k] = -Infinity;
    }
    let mx = -Infinity;
    for (let k = 0; k < W; k++) if (probs[o + k] > mx) mx = probs[o + k];
    let sum = 0;
    for (let k = 0; k < W; k++) sum += Math.exp(probs[o + k] - mx);
    total += mx + Math.log(sum) - probs[o];
    for (let k = 0; k < W; k++) probs[o + k] = Math.exp(probs[o + k] - mx) / sum;
  }
  return r.record(scalarMatrix(count > 0 ? total / count : 0), [h, table], (g) => {
    const a = g.data[0] / count;
    const gh = h.requiresGrad ? gradOf(h).data : null;
    const ge = table.requiresGrad ? gradOf(table).data : null;
    // Coefficients: p - onehot(0), scaled by the incoming gradient over the row count.
    const coef = new Matrix(count, N);
    for (let u = 0; u < count; u++) {
      const t = used[u];
      const o = u * W;
      const c0 = a * (probs[o] - 1);
      const yo = positives[t] * d;
      if (gh) axpyRow(c0, ev, yo, gh, t * d, d);
      if (ge) axpyRow(c0, hv, t * d, ge, yo, d);
      for (let k = 0; k < N; k++) coef.data[u * N + k] = a * probs[o + 1 + k];
      if (!negatives.perRow) continue;
      for (let k = 0; k < N; k++) {
        const c = coef.data[u * N + k];
        if (c === 0) continue;
        const no = negatives.ids[t * N + k] * d;
        if (gh) axpyRow(c, ev, no, gh, t * d, d);
        if (ge) axpyRow(c, hv, t * d, ge, no, d);
      }
    }
    if (negatives.perRow || hu === null || en === null) return;
    if (gh) {
      const dhu = K.gemm(false, false, 1, coef, en, 0, new Matrix(count, d));
      for (let u = 0; u < count; u++) axpyRow(1, dhu.data, u * d, gh, used[u] * d, d);
    }
    if (ge) {
      const den = K.gemm(true, false, 1, coef, hu, 0, new Matrix(N, d));
      for (let k = 0; k < N; k++) axpyRow(1, den.data, k * d, ge, negatives.ids[k] * d, d);
    }
  });
}
