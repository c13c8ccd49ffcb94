import { Matrix } from "./matrix.js";

/**
 * Compressed sparse row matrix over float32 values. Column indices within a row are sorted
 * ascending and unique (builders guarantee it).
 */
export class Csr {
  readonly rows: number;
  readonly cols: number;
  /** Row pointers, length rows + 1. */
  readonly indptr: Int32Array;
  /** Column index of each stored value. */
  readonly indices: Int32Array;
  /** Stored values. */
  readonly values: Float32Array;

  /** Wraps existing arrays (no copy); validates their lengths. */
  constructor(rows: number, cols: number, indptr: Int32Array, indices: Int32Array, values: Float32Array) {
    if (indptr.length !== rows + 1)
      throw new RangeError(`Csr: indptr length ${indptr.length}, expected ${rows + 1}`);
    if (indices.length !== values.length) {
      throw new RangeError(`Csr: ${indices.length} indices but ${values.length} values`);
    }
    if (indptr[rows] !== indices.length && !(rows === 0 && indices.length === 0)) {
      throw new RangeError(`Csr: indptr ends at ${indptr[rows]} but ${indices.length} values are stored`);
    }
    this.rows = rows;
    this.cols = cols;
    this.indptr = indptr;
    this.indices = indices;
    this.values = values;
  }

  /**
   * Builds from coordinate triplets. Duplicate (row, col) pairs are summed; values default to 1.
   * Throws naming the first out-of-range coordinate.
   */
  static fromTriplets(
    rows: number,
    cols: number,
    r: ArrayLike<number>,
    c: ArrayLike<number>,
    v?: ArrayLike<number>,
  ): Csr {
    const n = r.length;
    if (c.length !== n || (v && v.length !== n)) {
      throw new RangeError(
        `Csr.fromTriplets: row/col/value arrays differ in length (${n}, ${c.length}, ${v?.length})`,
      );
    }
    const counts = new Int32Array(rows + 1);
    for (let t = 0; t < n; t++) {
      const i = r[t];
      const j = c[t];
      if (!(i >= 0 && i < rows && Number.isInteger(i)))
        throw new RangeError(`Csr.fromTriplets: row ${i} at entry ${t} out of range [0, ${rows})`);
      if (!(j >= 0 && j < cols && Number.isInteger(j)))
        throw new RangeError(`Csr.fromTriplets: col ${j} at entry ${t} out of range [0, ${cols})`);
      counts[i + 1]++;
    }
    for (let i = 0; i < rows; i++) counts[i + 1] += counts[i];
    const fill = counts.slice(0, rows);
    const idx = new Int32Array(n);
    const val = new Float32Array(n);
    for (let t = 0; t < n; t++) {
      const p = fill[r[t]]++;
      idx[p] = c[t];
      val[p] = v ? v[t] : 1;
    }
    // Sort each row by column and merge duplicates.
    const indptr = new Int32Array(rows + 1);
    let w = 0;
    const order: number[] = [];
    for (let i = 0; i < rows; i++) {
      const s = counts[i];
      const e = counts[i + 1];
      order.length = 0;
      for (let p = s; p < e; p++) order.push(p);
      order.sort((a, b) => idx[a] - idx[b]);
      const rowIdx = order.map((p) => idx[p]);
      const rowVal = order.map((p) => val[p]);
      for (let q = 0; q < rowIdx.length; q++) {
        if (q > 0 && rowIdx[q] === rowIdx[q - 1]) {
          val[w - 1] += rowVal[q];
        } else {
          idx[w] = rowIdx[q];
          val[w] = rowVal[q];
          w++;
        }
      }
      indptr[i + 1] = w;
    }
    return new Csr(rows, cols, indptr, idx.slice(0, w), val.slice(0, w));
  }

  /** Converts a dense matrix, keeping non-zeros. */
  static fromDense(m: Matrix): Csr {
    const r: number[] = [];
    const c: number[] = [];
    const v: number[] = [];
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        const x = m.data[i * m.cols + j];
        if (x !== 0) {
          r.push(i);
          c.push(j);
          v.push(x);
        }
      }
    }
    return Csr.fromTriplets(m.rows, m.cols, r, c, v);
  }

  /** Number of stored values. */
  get nnz(): number {
    return this.indices.length;
  }

  /** "RxC", used in error messages. */
  get shape(): string {
    return `${this.rows}x${this.cols}`;
  }

  /** Stored values in row i. */
  rowNnz(i: number): number {
    return this.indptr[i + 1] - this.indptr[i];
  }

  /** Column indices of row i (a view). */
  rowIndices(i: number): Int32Array {
    return this.indices.subarray(this.indptr[i], this.indptr[i + 1]);
  }

  /** Values of row i (a view). */
  rowValues(i: number): Float32Array {
    return this.values.subarray(this.indptr[i], this.indptr[i + 1]);
  }

  /** The transpose as a new Csr (counting sort; rows stay sorted). */
  transpose(): Csr {
    const { rows, cols, indptr, indices, values } = this;
    const tptr = new Int32Array(cols + 1);
    for (let p = 0; p < indices.length; p++) tptr[indices[p] + 1]++;
    for (let j = 0; j < cols; j++) tptr[j + 1] += tptr[j];
    const fill = tptr.slice(0, cols);
    const tidx = new Int32Array(indices.length);
    const tval = new Float32Array(indices.length);
    for (let i = 0; i < rows; i++) {
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        const q = fill[indices[p]]++;
        tidx[q] = i;
        tval[q] = values[p];
      }
    }
    return new Csr(cols, rows, tptr, tidx, tval);
  }

  /** The contiguous rows [start, end); shares index/value storage with this matrix. */
  rowRange(start: number, end: number): Csr {
    if (start < 0 || end > this.rows || start > end) {
      throw new RangeError(`Csr.rowRange: [${start}, ${end}) out of bounds for ${this.shape}`);
    }
    const s = this.indptr[start];
    const e = this.indptr[end];
    const ptr = new Int32Array(end - start + 1);
    for (let i = 0; i <= end - start; i++) ptr[i] = this.indptr[start + i] - s;
    return new Csr(end - start, this.cols, ptr, this.indices.subarray(s, e), this.values.subarray(s, e));
  }

  /** A new Csr holding the given rows, in order (copies). */
  gatherRows(ids: ArrayLike<number>): Csr {
    const ptr = new Int32Array(ids.length + 1);
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      if (!(Number.isInteger(id) && id >= 0 && id < this.rows))
        throw new RangeError(`Csr.gatherRows: row ${id} out of bounds for ${this.shape}`);
      ptr[r + 1] = ptr[r] + this.rowNnz(id);
    }
    const idx = new Int32Array(ptr[ids.length]);
    const val = new Float32Array(ptr[ids.length]);
    for (let r = 0; r < ids.length; r++) {
      idx.set(this.rowIndices(ids[r]), ptr[r]);
      val.set(this.rowValues(ids[r]), ptr[r]);
    }
    return new Csr(ids.length, this.cols, ptr, idx, val);
  }

  /** Dense copy. */
  toDense(): Matrix {
    const m = new Matrix(this.rows, this.cols);
    for (let i = 0; i < this.rows; i++) {
      for (let p = this.indptr[i]; p < this.indptr[i + 1]; p++)
        m.data[i * this.cols + this.indices[p]] = this.values[p];
    }
    return m;
  }
}
