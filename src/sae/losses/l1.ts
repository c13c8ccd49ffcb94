import type { Matrix } from "../../tensor/matrix.js";
import type { SparseCode } from "../types.js";

/**
 * L1 penalty (1/rows) * sum |z_ij| * w_j with w_j = ||W_dec[j]|| when `decoderNormWeighted`, else 1.
 * With `dVals` it adds `scale` * dL/dz for each stored entry; with `dWdec` (and weighting) it adds
 * `scale` * dL/dW_dec. Returns the unscaled value.
 */
export function l1Loss(
  code: SparseCode,
  wDec: Matrix,
  decoderNormWeighted: boolean,
  dVals: Float32Array | null,
  dWdec: Matrix | null,
  scale: number,
): number {
  const B = code.rows;
  if (B === 0) return 0;
  const n = wDec.cols;
  const nnz = code.indptr[B];
  const norms = decoderNormWeighted ? rowNormsOf(wDec) : null;
  const colAbs = norms && dWdec ? new Float64Array(code.dSae) : null;
  let s = 0;
  for (let p = 0; p < nnz; p++) {
    const j = code.indices[p];
    const v = code.values[p];
    const w = norms ? norms[j] : 1;
    s += Math.abs(v) * w;
    if (dVals) dVals[p] += (scale / B) * Math.sign(v) * w;
    if (colAbs) colAbs[j] += Math.abs(v);
  }
  if (colAbs && norms && dWdec) {
    for (let j = 0; j < code.dSae; j++) {
      if (colAbs[j] === 0 || norms[j] === 0) continue;
      const f = (scale / B) * (colAbs[j] / norms[j]);
      const off = j * n;
      for (let c = 0; c < n; c++) dWdec.data[off + c] += f * wDec.data[off + c];
    }
  }
  return s / B;
}

function rowNormsOf(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let j = 0; j < m.rows; j++) {
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += m.data[j * m.cols + c] ** 2;
    out[j] = Math.sqrt(s);
  }
  return out;
}
