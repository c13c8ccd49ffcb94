import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { accumulateColSums, gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { scratchMatrix } from "./scratch.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Layer normalisation over each row: y = (x - mean) / sqrt(var + eps) * gain + bias, with the
 * biased variance (as PyTorch's LayerNorm). `gain` and `bias` are 1 x n (usually parameters).
 * Row statistics are accumulated in float64 (kernels().layerNormRows / layerNormRowsGrad).
 */
export function layerNorm(r: Recorder, xIn: Input, gainIn: Input, biasIn: Input, eps = 1e-5): Variable {
  const x = asVariable(xIn);
  const gain = asVariable(gainIn);
  const bias = asVariable(biasIn);
  const { rows, cols } = x.value;
  for (const [name, p] of [
    ["gain", gain],
    ["bias", bias],
  ] as const) {
    if (p.rows !== 1 || p.cols !== cols) {
      throw new RangeError(
        `layerNorm: shape mismatch ${x.shape} vs ${name} ${p.shape} (${name} must be 1x${cols})`,
      );
    }
  }
  const K = kernels();
  const gv = gain.value.data;
  const xhatM = new Matrix(rows, cols);
  const rstd = new Float64Array(rows);
  const y = new Matrix(rows, cols);
  K.layerNormRows(x.value, gv, bias.value.data, eps, y, xhatM, rstd);
  return r.record(y, [x, gain, bias], (g) => {
    // Column sums (float64) by kernels: d gain = colsum(dy * xhat), d bias = colsum(dy).
    if (gain.requiresGrad) accumulateColSums(gain, K.mul(g, xhatM, scratchMatrix(rows, cols)));
    if (bias.requiresGrad) accumulateColSums(bias, g);
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gain
    if (x.requiresGrad) K.layerNormRowsGrad(g, gv, xhatM, rstd, gradOf(x));
  });
}
