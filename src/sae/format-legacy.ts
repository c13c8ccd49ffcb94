import { SparseAutoencoder } from "./model.js";
import type { SaeConfig } from "./types.js";
import { SaeConfigError } from "./validate.js";

/** Format tag of the cfg.json that reclens 0.1 wrote beside `sae.safetensors`. */
export const LEGACY_SAE_FORMAT = "reclens-sae/1";

/** reclens 0.1 "architecture" value -> reclens architecture and matryoshka activation. */
function fromLegacyArchitecture(name: unknown): {
  architecture: unknown;
  matryoshkaActivation?: "topk" | "batchtopk";
} {
  if (name === "standard") return { architecture: "relu" };
  if (name === "matryoshka_batchtopk")
    return { architecture: "matryoshka", matryoshkaActivation: "batchtopk" };
  if (name === "matryoshka_topk") return { architecture: "matryoshka", matryoshkaActivation: "topk" };
  return { architecture: name };
}

/** cfg.json keys of reclens 0.1 that differ from the SaeConfig field names. */
export const LEGACY_RENAMED: Readonly<Record<string, string>> = {
  dIn: "d_in",
  dSae: "d_sae",
  prefixes: "matryoshka_widths",
  bDecInit: "b_dec_init",
  thresholdLr: "topk_threshold_lr",
};

/**
 * Validates `cfg` as a SaeConfig, reporting a bad field under its cfg.json key (`renamed` maps
 * SaeConfig fields to those keys).
 */
export function validateAsCfgJson(
  cfg: Record<string, unknown>,
  source: string,
  renamed: Readonly<Record<string, string>> = LEGACY_RENAMED,
): SaeConfig {
  try {
    return new SparseAutoencoder(cfg as unknown as SaeConfig, 0, source).config as SaeConfig;
  } catch (err) {
    if (err instanceof SaeConfigError && renamed[err.field])
      throw new SaeConfigError(source, renamed[err.field], err.problem, err.value);
    throw err;
  }
}

/**
 * Parses the cfg.json of a reclens 0.1 SAE folder (`format: "reclens-sae/1"`, weights in
 * `sae.safetensors` with reclens's own tensors norm_mean/norm_scale/threshold). Its "per-sample"
 * normalisation (population std, no epsilon) is read as "per-sample-v1" so that old SAEs give the
 * codes they gave when trained.
 */
export function legacySaeConfigFromJson(j: Record<string, unknown>, source: string): SaeConfig {
  if (j.apply_b_dec_to_input === false)
    throw new SaeConfigError(
      source,
      "apply_b_dec_to_input",
      "must be true (reclens subtracts b_dec before encoding)",
      j.apply_b_dec_to_input,
    );
  if (j.dtype !== undefined && j.dtype !== "float32")
    throw new SaeConfigError(source, "dtype", 'must be "float32"', j.dtype);
  const arch = fromLegacyArchitecture(j.architecture);
  const norm = j.normalisation ?? "none";
  const cfg: Record<string, unknown> = {
    architecture: arch.architecture,
    dIn: j.d_in,
    dSae: j.d_sae,
    normalisation: norm === "per-sample" ? "per-sample-v1" : norm,
    bDecInit: j.b_dec_init ?? "zero",
  };
  if (j.k !== undefined) cfg.k = j.k;
  if (j.matryoshka_widths !== undefined) cfg.prefixes = j.matryoshka_widths;
  if (arch.matryoshkaActivation) cfg.matryoshkaActivation = arch.matryoshkaActivation;
  if (j.topk_threshold_lr !== undefined) cfg.thresholdLr = j.topk_threshold_lr;
  return validateAsCfgJson(cfg, source);
}
