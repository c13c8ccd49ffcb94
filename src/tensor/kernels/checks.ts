import { Matrix, assertShape } from "../matrix.js";

/** Shape of op(A) * op(B) for gemm; throws naming the kernel and both shapes when they do not chain. */
export function gemmShape(
  transA: boolean,
  transB: boolean,
  a: Matrix,
  b: Matrix,
  c: Matrix,
): { m: number; n: number; k: number } {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  assertShape(k === kb, "gemm", a, b, `op(A) is ${m}x${k}, op(B) is ${kb}x${n}`);
  assertShape(c.rows === m && c.cols === n, "gemm", c, { shape: `${m}x${n}` }, "output");
  return { m, n, k };
}

/** Checks gemv's vector lengths against op(A) (A^T when `trans`) and returns them. */
export function gemvShape(
  trans: boolean,
  a: Matrix,
  x: Float32Array,
  y: Float32Array,
): { xLen: number; yLen: number } {
  const xLen = trans ? a.rows : a.cols;
  const yLen = trans ? a.cols : a.rows;
  if (x.length !== xLen || y.length !== yLen)
    throw new RangeError(
      `gemv: op(A) is ${yLen}x${xLen} (A ${a.shape}${trans ? ", transposed" : ""}) but x has ${x.length} and y ${y.length} entries`,
    );
  return { xLen, yLen };
}

/** `out` when given (checked to be rows x cols), else a new zero matrix. */
export function outMatrix(op: string, out: Matrix | undefined, rows: number, cols: number): Matrix {
  if (!out) return new Matrix(rows, cols);
  if (out.rows !== rows || out.cols !== cols)
    throw new RangeError(`${op}: out is ${out.shape}, expected ${rows}x${cols}`);
  return out;
}

/** `out` when given (checked to have length n), else a new zero vector. */
export function outVector(op: string, out: Float32Array | undefined, n: number): Float32Array {
  if (!out) return new Float32Array(n);
  if (out.length !== n) throw new RangeError(`${op}: out has length ${out.length}, expected ${n}`);
  return out;
}

/** Throws unless `v` has one entry per row (`along` "rows") or per column ("cols") of `a`. */
export function vectorAlong(op: string, a: Matrix, v: ArrayLike<number>, along: "rows" | "cols"): void {
  if (v.length !== (along === "rows" ? a.rows : a.cols))
    throw new RangeError(`${op}: shape mismatch ${a.shape} vs vector of ${v.length}`);
}

/** Throws naming the kernel and both shapes unless x and y have the same shape. */
export function sameShape(op: string, x: Matrix, y: Matrix): void {
  assertShape(x.rows === y.rows && x.cols === y.cols, op, x, y);
}

/** Throws unless every causal-softmax operand is the same square block. */
export function causalShapes(op: string, p: Matrix, others: readonly (Matrix | null)[]): void {
  requireSquare(op, p);
  for (const m of others) if (m) sameShape(op, p, m);
}

/** Throws unless every layerNormRows / layerNormRowsGrad operand agrees with x's shape. */
export function layerNormShapes(
  op: string,
  x: Matrix,
  gain: Float32Array,
  rstd: Float64Array,
  others: readonly Matrix[],
  bias?: Float32Array,
): void {
  if (gain.length !== x.cols || (bias && bias.length !== x.cols))
    throw new RangeError(`${op}: gain/bias of ${gain.length}/${bias?.length ?? gain.length} for ${x.shape}`);
  if (rstd.length !== x.rows) throw new RangeError(`${op}: rstd of ${rstd.length} for ${x.shape}`);
  for (const m of others) sameShape(op, x, m);
}

/** Throws unless `tanh` has one entry per element of `a`, and `g`, `gx` (when given) have a's shape. */
export function geluShapes(op: string, a: Matrix, tanh: Float32Array, g?: Matrix, gx?: Matrix): void {
  if (tanh.length !== a.size)
    throw new RangeError(`${op}: tanh buffer of ${tanh.length} for a ${a.shape} input`);
  if (g) sameShape(op, a, g);
  if (gx) sameShape(op, a, gx);
}

/** Throws unless `a` is square. */
export function requireSquare(op: string, a: Matrix): void {
  if (a.rows !== a.cols) throw new RangeError(`${op}: matrix is ${a.shape}, expected square`);
}

/** Whether two typed arrays share any bytes. */
export function overlaps(x: ArrayBufferView, y: ArrayBufferView): boolean {
  if (x.buffer !== y.buffer || x.byteLength === 0 || y.byteLength === 0) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** Throws when an output buffer overlaps an input of a kernel that cannot work in place. */
export function requireNoOverlap(
  op: string,
  out: ArrayBufferView,
  outName: string,
  input: ArrayBufferView,
  inputName: string,
): void {
  if (overlaps(out, input))
    throw new RangeError(`${op}: output ${outName} overlaps input ${inputName}; pass a separate buffer`);
}

/** Throws unless k is an integer in [0, cols]. */
export function checkTopK(a: Matrix, k: number): void {
  if (!Number.isInteger(k) || k < 0 || k > a.cols)
    throw new RangeError(`rowTopK: k=${k} invalid for ${a.shape}`);
}

/** Throws unless the Adam buffers all have the parameter's length and the step counts from 1. */
export function checkAdam(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  step: number,
): void {
  const n = param.length;
  if (grad.length !== n || m.length !== n || v.length !== n) {
    throw new RangeError(
      `adamUpdate: length mismatch param ${n}, grad ${grad.length}, m ${m.length}, v ${v.length}`,
    );
  }
  // Step 0 would divide by a zero bias correction and turn every parameter into NaN.
  if (!Number.isInteger(step) || step < 1)
    throw new RangeError(`adamUpdate: step must be an integer >= 1, got ${step}`);
}

/** Shapes of sddmm (pattern m x n, G m x d, W n x d, vals of length nnz, 0 <= lo <= hi <= n). */
export function checkSddmm(
  a: { rows: number; cols: number; indptr: Int32Array },
  g: { rows: number; cols: number },
  w: { rows: number; cols: number },
  vals: Float32Array,
  lo: number,
  hi: number,
): void {
  if (g.rows !== a.rows || w.rows !== a.cols || g.cols !== w.cols)
    throw new RangeError(
      `sddmm: shapes do not match: A ${a.rows}x${a.cols}, G ${g.rows}x${g.cols}, W ${w.rows}x${w.cols}`,
    );
  if (vals.length !== a.indptr[a.rows])
    throw new RangeError(`sddmm: vals has length ${vals.length}, A stores ${a.indptr[a.rows]} entries`);
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || lo > hi || hi > a.cols)
    throw new RangeError(`sddmm: column range [${lo}, ${hi}) is not inside [0, ${a.cols})`);
}
