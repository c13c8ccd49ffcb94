import type { SparseAutoencoder } from "./model.js";
import { validateAsCfgJson } from "./format-legacy.js";
import {
  type DatasetNorm,
  type F32Tensor,
  type SaeParams,
  expectTensors,
  foldDatasetNorm,
  foldDecoderNorms,
  foldInputBias,
  unfoldDatasetNorm,
} from "./format-tensors.js";
import type { Sae, SaeConfig, SaeTensors } from "./types.js";
import { SaeConfigError } from "./validate.js";

/**
 * SAELens v6 SAE folders (`cfg.json` + `sae_weights.safetensors`), written so that
 * `SAE.load_from_disk(dir)` loads them without conversion, and read back by reclens (its own and
 * SAELens's standard/topk ones). The mapping is documented in docs/formats.md.
 */

/** Format tag of reclens's own settings, kept under cfg.json `metadata.reclens`. */
export const SAE_FORMAT = "reclens-sae/2";

/** The SAELens config layout the files follow (`metadata.sae_lens_version`: read as a v6 config). */
export const SAELENS_LAYOUT_VERSION = "6.0.0";

/** reclens settings SAELens has no key for, kept under cfg.json `metadata.reclens`. */
interface ReclensMeta {
  format?: unknown;
  architecture?: unknown;
  k?: unknown;
  matryoshka_widths?: unknown;
  matryoshka_activation?: unknown;
  topk_threshold_lr?: unknown;
  tied_decoder?: unknown;
  normalisation?: unknown;
  b_dec_init?: unknown;
  /** "dataset" normalisation folded into the weights: the constants to unfold them. */
  dataset_norm?: { mean?: unknown; scale?: unknown };
}

/** The SAELens inference architecture computing reclens's inference code for `cfg`. */
export function saelensArchitectureOf(cfg: Readonly<SaeConfig>): "standard" | "topk" | "jumprelu" {
  if (cfg.architecture === "relu") return "standard";
  if (cfg.architecture === "topk") return "topk";
  if (cfg.architecture === "matryoshka" && cfg.matryoshkaActivation === "topk") return "topk";
  return "jumprelu"; // batchtopk and matryoshka-batchtopk: ReLU above a per-latent threshold
}

/** SAELens `normalize_activations` for a reclens normalisation ("dataset" is folded: "none"). */
function saelensNormalisation(cfg: Readonly<SaeConfig>, source: string): "none" | "layer_norm" {
  if (cfg.normalisation === "per-sample") return "layer_norm";
  if (cfg.normalisation === "per-sample-v1")
    throw new SaeConfigError(
      source,
      "normalisation",
      "is reclens 0.1's per-row standardisation, which SAELens cannot express; retrain the SAE (`reclens sae train ... --force`) to save it",
      cfg.normalisation,
    );
  return "none";
}

/**
 * cfg.json of an SAE in SAELens v6 keys (architecture, d_in, d_sae, dtype, device,
 * apply_b_dec_to_input, normalize_activations, reshape_activations, k, metadata) with reclens's
 * own settings under `metadata.reclens`; `norm` adds the folded dataset-normalisation constants.
 */
export function saeConfigToJson(
  cfg: Readonly<SaeConfig>,
  norm?: DatasetNorm,
  source = "SAE config",
): Record<string, unknown> {
  const arch = saelensArchitectureOf(cfg);
  const reclens: Record<string, unknown> = {
    format: SAE_FORMAT,
    architecture: cfg.architecture,
    normalisation: cfg.normalisation,
    b_dec_init: cfg.bDecInit,
  };
  if (cfg.k !== undefined) reclens.k = cfg.k;
  if (cfg.prefixes !== undefined) reclens.matryoshka_widths = cfg.prefixes.slice();
  if (cfg.matryoshkaActivation !== undefined) reclens.matryoshka_activation = cfg.matryoshkaActivation;
  if (cfg.thresholdLr !== undefined) reclens.topk_threshold_lr = cfg.thresholdLr;
  if (cfg.tied !== undefined) reclens.tied_decoder = cfg.tied;
  if (norm) reclens.dataset_norm = { mean: Array.from(norm.mean), scale: norm.scale };
  return {
    architecture: arch,
    d_in: cfg.dIn,
    d_sae: cfg.dSae,
    dtype: "float32",
    device: "cpu",
    apply_b_dec_to_input: true,
    normalize_activations: saelensNormalisation(cfg, source),
    reshape_activations: "none",
    ...(arch === "topk" ? { k: cfg.k, rescale_acts_by_decoder_norm: false } : {}),
    metadata: { sae_lens_version: SAELENS_LAYOUT_VERSION, reclens },
  };
}

