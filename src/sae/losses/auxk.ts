import { kernels } from "../../tensor/backend.js";
import { Matrix } from "../../tensor/matrix.js";
import { CodeBuilder } from "../code.js";
import { Grouping, decodeBackward, decodeInto, encoderBackward, preferDense } from "../sparse-ops.js";
import { totalVariance } from "./fvu.js";
import type { AuxKConfig } from "./types.js";

/** Gradient buffers AuxK accumulates into (scaled by `scale`). */
export interface AuxKGrads {
  /** Centred encoder input C = x - b_dec (rows x dIn). */
  c: Matrix;
  dWdec: Matrix;
  dWenc: Matrix;
  /** Column sums of dL/dpre (the caller turns them into the b_enc and b_dec gradients). */
  dbEnc: Float32Array;
}

/** Inputs of `auxKLoss`. */
export interface AuxKInput {
  /** Pre-activations (rows x dSae). */
  pre: Matrix;
  /** dead[j] = 1 for dead latents. */
  dead: Uint8Array;
  /** The detached residual e = x - x_hat (rows x dIn). */
  residual: Matrix;
  wDec: Matrix;
  cfg: AuxKConfig;
  /** Gradient multiplier (the term's weight). */
  scale: number;
  /** Density (within the dead latents) above which gemm on the dead latents replaces sparse loops. */
  densityThreshold: number;
  /** Where to accumulate gradients; omitted: value only. */
  grads?: AuxKGrads;
}

/** Default k_aux: half the input width (Gao et al. 2024, appendix B.1), at least 1. */
export function defaultKAux(dIn: number): number {
  return Math.max(1, Math.floor(dIn / 2));
}

/**
 * AuxK dead-latent loss (Gao et al. 2024). Per row, the k_aux largest positive pre-activations among
 * dead latents form a code z_aux; e_hat = z_aux W_dec (no bias) fits the detached residual e:
 * value = min(numDead / k_aux, 1) * ||e - e_hat||^2 / N, with N = totalVariance(e) ("variance") or
 * the number of rows ("sum"). Returns the unscaled value and the number of dead latents; with
 * `grads`, adds `scale` times the gradients w.r.t. W_dec, W_enc and the pre-activation column sums.
 */
export function auxKLoss(inp: AuxKInput): { value: number; numDead: number } {
  const { pre, dead, residual, wDec, cfg } = inp;
  const B = pre.rows;
  const m = pre.cols;
  const n = wDec.cols;
  const deadIdx: number[] = [];
  for (let j = 0; j < m; j++) if (dead[j]) deadIdx.push(j);
  const D = deadIdx.length;
  if (D === 0 || B === 0) return { value: 0, numDead: D };
  const kAux = cfg.kAux ?? defaultKAux(n);
  const deadScale = Math.min(D / kAux, 1);
  const kEff = Math.min(kAux, D);
  const k = kernels();

  const preD = new Matrix(B, D);
  for (let r = 0; r < B; r++) for (let t = 0; t < D; t++) preD.data[r * D + t] = pre.data[r * m + deadIdx[t]];
  const top = k.rowTopK(preD, kEff);
  // Work in the subspace of dead latents: dense gemms there are cheaper than sparse loops unless
  // k_aux is a small share of the dead latents.
  const dense = preferDense(B * kEff, B, D, inp.densityThreshold);
  const b = new CodeBuilder(B, dense ? D : m, B * kEff);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < kEff; t++) {
      const v = top.values[r * kEff + t];
      if (v > 0) b.push(dense ? top.indices[r * kEff + t] : deadIdx[top.indices[r * kEff + t]], v);
    }
    b.endRow();
  }
  const code = b.build();
  const nnz = code.indptr[B];
  const zD = dense ? denseOf(code) : null;
  const wD = dense ? wDec.gatherRows(deadIdx) : null;
  const diff = new Matrix(B, n);
  if (zD && wD) k.gemm(false, false, 1, zD, wD, 0, diff);
  else decodeInto(code, wDec, Grouping.single(m), [diff], false);
  const denom = cfg.normalisation === "variance" ? totalVariance(residual) : B;
  const rowScale = cfg.rescale === "least-squares" ? leastSquaresScales(diff, residual) : null;
  let s = 0;
  for (let r = 0; r < B; r++) {
    const c = rowScale ? rowScale[r] : 1;
    for (let t = r * n; t < (r + 1) * n; t++) {
      const d = c * diff.data[t] - residual.data[t];
      s += d * d;
      diff.data[t] = c * d; // dL/de_hat up to the factor below (c is held constant)
    }
  }
  const value = (deadScale * s) / denom;
  const g = inp.grads;
  if (!g) return { value, numDead: D };
  const factor = (2 * inp.scale * deadScale) / denom;
  for (let t = 0; t < diff.data.length; t++) diff.data[t] *= factor; // now dL/de_hat
  if (zD && wD) {
    const dWD = k.gemm(true, false, 1, zD, diff, 0, new Matrix(D, n));
    for (let t = 0; t < D; t++) {
      const src = dWD.row(t);
      const dst = g.dWdec.row(deadIdx[t]);
      for (let c = 0; c < n; c++) dst[c] += src[c];
    }
    const dP = k.gemm(false, true, 1, diff, wD, 0, new Matrix(B, D));
    for (let t = 0; t < dP.data.length; t++) if (!(zD.data[t] > 0)) dP.data[t] = 0;
    const dWencD = k.gemm(true, false, 1, g.c, dP, 0, new Matrix(n, D));
    for (let q = 0; q < n; q++)
      for (let t = 0; t < D; t++) g.dWenc.data[q * m + deadIdx[t]] += dWencD.data[q * D + t];
    const colSums = k.sumCols(dP);
    for (let t = 0; t < D; t++) g.dbEnc[deadIdx[t]] += colSums[t];
  } else {
    const dVals = new Float32Array(nnz);
    decodeBackward(code, wDec, Grouping.single(m), [diff], g.dWdec, dVals, false);
    encoderBackward(code, dVals, g.c, g.dWenc, g.dbEnc, false);
  }
  return { value, numDead: D };
}

/**
 * Per-row constants c_r = clamp(<e_r, e_hat_r> / ||e_hat_r||^2, 0, 1) (0 for an empty e_hat_r): the
 * least-squares scale of the auxiliary reconstruction, capped at 1. An e_hat that overshoots the
 * residual is shrunk onto its best fit, so the term can no longer be lowered by pushing every dead
 * latent's pre-activation down; one that undershoots is left as published. The constants are held
 * fixed (no gradient flows through them).
 */
export function leastSquaresScales(eHat: Matrix, residual: Matrix): Float32Array {
  const n = eHat.cols;
  const out = new Float32Array(eHat.rows);
  for (let r = 0; r < eHat.rows; r++) {
    let hh = 0;
    let he = 0;
    for (let t = r * n; t < (r + 1) * n; t++) {
      hh += eHat.data[t] * eHat.data[t];
      he += eHat.data[t] * residual.data[t];
    }
    out[r] = hh > 0 ? Math.min(1, Math.max(0, he / hh)) : 0;
  }
  return out;
}

function denseOf(code: {
  rows: number;
  dSae: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}): Matrix {
  const z = new Matrix(code.rows, code.dSae);
  for (let r = 0; r < code.rows; r++) {
    for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++)
      z.data[r * code.dSae + code.indices[p]] = code.values[p];
  }
  return z;
}
