import type { Sae, SparseCode } from "../sae/types.js";

/**
 * One code row's SAE reconstruction split into additive parts in the caller's (recommender's)
 * space, float64: x_hat = sum_j parts[j] + bias. Built from the SAE's own tensors and its input
 * normalisation, which is undone exactly:
 * - "none":        x_hat = sum_j c_j W_j + b_dec;
 * - "dataset":     x_hat = (sum_j c_j W_j + b_dec) C + mu   (norm_scale C, norm_mean mu);
 * - "per-sample*": x_hat = (sum_j c_j W_j + b_dec) s_r + m_r (the row's rowScale / rowMean,
 *   1 and 0 when the code carries none), as SparseAutoencoder.decode undoes it.
 * So neuron j's part is c_j * scale * W_j and the bias is scale * b_dec + offset.
 */
export interface ReconstructionSplit {
  /** Latents of the row with a non-zero activation, in code order. */
  readonly neurons: Int32Array;
  /** Their activations c_j. */
  readonly activations: Float64Array;
  /** Row t (dIn wide, float64) is neuron t's part c_j * scale * W_j. */
  readonly parts: Float64Array[];
  /** scale * b_dec + offset (dIn). */
  readonly bias: Float64Array;
  /** The sum of every part and the bias: D_s(code) of the row in float64 (dIn). */
  readonly reconstruction: Float64Array;
}

function tensor(sae: Sae, name: string, length: number): Float32Array {
  const t = sae.tensors()[name];
  if (!t || t.data.length !== length)
    throw new Error(
      `explain: the ${sae.architecture} SAE has no ${name} tensor of ${length} values (needed to split its reconstruction)`,
    );
  return t.data;
}

/**
 * Splits row `r` of `code` (an SAE code, possibly steered) into per-neuron parts and a bias in the
 * caller's space; see {@link ReconstructionSplit}. Zero activations are skipped.
 */
export function splitReconstruction(sae: Sae, code: SparseCode, r: number): ReconstructionSplit {
  if (!(Number.isInteger(r) && r >= 0 && r < code.rows))
    throw new RangeError(`splitReconstruction: row ${r} out of range [0, ${code.rows})`);
  if (code.dSae !== sae.dSae)
    throw new RangeError(`splitReconstruction: code has dSae ${code.dSae}, the SAE has ${sae.dSae}`);
  const n = sae.dIn;
  const wDec = tensor(sae, "W_dec", sae.dSae * n);
  const bDec = tensor(sae, "b_dec", n);
  const kind = sae.config.normalisation;
  let scale = 1;
  let offset: ArrayLike<number> | number = 0;
  if (kind === "dataset") {
    scale = tensor(sae, "norm_scale", 1)[0];
    offset = tensor(sae, "norm_mean", n);
  } else if (kind === "per-sample" || kind === "per-sample-v1") {
    scale = code.rowScale ? code.rowScale[r] : 1;
    offset = code.rowMean ? code.rowMean[r] : 0;
  }
  const bias = new Float64Array(n);
  for (let c = 0; c < n; c++) bias[c] = scale * bDec[c] + (typeof offset === "number" ? offset : offset[c]);
  const reconstruction = Float64Array.from(bias);
  const neurons: number[] = [];
  const activations: number[] = [];
  const parts: Float64Array[] = [];
  const slot = new Map<number, number>();
  for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) {
    const v = code.values[p];
    if (v === 0) continue;
    const j = code.indices[p];
    let t = slot.get(j);
    if (t === undefined) {
      // an edited code may hold a latent twice; decode sums the entries, so do we
      t = neurons.length;
      slot.set(j, t);
      neurons.push(j);
      activations.push(0);
      parts.push(new Float64Array(n));
    }
    activations[t] += v;
    const part = parts[t];
    const f = v * scale;
    for (let c = 0; c < n; c++) {
      const add = f * wDec[j * n + c];
      part[c] += add;
      reconstruction[c] += add;
    }
  }
  return {
    neurons: Int32Array.from(neurons),
    activations: Float64Array.from(activations),
    parts,
    bias,
    reconstruction,
  };
}