/** reclens's parameters of `sae` (SAELens layout) and its dataset normalisation, if any. */
export function paramsOf(sae: Sae): { params: SaeParams; norm?: DatasetNorm; threshold?: F32Tensor } {
  const t = sae.tensors();
  const params = { W_enc: t.W_enc.data, b_enc: t.b_enc.data, W_dec: t.W_dec.data, b_dec: t.b_dec.data };
  const norm =
    sae.config.normalisation === "dataset"
      ? { mean: t.norm_mean.data, scale: t.norm_scale.data[0] }
      : undefined;
  return { params, ...(norm ? { norm } : {}), ...(t.threshold ? { threshold: t.threshold } : {}) };
}

/** The cfg.json object and the tensors of `sae` as SAELens v6 reads them. */
export function toSaelens(
  sae: Sae,
  source = "SAE",
): { config: Record<string, unknown>; tensors: SaeTensors } {
  const { params, norm, threshold } = paramsOf(sae);
  const config = saeConfigToJson(sae.config, norm, source);
  const p = norm ? foldDatasetNorm(params, norm) : params;
  const { dIn, dSae } = sae;
  const tensors: SaeTensors = {
    W_enc: { shape: [dIn, dSae], data: p.W_enc },
    b_enc: { shape: [dSae], data: p.b_enc },
    W_dec: { shape: [dSae, dIn], data: p.W_dec },
    b_dec: { shape: [dIn], data: p.b_dec },
  };
  if (config.architecture === "jumprelu") {
    if (!threshold) throw new Error(`${source}: a ${sae.architecture} SAE without a threshold tensor`);
    tensors.threshold = threshold;
  }
  return { config, tensors };
}

const FOREIGN_OK = "standard, topk, or the jumprelu folders reclens writes";

/** The dataset constants of `metadata.reclens.dataset_norm`, checked against d_in. */
function datasetNormOf(meta: ReclensMeta, dIn: number, source: string): DatasetNorm {
  const dn = meta.dataset_norm ?? {};
  const mean = dn.mean;
  if (!Array.isArray(mean) || mean.length !== dIn || !mean.every((v) => Number.isFinite(v)))
    throw new SaeConfigError(
      source,
      "metadata.reclens.dataset_norm.mean",
      `must be ${dIn} finite numbers`,
      mean,
    );
  if (typeof dn.scale !== "number" || !(dn.scale > 0) || !Number.isFinite(dn.scale))
    throw new SaeConfigError(
      source,
      "metadata.reclens.dataset_norm.scale",
      "must be a positive number",
      dn.scale,
    );
  return { mean: Float32Array.from(mean as number[]), scale: dn.scale };
}

