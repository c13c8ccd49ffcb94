import { Matrix } from "../matrix.js";
import { kernels } from "../backend.js";
import { accumulateColSums, gradOf } from "./grad.js";
import type { Recorder } from "./recorder.js";
import { scratchMatrix } from "./scratch.js";
import { asVariable, type Input, type Variable } from "./variable.js";

/**
 * Layer normalisation over each row: y = (x - mean) / sqrt(var + eps) * gain + bias, with the
 * biased variance (as PyTorch's LayerNorm). `gain` and `bias` are 1 x n (usually parameters).
 * Row statistics are accumulated in float64.
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
  const xv = x.value.data;
  const gv = gain.value.data;
  const bv = bias.value.data;
  const xhatM = new Matrix(rows, cols);
  const xhat = xhatM.data;
  const rstd = new Float64Array(rows);
  const y = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += xv[o + j];
    mean /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (xv[o + j] - mean) ** 2;
    const rs = 1 / Math.sqrt(v / cols + eps);
    rstd[i] = rs;
    for (let j = 0; j < cols; j++) {
      const h = (xv[o + j] - mean) * rs;
      xhat[o + j] = h;
      y.data[o + j] = h * gv[j] + bv[j];
    }
  }
  return r.record(y, [x, gain, bias], (g) => {
    const dy = g.data;
    // Column sums (float64) by kernels: d gain = colsum(dy * xhat), d bias = colsum(dy).
    if (gain.requiresGrad) accumulateColSums(gain, kernels().mul(g, xhatM, scratchMatrix(rows, cols)));
    if (bias.requiresGrad) accumulateColSums(bias, g);
    if (x.requiresGrad) {
      // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gain
      const dx = gradOf(x).data;
      for (let i = 0; i < rows; i++) {
        const o = i * cols;
        let s1 = 0;
        let s2 = 0;
        for (let j = 0; j < cols; j++) {
          const d = dy[o + j] * gv[j];
          s1 += d;
          s2 += d * xhat[o + j];
        }
        s1 /= cols;
        s2 /= cols;
        for (let j = 0; j < cols; j++) dx[o + j] += rstd[i] * (dy[o + j] * gv[j] - s1 - xhat[o + j] * s2);
      }
    }
  });
}
