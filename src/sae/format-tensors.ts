import type { SafetensorsContents } from "../store/safetensors.js";
import { assertFiniteTensor } from "../store/finite.js";

/** A float32 tensor as SAE files hold it. */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

/**
 * The tensors of a safetensors file by name, as float32 (F64 is rounded), refusing integer dtypes
 * and NaN/Infinity; errors name `path` and the tensor.
 */
export function floatTensors(contents: SafetensorsContents, path: string): Map<string, F32Tensor> {
  const out = new Map<string, F32Tensor>();
  for (const [name, t] of contents.tensors) {
    if (t.dtype !== "F32" && t.dtype !== "F64")
      throw new Error(`${path}: tensor "${name}" has dtype ${t.dtype}, expected F32`);
    assertFiniteTensor(path, name, t.data, t.shape);
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    out.set(name, { shape: [...t.shape], data });
  }
  return out;
}

/**
 * Checks that `have` holds exactly the tensors `want` (name -> shape), naming `path`, the
 * tensor and, for a wrong shape, where the expected shape comes from.
 */
export function expectTensors(
  have: Map<string, F32Tensor>,
  want: Record<string, number[]>,
  path: string,
  what: string,
): void {
  for (const name of have.keys())
    if (!(name in want))
      throw new Error(
        `${path}: unexpected tensor "${name}" for ${what} (expected: ${Object.keys(want).join(", ")})`,
      );
  for (const [name, shape] of Object.entries(want)) {
    const t = have.get(name);
    if (!t) throw new Error(`${path}: tensor "${name}" is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new Error(
        `${path}: tensor "${name}" has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}] from the config`,
      );
  }
}

/** The transpose of a rows x cols row-major array. */
export function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** Dataset normalisation constants (x = (y - mean) / scale), see normalise.ts. */
export interface DatasetNorm {
  readonly mean: Float32Array;
  readonly scale: number;
}

/** Parameters in SAELens layout: W_enc [dIn x dSae], b_enc [dSae], W_dec [dSae x dIn], b_dec [dIn]. */
export interface SaeParams {
  W_enc: Float32Array;
  b_enc: Float32Array;
  W_dec: Float32Array;
  b_dec: Float32Array;
}

/**
 * Folds dataset normalisation into the weights so that a plain SAE on raw inputs computes the same
 * codes and reconstructions: W_enc / c, W_dec * c, b_dec' = mean + c * b_dec (b_enc unchanged).
 */
export function foldDatasetNorm(p: SaeParams, norm: DatasetNorm): SaeParams {
  const c = norm.scale;
  return {
    W_enc: p.W_enc.map((v) => v / c),
    b_enc: p.b_enc.slice(),
    W_dec: p.W_dec.map((v) => v * c),
    b_dec: p.b_dec.map((v, i) => norm.mean[i] + c * v),
  };
}

/** Inverse of {@link foldDatasetNorm} (float64 arithmetic, then rounded to float32). */
export function unfoldDatasetNorm(p: SaeParams, norm: DatasetNorm): SaeParams {
  const c = norm.scale;
  return {
    W_enc: p.W_enc.map((v) => v * c),
    b_enc: p.b_enc.slice(),
    W_dec: p.W_dec.map((v) => v / c),
    b_dec: p.b_dec.map((v, i) => (v - norm.mean[i]) / c),
  };
}

/**
 * Folds "pre-activations scaled by decoder row norms" (SAELens topk `rescale_acts_by_decoder_norm`)
 * into the weights: W_enc[:, j] and b_enc[j] times ||W_dec[j]||, W_dec[j] divided by it (IN PLACE).
 */
export function foldDecoderNorms(p: SaeParams, dIn: number, dSae: number): void {
  for (let j = 0; j < dSae; j++) {
    let s = 0;
    for (let c = 0; c < dIn; c++) s += p.W_dec[j * dIn + c] ** 2;
    const nrm = Math.sqrt(s);
    if (!(nrm > 0)) continue;
    for (let c = 0; c < dIn; c++) {
      p.W_enc[c * dSae + j] *= nrm;
      p.W_dec[j * dIn + c] /= nrm;
    }
    p.b_enc[j] *= nrm;
  }
}

/**
 * Folds "b_dec is not subtracted from the input" (SAELens `apply_b_dec_to_input: false`) into
 * b_enc: b_enc + b_dec W_enc, so that (x - b_dec) W_enc + b_enc' = x W_enc + b_enc (IN PLACE).
 */
export function foldInputBias(p: SaeParams, dIn: number, dSae: number): void {
  const acc = new Float64Array(dSae);
  for (let c = 0; c < dIn; c++) {
    const b = p.b_dec[c];
    if (b === 0) continue;
    for (let j = 0; j < dSae; j++) acc[j] += b * p.W_enc[c * dSae + j];
  }
  for (let j = 0; j < dSae; j++) p.b_enc[j] += acc[j];
}