/** A SAELens v6 cfg.json (from reclens or SAELens) as a reclens config plus how to map the weights. */
export function saelensConfigFromJson(
  j: Record<string, unknown>,
  source: string,
): { config: SaeConfig; norm?: DatasetNorm; rescale: boolean; applyBDec: boolean } {
  const meta = (
    typeof j.metadata === "object" && j.metadata !== null
      ? ((j.metadata as Record<string, unknown>).reclens ?? {})
      : {}
  ) as ReclensMeta;
  const ours = meta.format === SAE_FORMAT;
  if (
    j.dtype !== undefined &&
    !["float32", "torch.float32", "float64", "torch.float64"].includes(String(j.dtype))
  )
    throw new SaeConfigError(source, "dtype", 'must be "float32" (or "float64")', j.dtype);
  if (j.reshape_activations !== undefined && j.reshape_activations !== "none")
    throw new SaeConfigError(source, "reshape_activations", 'must be "none"', j.reshape_activations);
  const na = j.normalize_activations ?? "none";
  if (na !== "none" && na !== "layer_norm")
    throw new SaeConfigError(
      source,
      "normalize_activations",
      na === "expected_average_only_in"
        ? 'must be "none" or "layer_norm": the scaling factor is not stored in the folder; fold it into the weights in SAELens (sae.fold_activation_norm_scaling_factor(factor); sae.save_model(dir))'
        : 'must be "none" or "layer_norm" (reclens cannot express other normalisations)',
      na,
    );
  const cfg: Record<string, unknown> = {
    dIn: j.d_in,
    dSae: j.d_sae,
    normalisation: na === "layer_norm" ? "per-sample" : "none",
    bDecInit: ours && meta.b_dec_init !== undefined ? meta.b_dec_init : "zero",
  };
  const arch = j.architecture;
  const reclensArch = ours ? meta.architecture : undefined;
  if (arch === "standard") {
    cfg.architecture = "relu";
    if (ours && meta.k !== undefined) cfg.k = meta.k;
  } else if (arch === "topk") {
    cfg.architecture = reclensArch === "matryoshka" ? "matryoshka" : "topk";
    cfg.k = j.k;
    if (cfg.architecture === "matryoshka") cfg.matryoshkaActivation = "topk";
  } else if (arch === "jumprelu" && (reclensArch === "batchtopk" || reclensArch === "matryoshka")) {
    cfg.architecture = reclensArch;
    cfg.k = meta.k;
    if (reclensArch === "matryoshka") cfg.matryoshkaActivation = "batchtopk";
  } else throw new SaeConfigError(source, "architecture", `must be ${FOREIGN_OK}`, arch);
  if (cfg.architecture === "matryoshka") {
    cfg.prefixes = meta.matryoshka_widths;
    if (meta.matryoshka_activation === undefined) delete cfg.matryoshkaActivation;
  }
  if (ours && meta.topk_threshold_lr !== undefined) cfg.thresholdLr = meta.topk_threshold_lr;
  if (ours && meta.tied_decoder !== undefined) cfg.tied = meta.tied_decoder;
  let norm: DatasetNorm | undefined;
  if (ours && meta.normalisation === "dataset" && na === "none") {
    norm = datasetNormOf(meta, Number(j.d_in), source);
    cfg.normalisation = "dataset";
  }
  const config = validateAsCfgJson(cfg, source, {
    dIn: "d_in",
    dSae: "d_sae",
    k: arch === "topk" ? "k" : "metadata.reclens.k",
    prefixes: "metadata.reclens.matryoshka_widths",
    bDecInit: "metadata.reclens.b_dec_init",
    thresholdLr: "metadata.reclens.topk_threshold_lr",
    tied: "metadata.reclens.tied_decoder",
  });
  return {
    config,
    ...(norm ? { norm } : {}),
    rescale: arch === "topk" && j.rescale_acts_by_decoder_norm === true,
    applyBDec: j.apply_b_dec_to_input !== false,
  };
}

/**
 * Loads the weights of a SAELens folder into `sae` (built from {@link saelensConfigFromJson}):
 * exactly W_enc, b_enc, W_dec, b_dec (+ threshold for jumprelu), with SAELens's decoder-norm
 * rescaling, un-subtracted b_dec and reclens's folded dataset normalisation mapped back.
 */
export function loadSaelensTensors(
  sae: SparseAutoencoder,
  parsed: ReturnType<typeof saelensConfigFromJson>,
  have: Map<string, F32Tensor>,
  path: string,
): void {
  const { dIn, dSae } = sae;
  const jump = sae.tensors().threshold !== undefined;
  const want: Record<string, number[]> = {
    W_enc: [dIn, dSae],
    b_enc: [dSae],
    W_dec: [dSae, dIn],
    b_dec: [dIn],
  };
  if (jump) want.threshold = [dSae];
  expectTensors(have, want, path, `a ${sae.architecture} SAE`);
  const get = (n: string): Float32Array => (have.get(n) as F32Tensor).data.slice();
  let p: SaeParams = { W_enc: get("W_enc"), b_enc: get("b_enc"), W_dec: get("W_dec"), b_dec: get("b_dec") };
  if (parsed.rescale) foldDecoderNorms(p, dIn, dSae);
  if (!parsed.applyBDec) foldInputBias(p, dIn, dSae);
  if (parsed.norm) p = unfoldDatasetNorm(p, parsed.norm);
  const t: SaeTensors = {
    W_enc: { shape: [dIn, dSae], data: p.W_enc },
    b_enc: { shape: [dSae], data: p.b_enc },
    W_dec: { shape: [dSae, dIn], data: p.W_dec },
    b_dec: { shape: [dIn], data: p.b_dec },
  };
  if (parsed.norm) {
    t.norm_mean = { shape: [dIn], data: parsed.norm.mean };
    t.norm_scale = { shape: [1], data: Float32Array.of(parsed.norm.scale) };
  }
  if (jump) t.threshold = { shape: [dSae], data: get("threshold") };
  sae.loadTensors(t, path);
}
