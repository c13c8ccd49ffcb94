import type { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { gradTarget } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/** Transpose flags of `matmul`: op(A) = A^T when `transA`, op(B) = B^T when `transB`. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * C = op(A) op(B) through `kernels().gemm`. The backward pass is two more gemm calls with
 * transpose flags (dA = dC op(B)^T, dB = op(A)^T dC, mirrored when an operand was transposed),
 * accumulating straight into the gradient buffers (beta = 1; beta = 0 into a gradient buffer that
 * was just allocated, so the zeros are not read); nothing is transposed explicitly.
 */
export function matmul(r: Recorder, aIn: Input, bIn: Input, options: MatmulOptions = {}): Variable {
  const a = asVariable(aIn);
  const b = asVariable(bIn);
  const ta = options.transA === true;
  const tb = options.transB === true;
  const m = ta ? a.cols : a.rows;
  const k = ta ? a.rows : a.cols;
  const kb = tb ? b.cols : b.rows;
  const n = tb ? b.rows : b.cols;
  if (k !== kb) {
    throw new RangeError(
      `matmul: shape mismatch ${a.shape} vs ${b.shape} (inner dimensions ${k} and ${kb}, transA=${ta}, transB=${tb})`,
    );
  }
  const K = kernels();
  const c = K.gemm(ta, tb, 1, a.value, b.value, 0, new Matrix(m, n));
  return r.record(c, [a, b], (g) => {
    if (a.requiresGrad) {
      const { grad: ga, beta } = gradTarget(a);
      // A not transposed: dA = dC op(B)^T.  A transposed: dA = op(B) dC^T.
      if (!ta) K.gemm(false, !tb, 1, g, b.value, beta, ga);
      else K.gemm(tb, true, 1, b.value, g, beta, ga);
    }
    if (b.requiresGrad) {
      const { grad: gb, beta } = gradTarget(b);
      // B not transposed: dB = op(A)^T dC.  B transposed: dB = dC^T op(A).
      if (!tb) K.gemm(!ta, false, 1, a.value, g, beta, gb);
      else K.gemm(true, ta, 1, g, a.value, beta, gb);
    }
  });
}

/** Options of `csrMatmul`. */
export interface CsrMatmulOptions {
  /** Multiply by S^T instead of S. */
  transS?: boolean;
}

/**
 * S X (or S^T X) for a constant sparse S and a dense X, through `kernels().csrMm` / `csrTMm`.
 * Only X receives a gradient (dX = S^T dC, or S dC when transposed).
 */
export function csrMatmul(r: Recorder, s: Csr, xIn: Input, options: CsrMatmulOptions = {}): Variable {
  const x = asVariable(xIn);
  const ts = options.transS === true;
  const inner = ts ? s.rows : s.cols;
  if (inner !== x.rows) {
    throw new RangeError(
      `csrMatmul: shape mismatch ${s.shape} vs ${x.shape} (inner dimensions ${inner} and ${x.rows}, transS=${ts})`,
    );
  }
  const K = kernels();
  const c = ts ? K.csrTMm(s, x.value) : K.csrMm(s, x.value);
  return r.record(c, [x], (g) => {
    const { grad: gx, beta } = gradTarget(x);
    if (ts) K.csrMm(s, g, gx, 1, beta);
    else K.csrTMm(s, g, gx, 1, beta);
  });
}
