import { validateAsCfgJson } from "./format-legacy.js";
import { paramsOf } from "./format-saelens.js";
import {
  type DatasetNorm,
  type F32Tensor,
  type SaeParams,
  expectTensors,
  foldDatasetNorm,
  transposed,
  unfoldDatasetNorm,
} from "./format-tensors.js";
import type { SparseAutoencoder } from "./model.js";
import type { Sae, SaeConfig, SaeTensors } from "./types.js";
import { SaeConfigError } from "./validate.js";

/**
 * EleutherAI sparsify SAE folders: `cfg.json` (SparseCoderConfig: activation, expansion_factor,
 * normalize_decoder, num_latents, k, multi_topk, skip_connection, transcode, plus d_in) and
 * `sae.safetensors` with encoder.weight [num_latents x d_in], encoder.bias [num_latents],
 * W_dec [num_latents x d_in], b_dec [d_in]. sparsify encodes TopK(ReLU((x - b_dec) W^T + b)) and
 * decodes z W_dec + b_dec, which is reclens's TopK SAE without normalisation.
 */

/** Whether a cfg.json object looks like sparsify's (num_latents / expansion_factor, no d_sae). */
export function isSparsifyConfig(j: Record<string, unknown>): boolean {
  return j.d_sae === undefined && (j.num_latents !== undefined || j.expansion_factor !== undefined);
}

/**
 * The cfg.json and tensors of a TopK `sae` as sparsify's SparseCoder.load_from_disk reads them.
 * "dataset" normalisation is folded into the weights (its constants and b_dec_init kept under the
 * key "reclens", which sparsify drops); per-sample normalisation and threshold activations cannot be expressed.
 */
export function toSparsify(
  sae: Sae,
  source = "SAE",
): { config: Record<string, unknown>; tensors: SaeTensors } {
  const cfg = sae.config;
  const topk =
    cfg.architecture === "topk" || (cfg.architecture === "matryoshka" && cfg.matryoshkaActivation === "topk");
  if (!topk)
    throw new SaeConfigError(
      source,
      "architecture",
      "must be a TopK SAE to be written for sparsify (it only has TopK)",
      cfg.architecture,
    );
  if (cfg.normalisation !== "none" && cfg.normalisation !== "dataset")
    throw new SaeConfigError(
      source,
      "normalisation",
      'must be "none" or "dataset" for sparsify (it has no input normalisation)',
      cfg.normalisation,
    );
  const { params, norm } = paramsOf(sae);
  const p = norm ? foldDatasetNorm(params, norm) : params;
  const { dIn, dSae } = sae;
  return {
    config: {
      activation: "topk",
      expansion_factor: Math.max(1, Math.round(dSae / dIn)),
      normalize_decoder: true,
      num_latents: dSae,
      k: cfg.k,
      multi_topk: false,
      skip_connection: false,
      transcode: false,
      d_in: dIn,
      reclens: {
        b_dec_init: cfg.bDecInit,
        ...(norm ? { dataset_norm: { mean: Array.from(norm.mean), scale: norm.scale } } : {}),
      },
    },
    tensors: {
      "encoder.weight": { shape: [dSae, dIn], data: transposed(p.W_enc, dIn, dSae) },
      "encoder.bias": { shape: [dSae], data: p.b_enc },
      W_dec: { shape: [dSae, dIn], data: p.W_dec },
      b_dec: { shape: [dIn], data: p.b_dec },
    },
  };
}

function reclensOf(
  j: Record<string, unknown>,
): { b_dec_init?: unknown; dataset_norm?: { mean?: unknown; scale?: unknown } } | undefined {
  return typeof j.reclens === "object" && j.reclens !== null
    ? (j.reclens as Record<string, never>)
    : undefined;
}

function datasetNormOf(j: Record<string, unknown>, dIn: number): DatasetNorm | undefined {
  const r = reclensOf(j);
  const mean = r?.dataset_norm?.mean;
  const scale = r?.dataset_norm?.scale;
  if (!Array.isArray(mean) || mean.length !== dIn || typeof scale !== "number" || !(scale > 0))
    return undefined;
  return { mean: Float32Array.from(mean as number[]), scale };
}

/** A sparsify cfg.json as a reclens TopK config (errors name `source` and the key). */
export function sparsifyConfigFromJson(
  j: Record<string, unknown>,
  source: string,
): { config: SaeConfig; norm?: DatasetNorm } {
  if ((j.activation ?? "topk") !== "topk")
    throw new SaeConfigError(source, "activation", 'must be "topk" (reclens has no groupmax)', j.activation);
  for (const key of ["transcode", "skip_connection"] as const)
    if (j[key] === true)
      throw new SaeConfigError(
        source,
        key,
        "must be false (reclens reads sparse autoencoders without skip connections)",
        j[key],
      );
  const dIn = j.d_in;
  const n = typeof j.num_latents === "number" && j.num_latents > 0 ? j.num_latents : undefined;
  const dSae =
    n ??
    (typeof dIn === "number" && typeof j.expansion_factor === "number"
      ? dIn * j.expansion_factor
      : undefined);
  const norm = typeof dIn === "number" ? datasetNormOf(j, dIn) : undefined;
  const config = validateAsCfgJson(
    {
      architecture: "topk",
      dIn,
      dSae,
      k: j.k,
      normalisation: norm ? "dataset" : "none",
      bDecInit: reclensOf(j)?.b_dec_init ?? "zero",
    },
    source,
    { dIn: "d_in", dSae: "num_latents" },
  );
  return { config, ...(norm ? { norm } : {}) };
}

/** Loads sparsify's tensors into `sae` (built from {@link sparsifyConfigFromJson}). */
export function loadSparsifyTensors(
  sae: SparseAutoencoder,
  norm: DatasetNorm | undefined,
  have: Map<string, F32Tensor>,
  path: string,
): void {
  const { dIn, dSae } = sae;
  const want = { "encoder.weight": [dSae, dIn], "encoder.bias": [dSae], W_dec: [dSae, dIn], b_dec: [dIn] };
  expectTensors(have, want, path, "a sparsify SAE");
  const get = (name: string): Float32Array => (have.get(name) as F32Tensor).data.slice();
  let p: SaeParams = {
    W_enc: transposed(get("encoder.weight"), dSae, dIn),
    b_enc: get("encoder.bias"),
    W_dec: get("W_dec"),
    b_dec: get("b_dec"),
  };
  if (norm) p = unfoldDatasetNorm(p, norm);
  const t: SaeTensors = {
    W_enc: { shape: [dIn, dSae], data: p.W_enc },
    b_enc: { shape: [dSae], data: p.b_enc },
    W_dec: { shape: [dSae, dIn], data: p.W_dec },
    b_dec: { shape: [dIn], data: p.b_dec },
  };
  if (norm) {
    t.norm_mean = { shape: [dIn], data: norm.mean };
    t.norm_scale = { shape: [1], data: Float32Array.of(norm.scale) };
  }
  sae.loadTensors(t, path);
}
