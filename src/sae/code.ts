import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import type { SparseCode } from "./types.js";

/** Growable (indices, values) buffer used to assemble a SparseCode row by row. */
export class CodeBuilder {
  private idx: Int32Array;
  private val: Float32Array;
  private n = 0;
  private readonly indptr: Int32Array;
  private row = 0;

  /** `capacity` is a hint for the total number of non-zeros. */
  constructor(
    readonly rows: number,
    readonly dSae: number,
    capacity = 16,
  ) {
    this.idx = new Int32Array(Math.max(1, capacity));
    this.val = new Float32Array(Math.max(1, capacity));
    this.indptr = new Int32Array(rows + 1);
  }

  /** Appends (j, v) to the current row. */
  push(j: number, v: number): void {
    if (this.n === this.idx.length) {
      const idx = new Int32Array(this.idx.length * 2);
      idx.set(this.idx);
      const val = new Float32Array(this.val.length * 2);
      val.set(this.val);
      this.idx = idx;
      this.val = val;
    }
    this.idx[this.n] = j;
    this.val[this.n] = v;
    this.n++;
  }

  /** Closes the current row, sorting its entries by latent index (latents must be distinct). */
  endRow(): void {
    if (this.row >= this.rows) throw new RangeError(`CodeBuilder: more than ${this.rows} rows`);
    sortSegment(this.idx, this.val, this.indptr[this.row], this.n);
    this.indptr[++this.row] = this.n;
  }

  /** The finished code (all rows must have been closed). */
  build(extra: { rowMean?: Float32Array; rowScale?: Float32Array } = {}): SparseCode {
    if (this.row !== this.rows) throw new RangeError(`CodeBuilder: ${this.row} of ${this.rows} rows closed`);
    return {
      rows: this.rows,
      dSae: this.dSae,
      indptr: this.indptr,
      indices: this.idx.slice(0, this.n),
      values: this.val.slice(0, this.n),
      ...extra,
    };
  }
}

/** Sorts idx[s..e) ascending, permuting val alongside (insertion sort when short or nearly sorted). */
function sortSegment(idx: Int32Array, val: Float32Array, s: number, e: number): void {
  let sorted = true;
  for (let p = s + 1; p < e && sorted; p++) sorted = idx[p - 1] < idx[p];
  if (sorted) return;
  if (e - s <= 48) {
    for (let p = s + 1; p < e; p++) {
      const j = idx[p];
      const v = val[p];
      let q = p - 1;
      while (q >= s && idx[q] > j) {
        idx[q + 1] = idx[q];
        val[q + 1] = val[q];
        q--;
      }
      idx[q + 1] = j;
      val[q + 1] = v;
    }
    return;
  }
  const order = Array.from({ length: e - s }, (_, t) => s + t).sort((a, b) => idx[a] - idx[b]);
  const i2 = order.map((p) => idx[p]);
  const v2 = order.map((p) => val[p]);
  for (let t = 0; t < i2.length; t++) {
    idx[s + t] = i2[t];
    val[s + t] = v2[t];
  }
}

/** The code as a Csr over the same arrays (no copy); valid because rows are sorted by latent. */
export function codeAsCsr(code: SparseCode, values: Float32Array = code.values): Csr {
  return new Csr(code.rows, code.dSae, code.indptr, code.indices, values);
}

/** Number of stored entries. */
export function codeNnz(code: SparseCode): number {
  return code.indptr[code.rows];
}

/** The code as a dense rows x dSae matrix. */
export function codeToDense(code: SparseCode, out?: Matrix): Matrix {
  const m = out ?? new Matrix(code.rows, code.dSae);
  if (m.rows !== code.rows || m.cols !== code.dSae)
    throw new RangeError(`codeToDense: out is ${m.shape}, expected ${code.rows}x${code.dSae}`);
  m.data.fill(0);
  for (let r = 0; r < code.rows; r++) {
    for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++)
      m.data[r * code.dSae + code.indices[p]] = code.values[p];
  }
  return m;
}

/** The non-zeros of a dense rows x dSae matrix as a code (optionally carrying row statistics). */
export function codeFromDense(
  m: Matrix,
  extra: { rowMean?: Float32Array; rowScale?: Float32Array } = {},
): SparseCode {
  const b = new CodeBuilder(m.rows, m.cols, 16);
  for (let r = 0; r < m.rows; r++) {
    const row = m.row(r);
    for (let j = 0; j < m.cols; j++) if (row[j] !== 0) b.push(j, row[j]);
    b.endRow();
  }
  return b.build(extra);
}

/** The code as a Csr matrix (copies the arrays). */
export function codeToCsr(code: SparseCode): Csr {
  return new Csr(code.rows, code.dSae, code.indptr.slice(), code.indices.slice(), code.values.slice());
}

/** Active latents of each row. */
export function codeL0(code: SparseCode): Int32Array {
  const out = new Int32Array(code.rows);
  for (let r = 0; r < code.rows; r++) out[r] = code.indptr[r + 1] - code.indptr[r];
  return out;
}

/** How many rows each latent fires in. */
export function codeFiredCounts(code: SparseCode): Int32Array {
  const out = new Int32Array(code.dSae);
  const n = codeNnz(code);
  for (let p = 0; p < n; p++) out[code.indices[p]]++;
  return out;
}

/** Throws naming `where` unless the code is structurally valid for `dSae` latents. */
export function checkCode(code: SparseCode, dSae: number, where: string): void {
  if (code.dSae !== dSae) throw new RangeError(`${where}: code has dSae ${code.dSae}, expected ${dSae}`);
  if (code.indptr.length !== code.rows + 1)
    throw new RangeError(`${where}: indptr has ${code.indptr.length} entries for ${code.rows} rows`);
  if (code.indices.length !== code.values.length)
    throw new RangeError(`${where}: ${code.indices.length} indices but ${code.values.length} values`);
  if (code.indptr[0] !== 0 || code.indptr[code.rows] !== code.indices.length) {
    throw new RangeError(
      `${where}: indptr must run from 0 to ${code.indices.length}, got ${code.indptr[0]}..${code.indptr[code.rows]}`,
    );
  }
  for (let r = 0; r < code.rows; r++) {
    if (code.indptr[r + 1] < code.indptr[r]) throw new RangeError(`${where}: indptr decreases at row ${r}`);
  }
  for (let p = 0; p < code.indices.length; p++) {
    const j = code.indices[p];
    if (!(j >= 0 && j < dSae))
      throw new RangeError(`${where}: latent index ${j} at entry ${p} out of range [0, ${dSae})`);
    if (!Number.isFinite(code.values[p]))
      throw new RangeError(`${where}: value ${code.values[p]} at entry ${p} (latent ${j}) is not finite`);
  }
  for (const [name, arr] of [
    ["rowMean", code.rowMean],
    ["rowScale", code.rowScale],
  ] as const) {
    if (arr && arr.length !== code.rows)
      throw new RangeError(`${where}: ${name} has ${arr.length} entries for ${code.rows} rows`);
  }
}
