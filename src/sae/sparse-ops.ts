import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import { codeAsCsr } from "./code.js";
import type { SparseCode } from "./types.js";

/**
 * Products between a sparse code Z (rows x dSae) and the SAE's dense matrices, each with a sparse
 * path costing nnz * dIn (kernels().csrMm / csrTMm / sddmm / denseTCsr, for the gradient on the
 * code's support) and a dense path (kernels().gemm on a densified Z, costing rows * dSae * dIn at
 * BLAS speed). Latents are split into contiguous groups [bounds[g],
 * bounds[g+1]) so matryoshka prefixes share the code; plain SAEs have a single group.
 */
export class Grouping {
  /** groupOf[j] = group of latent j. */
  readonly groupOf: Int32Array;

  /** `bounds` = [0, m_1, ..., m_n = dSae], strictly increasing. */
  constructor(readonly bounds: readonly number[]) {
    const dSae = bounds[bounds.length - 1];
    this.groupOf = new Int32Array(dSae);
    for (let g = 0; g + 1 < bounds.length; g++) this.groupOf.fill(g, bounds[g], bounds[g + 1]);
  }

  /** Number of groups. */
  get count(): number {
    return this.bounds.length - 1;
  }

  /** A single group covering all dSae latents. */
  static single(dSae: number): Grouping {
    return new Grouping([0, dSae]);
  }
}

/** Whether the dense path is cheaper for a code with `nnz` of `rows * dSae` entries. */
export function preferDense(nnz: number, rows: number, dSae: number, densityThreshold: number): boolean {
  return nnz > densityThreshold * rows * dSae;
}

/** Default density above which the dense (gemm) path is used, per backend. */
export function defaultDensityThreshold(): number {
  return kernels().name === "blas" ? 0.02 : 0.5;
}

/** The columns [lo, hi) of the code as a dense rows x (hi - lo) matrix. */
function denseBlock(code: SparseCode, lo: number, hi: number): Matrix {
  const w = hi - lo;
  const z = new Matrix(code.rows, w);
  for (let r = 0; r < code.rows; r++) {
    for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) {
      const j = code.indices[p];
      if (j >= lo && j < hi) z.data[r * w + j - lo] = code.values[p];
    }
  }
  return z;
}

/** outs[g] += Z_g W_dec[g rows] for each group g (outs are rows x dIn). */
export function decodeInto(
  code: SparseCode,
  wDec: Matrix,
  grouping: Grouping,
  outs: Matrix[],
  dense: boolean,
): void {
  if (dense) {
    const k = kernels();
    for (let g = 0; g < grouping.count; g++) {
      const lo = grouping.bounds[g];
      const hi = grouping.bounds[g + 1];
      k.gemm(false, false, 1, denseBlock(code, lo, hi), wDec.rowRange(lo, hi), 1, outs[g]);
    }
    return;
  }
  const parts = splitByGroup(code, grouping);
  for (let g = 0; g < grouping.count; g++) kernels().csrMm(codeAsCsr(parts[g]), wDec, outs[g], 1, 1);
}

/**
 * Backward of `decodeInto` given the gradient `gs[g]` reaching each group's latents (rows x dIn):
 * dWdec[j] += z_rj * gs[g(j)]_r (skipped when dWdec is null) and dVals[p] += <gs[g(j)]_r, W_dec[j]>.
 */
export function decodeBackward(
  code: SparseCode,
  wDec: Matrix,
  grouping: Grouping,
  gs: Matrix[],
  dWdec: Matrix | null,
  dVals: Float32Array,
  dense: boolean,
): void {
  if (dense) {
    const k = kernels();
    for (let g = 0; g < grouping.count; g++) {
      const lo = grouping.bounds[g];
      const hi = grouping.bounds[g + 1];
      const w = hi - lo;
      const wg = wDec.rowRange(lo, hi);
      if (dWdec) k.gemm(true, false, 1, denseBlock(code, lo, hi), gs[g], 1, dWdec.rowRange(lo, hi));
      const dz = k.gemm(false, true, 1, gs[g], wg, 0, new Matrix(code.rows, w));
      for (let r = 0; r < code.rows; r++) {
        for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) {
          const j = code.indices[p];
          if (j >= lo && j < hi) dVals[p] += dz.data[r * w + j - lo];
        }
      }
    }
    return;
  }
  if (dWdec) {
    const parts = splitByGroup(code, grouping);
    for (let g = 0; g < grouping.count; g++) kernels().csrTMm(codeAsCsr(parts[g]), gs[g], dWdec, 1, 1);
  }
  // dVals[p] += <gs[g(j)]_r, W_dec[j]>: one sampled product (kernels().sddmm) per group's latent range.
  const pattern = codeAsCsr(code);
  for (let g = 0; g < grouping.count; g++)
    kernels().sddmm(pattern, gs[g], wDec, dVals, grouping.bounds[g], grouping.bounds[g + 1]);
}

/** The code split into one code per latent group (the code itself when there is one group). */
export function splitByGroup(code: SparseCode, grouping: Grouping): SparseCode[] {
  if (grouping.count === 1) return [code];
  const G = grouping.count;
  const nnz = code.indptr[code.rows];
  const counts = new Int32Array(G);
  for (let p = 0; p < nnz; p++) counts[grouping.groupOf[code.indices[p]]]++;
  const out = Array.from(counts, (c) => ({
    indptr: new Int32Array(code.rows + 1),
    indices: new Int32Array(c),
    values: new Float32Array(c),
    w: 0,
  }));
  for (let r = 0; r < code.rows; r++) {
    for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) {
      const o = out[grouping.groupOf[code.indices[p]]];
      o.indices[o.w] = code.indices[p];
      o.values[o.w] = code.values[p];
      o.w++;
    }
    for (const o of out) o.indptr[r + 1] = o.w;
  }
  return out.map((o) => ({
    rows: code.rows,
    dSae: code.dSae,
    indptr: o.indptr,
    indices: o.indices,
    values: o.values,
  }));
}

/**
 * Encoder backward for a sparse pre-activation gradient dP with the code's pattern and values
 * `dVals`: dWenc += C^T dP (dIn x dSae) and dbEnc += column sums of dP.
 */
export function encoderBackward(
  code: SparseCode,
  dVals: Float32Array,
  c: Matrix,
  dWenc: Matrix,
  dbEnc: Float32Array,
  dense: boolean,
): void {
  const m = code.dSae;
  const nnz = code.indptr[code.rows];
  for (let p = 0; p < nnz; p++) dbEnc[code.indices[p]] += dVals[p];
  if (dense) {
    const dp = new Matrix(code.rows, m);
    for (let r = 0; r < code.rows; r++) {
      for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) dp.data[r * m + code.indices[p]] += dVals[p];
    }
    kernels().gemm(true, false, 1, c, dp, 1, dWenc);
    return;
  }
  // dWenc += C^T dP in one kernel call, written straight into W_enc's (dIn x dSae) layout.
  kernels().denseTCsr(c, codeAsCsr(code, dVals), dWenc, 1, 1);
}
