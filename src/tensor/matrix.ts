/**
 * Dense row-major float32 matrix. The data buffer is owned by the caller: no method copies it
 * unless its name says so (`clone`, `toArray`).
 */
export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;

  /** Wraps `data` (length rows*cols) or allocates zeros when it is omitted. */
  constructor(rows: number, cols: number, data?: Float32Array) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new RangeError(`Matrix: invalid shape ${rows}x${cols}`);
    }
    if (data !== undefined && data.length !== rows * cols) {
      throw new RangeError(`Matrix: data length ${data.length} does not match shape ${rows}x${cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float32Array(rows * cols);
  }

  /** A rows x cols matrix of zeros. */
  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols);
  }

  /** A rows x cols matrix filled with `value`. */
  static full(rows: number, cols: number, value: number): Matrix {
    const m = new Matrix(rows, cols);
    m.data.fill(value);
    return m;
  }

  /** Builds a matrix from nested arrays (copies); every row must have the same length. */
  static fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0].length;
    const m = new Matrix(r, c);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c)
        throw new RangeError(`Matrix.fromRows: row ${i} has ${rows[i].length} values, expected ${c}`);
      for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
    }
    return m;
  }

  /** The identity matrix of size n. */
  static eye(n: number): Matrix {
    const m = new Matrix(n, n);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  /** Number of elements. */
  get size(): number {
    return this.rows * this.cols;
  }

  /** "RxC", used in error messages. */
  get shape(): string {
    return `${this.rows}x${this.cols}`;
  }

  /** Element (i, j). */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /** Sets element (i, j). */
  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** A view (no copy) of row i. */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /** A view (no copy) of the contiguous rows [start, end). */
  rowRange(start: number, end: number): Matrix {
    if (start < 0 || end > this.rows || start > end) {
      throw new RangeError(`Matrix.rowRange: [${start}, ${end}) out of bounds for ${this.shape}`);
    }
    return new Matrix(end - start, this.cols, this.data.subarray(start * this.cols, end * this.cols));
  }

  /** A copy of the given rows, in order. */
  gatherRows(ids: ArrayLike<number>, out?: Matrix): Matrix {
    const res = out ?? new Matrix(ids.length, this.cols);
    if (res.rows !== ids.length || res.cols !== this.cols) {
      throw new RangeError(`Matrix.gatherRows: out is ${res.shape}, expected ${ids.length}x${this.cols}`);
    }
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      if (!(Number.isInteger(id) && id >= 0 && id < this.rows))
        throw new RangeError(`Matrix.gatherRows: row ${id} out of bounds for ${this.shape}`);
      res.data.set(this.row(id), r * this.cols);
    }
    return res;
  }

  /** A deep copy. */
  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** A new matrix holding the transpose. */
  transpose(): Matrix {
    const t = new Matrix(this.cols, this.rows);
    const { rows, cols, data } = this;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t.data[j * rows + i] = data[i * cols + j];
    return t;
  }

  /** Nested arrays (copies), handy in tests and JSON. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }
}

/** Throws a shape error naming the op and both shapes unless `ok`. */
export function assertShape(
  ok: boolean,
  op: string,
  a: { shape: string },
  b: { shape: string },
  detail = "",
): void {
  if (!ok)
    throw new RangeError(`${op}: shape mismatch ${a.shape} vs ${b.shape}${detail ? ` (${detail})` : ""}`);
}
