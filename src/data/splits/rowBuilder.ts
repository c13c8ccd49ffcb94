import { Csr } from "../../tensor/csr.js";

/**
 * Appends rows one at a time and builds a Csr. Column indices within each appended row must be
 * sorted ascending and unique (callers pass subsets of existing Csr rows, which already are).
 */
export class CsrRowBuilder {
  private readonly cols: number;
  private readonly ptr: number[] = [0];
  private idx: Int32Array;
  private val: Float32Array;
  private used = 0;

  /** Starts an empty builder for rows over `cols` columns; `capacity` is a hint for nnz. */
  constructor(cols: number, capacity = 16) {
    this.cols = cols;
    this.idx = new Int32Array(Math.max(capacity, 16));
    this.val = new Float32Array(Math.max(capacity, 16));
  }

  /** Number of rows appended so far. */
  get rows(): number {
    return this.ptr.length - 1;
  }

  /** Starts a new (empty) row. */
  startRow(): void {
    this.ptr.push(this.used);
  }

  /** Appends one entry to the current row; columns must arrive in ascending order. */
  push(col: number, value: number): void {
    if (this.used === this.idx.length) this.grow();
    this.idx[this.used] = col;
    this.val[this.used] = value;
    this.used++;
    this.ptr[this.ptr.length - 1] = this.used;
  }

  /** The finished matrix (copies the used part of the buffers). */
  build(): Csr {
    return new Csr(
      this.rows,
      this.cols,
      Int32Array.from(this.ptr),
      this.idx.slice(0, this.used),
      this.val.slice(0, this.used),
    );
  }

  private grow(): void {
    const idx = new Int32Array(this.idx.length * 2);
    const val = new Float32Array(this.val.length * 2);
    idx.set(this.idx);
    val.set(this.val);
    this.idx = idx;
    this.val = val;
  }
}

/** Throws a RangeError naming `what` unless `x` lies in [lo, hi] (or [lo, hi) when `openHi`). */
export function checkFraction(what: string, x: number, lo: number, hi: number, openHi = false): void {
  const ok = Number.isFinite(x) && x >= lo && (openHi ? x < hi : x <= hi);
  if (!ok) throw new RangeError(`${what} must be in [${lo}, ${hi}${openHi ? ")" : "]"}, got ${x}`);
}

/** Throws a RangeError naming `what` unless `x` is an integer >= `min`. */
export function checkInt(what: string, x: number, min: number): void {
  if (!Number.isInteger(x) || x < min) throw new RangeError(`${what} must be an integer >= ${min}, got ${x}`);
}

/** Throws unless `ts` has one finite timestamp per stored interaction, naming the first bad entry. */
export function checkTimestamps(op: string, ts: Float64Array, nnz: number): void {
  if (ts.length !== nnz) throw new RangeError(`${op}: ${ts.length} timestamps for ${nnz} interactions`);
  for (let p = 0; p < nnz; p++) {
    if (!Number.isFinite(ts[p])) throw new RangeError(`${op}: timestamp of interaction ${p} is ${ts[p]}`);
  }
}

/**
 * Draws `m` distinct positions out of 0..n-1 uniformly at random (partial Fisher-Yates), returned
 * in draw order; `next(bound)` must return a uniform integer in [0, bound).
 */
export function randomPick(n: number, m: number, next: (bound: number) => number): Int32Array {
  if (m > n) throw new RangeError(`randomPick: cannot draw ${m} of ${n}`);
  const pos = new Int32Array(n);
  for (let i = 0; i < n; i++) pos[i] = i;
  for (let t = 0; t < m; t++) {
    const j = t + next(n - t);
    const tmp = pos[t];
    pos[t] = pos[j];
    pos[j] = tmp;
  }
  return pos.slice(0, m);
}

/** A 0/1 mask of length n with `m` positions set, drawn by {@link randomPick}. */
export function randomMask(n: number, m: number, next: (bound: number) => number): Uint8Array {
  const mask = new Uint8Array(n);
  for (const p of randomPick(n, m, next)) mask[p] = 1;
  return mask;
}
