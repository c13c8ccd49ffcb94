import { kernels } from "../backend.js";
import { Matrix } from "../matrix.js";
import type { Rng } from "../rng.js";
import { gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Where the sequences lie in a (rows x d) layout: sequence s occupies the contiguous rows
 * [starts[s], starts[s] + lengths[s]), oldest position first. Rows outside every segment are
 * padding: they are never used as keys, their output is zero and they receive no gradient. A packed
 * layout (segments back to back, no padding rows) and a left-padded [batch x L] layout
 * (starts[s] = s * L + L - lengths[s]) are both just segment lists.
 */
export interface Segments {
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** Options of `causalAttention`. */
export interface AttentionOptions {
  /** Number of heads h; d must be divisible by h (head width d / h). */
  heads: number;
  /** Dropout probability on the attention weights (training tapes only; default 0). */
  dropout?: number;
  /** Source of the dropout masks; required when dropout > 0 on a training tape. */
  rng?: Rng;
}

/** Checks the segments lie inside [0, rows) and do not overlap; returns the total of lengths^2. */
function checkSegments(seg: Segments, rows: number): number {
  if (seg.starts.length !== seg.lengths.length) {
    throw new RangeError(
      `causalAttention: ${seg.starts.length} segment starts but ${seg.lengths.length} lengths`,
    );
  }
  const owner = new Int32Array(rows).fill(-1);
  let squares = 0;
  for (let s = 0; s < seg.starts.length; s++) {
    const o = seg.starts[s];
    const n = seg.lengths[s];
    if (!(Number.isInteger(o) && Number.isInteger(n) && n >= 0 && o >= 0 && o + n <= rows)) {
      throw new RangeError(
        `causalAttention: segment ${s} [${o}, ${o + n}) is outside the ${rows} rows of the inputs`,
      );
    }
    for (let i = o; i < o + n; i++) {
      if (owner[i] >= 0)
        throw new RangeError(`causalAttention: segments ${owner[i]} and ${s} overlap at row ${i}`);
      owner[i] = s;
    }
    squares += n * n;
  }
  return squares;
}

/** Copies columns [c0, c0 + w) of `src` (rows x cols) into `dst` (rows x w). */
function gatherCols(src: Matrix, c0: number, w: number, dst: Matrix): Matrix {
  const { rows, cols } = src;
  const s = src.data;
  const d = dst.data;
  for (let i = 0; i < rows; i++) d.set(s.subarray(i * cols + c0, i * cols + c0 + w), i * w);
  return dst;
}

/** dst[:, c0 : c0 + w] += src (rows x w). */
function addIntoCols(src: Matrix, dst: Matrix, c0: number): void {
  const { rows, cols: w } = src;
  const cols = dst.cols;
  const s = src.data;
  const d = dst.data;
  for (let i = 0; i < rows; i++) {
    const o = i * cols + c0;
    const so = i * w;
    for (let j = 0; j < w; j++) d[o + j] += s[so + j];
  }
}

/** Rows [o, o + n) of `m` as a view. */
const rowsOf = (m: Matrix, o: number, n: number): Matrix =>
  new Matrix(n, m.cols, m.data.subarray(o * m.cols, (o + n) * m.cols));

/** An n x n view of `buf` at `off`. */
const square = (buf: Float32Array, off: number, n: number): Matrix =>
  new Matrix(n, n, buf.subarray(off, off + n * n));

/**
 * Causal multi-head scaled dot-product attention over sequences stored as rows (see `Segments`).
 * `q`, `k`, `v` are rows x d (already projected); head c uses columns [c dk, (c+1) dk), dk = d / h.
 * Per sequence and head: P = softmax(Q K^T / sqrt(dk)) with position i attending to positions
 * j <= i of its own sequence only, optionally dropped out (inverted dropout, one `rng.uniform()` per
 * allowed (i, j) pair, sequence by sequence, head by head, row-major), then O = P V. The products go
 * through `kernels().gemm` on row views of each sequence (head columns are first copied into
 * contiguous buffers when h > 1). The backward pass recomputes nothing: P and the dropped P are kept.
 */
export function causalAttention(
  r: Recorder,
  qIn: Input,
  kIn: Input,
  vIn: Input,
  segments: Segments,
  options: AttentionOptions,
): Variable {
  const q = asVariable(qIn);
  const k = asVariable(kIn);
  const v = asVariable(vIn);
  const { rows, cols: d } = q.value;
  for (const [name, x] of [
    ["k", k],
    ["v", v],
  ] as const) {
    if (x.rows !== rows || x.cols !== d)
      throw new RangeError(`causalAttention: shape mismatch q ${q.shape} vs ${name} ${x.shape}`);
  }
  const heads = options.heads;
  if (!(Number.isInteger(heads) && heads >= 1 && d % heads === 0)) {
    throw new RangeError(`causalAttention: heads must be a positive divisor of the width ${d}, got ${heads}`);
  }
  const p = options.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new RangeError(`causalAttention: dropout must be in [0, 1), got ${p}`);
  const drop = r.training && p > 0;
  if (drop && options.rng === undefined)
    throw new RangeError("causalAttention: dropout > 0 on a training tape needs an rng");
  const squares = checkSegments(segments, rows);
  const dk = d / heads;
  const scale = 1 / Math.sqrt(dk);
  const keep = 1 / (1 - p);
  const K = kernels();
  const nSeg = segments.starts.length;

  // Per-head contiguous operands (the inputs themselves when there is one head).
  const headOf = (x: Variable, c: number): Matrix =>
    heads === 1 ? x.value : gatherCols(x.value, c * dk, dk, new Matrix(rows, dk));
  const qh: Matrix[] = [];
  const kh: Matrix[] = [];
  const vh: Matrix[] = [];
  for (let c = 0; c < heads; c++) {
    qh.push(headOf(q, c));
    kh.push(k === q ? qh[c] : headOf(k, c));
    vh.push(v === q ? qh[c] : v === k ? kh[c] : headOf(v, c));
  }
  const probs = new Float32Array(squares * heads);
  const dropped = drop ? new Float32Array(squares * heads) : probs;
  const out = new Matrix(rows, d);
  const oh = heads === 1 ? out : new Matrix(rows, dk);
  const rng = options.rng;
  let off = 0;
  for (let c = 0; c < heads; c++) {
    if (heads > 1) oh.data.fill(0);
    for (let s = 0; s < nSeg; s++) {
      const o = segments.starts[s];
      const n = segments.lengths[s];
      if (n === 0) continue;
      const P = square(probs, off, n);
      K.gemm(false, true, scale, rowsOf(qh[c], o, n), rowsOf(kh[c], o, n), 0, P);
      K.causalSoftmax(P);
      const pd = P.data;
      let PD = P;
      if (drop) {
        PD = square(dropped, off, n);
        const dd = PD.data;
        const r0 = rng as Rng;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) dd[i * n + j] = r0.uniform() >= p ? pd[i * n + j] * keep : 0;
        }
      }
      K.gemm(false, false, 1, PD, rowsOf(vh[c], o, n), 0, rowsOf(oh, o, n));
      off += n * n;
    }
    if (heads > 1) addIntoCols(oh, out, c * dk);
  }

  return r.record(out, [q, k, v], (g) => {
    const gh = heads === 1 ? g : new Matrix(rows, dk);
    const want = [q.requiresGrad, k.requiresGrad, v.requiresGrad];
    // Gradient targets per head: the gradient buffers themselves for one head, else head buffers.
    const target = (x: Variable, i: number): Matrix | null =>
      !want[i] ? null : heads === 1 ? gradOf(x) : new Matrix(rows, dk);
    let maxN = 0;
    for (let s = 0; s < nSeg; s++) maxN = Math.max(maxN, segments.lengths[s]);
    const dBuf = new Float32Array(maxN * maxN);
    let boff = 0;
    for (let c = 0; c < heads; c++) {
      if (heads > 1) gatherCols(g, c * dk, dk, gh);
      const dq = target(q, 0);
      const dkx = target(k, 1);
      const dv = target(v, 2);
      for (let s = 0; s < nSeg; s++) {
        const o = segments.starts[s];
        const n = segments.lengths[s];
        if (n === 0) continue;
        const P = square(probs, boff, n);
        const PD = drop ? square(dropped, boff, n) : P;
        boff += n * n;
        const gs = rowsOf(gh, o, n);
        if (dv) K.gemm(true, false, 1, PD, gs, 1, rowsOf(dv, o, n));
        if (!dq && !dkx) continue;
        const dP = square(dBuf, 0, n);
        K.gemm(false, true, 1, gs, rowsOf(vh[c], o, n), 0, dP);
        K.causalSoftmaxGrad(dP, P, drop ? PD : null, keep, scale);
        if (dq) K.gemm(false, false, 1, dP, rowsOf(kh[c], o, n), 1, rowsOf(dq, o, n));
        if (dkx) K.gemm(true, false, 1, dP, rowsOf(qh[c], o, n), 1, rowsOf(dkx, o, n));
      }
      if (heads > 1) {
        if (dq) addIntoCols(dq, gradOf(q), c * dk);
        if (dkx) addIntoCols(dkx, gradOf(k), c * dk);
        if (dv) addIntoCols(dv, gradOf(v), c * dk);
      }
    }
  });
}
