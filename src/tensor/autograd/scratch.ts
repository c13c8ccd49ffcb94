import { Matrix } from "../matrix.js";

/**
 * One scratch buffer shared by backward closures for short-lived temporaries (a product that is
 * added into an existing gradient straight away). Fresh large buffers are costly: every page is
 * faulted in and zeroed on first touch, and the garbage drives the collector. The buffer is held
 * through a WeakRef, so it never pins memory beyond the next full collection.
 */
let scratch: WeakRef<Float32Array> | null = null;

/**
 * A rows x cols matrix over the shared scratch buffer, contents undefined. Valid only until the
 * next call: use it for one kernel's output and consume it before anything else asks for scratch.
 * Never store it, hand it to user code, or make it a Variable's value or gradient.
 */
export function scratchMatrix(rows: number, cols: number): Matrix {
  const n = rows * cols;
  let buf = scratch?.deref();
  if (buf === undefined || buf.length < n) {
    buf = new Float32Array(n);
    scratch = new WeakRef(buf);
  }
  return new Matrix(rows, cols, buf.length === n ? buf : buf.subarray(0, n));
}
