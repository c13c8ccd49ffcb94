import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../store/atomic.js";
import { assertFiniteTensor } from "../store/finite.js";
import { readSafetensors, writeSafetensors } from "../store/safetensors.js";
import { SparseAutoencoder } from "./model.js";
import type { SaeConfig, SaeTensors, Sae } from "./types.js";
import { SaeConfigError } from "./validate.js";

/** File names of a saved SAE directory. */
export const SAE_CONFIG_FILE = "cfg.json";
export const SAE_WEIGHTS_FILE = "sae.safetensors";

/** Format tag written to cfg.json. */
export const SAE_FORMAT = "reclens-sae/1";

/** reclens architecture (+ matryoshka activation) -> SAELens "architecture" value. */
function saelensArchitecture(cfg: SaeConfig): string {
  switch (cfg.architecture) {
    case "relu":
      return "standard";
    case "matryoshka":
      return (cfg.matryoshkaActivation ?? "batchtopk") === "batchtopk"
        ? "matryoshka_batchtopk"
        : "matryoshka_topk";
    default:
      return cfg.architecture;
  }
}

/** SAELens-style "architecture" value -> reclens architecture and matryoshka activation. */
function fromSaelensArchitecture(name: unknown): {
  architecture: unknown;
  matryoshkaActivation?: "topk" | "batchtopk";
} {
  if (name === "standard") return { architecture: "relu" };
  if (name === "matryoshka_batchtopk")
    return { architecture: "matryoshka", matryoshkaActivation: "batchtopk" };
  if (name === "matryoshka_topk") return { architecture: "matryoshka", matryoshkaActivation: "topk" };
  return { architecture: name };
}

/** The cfg.json object of an SAE (SAELens key names where the concept matches). */
export function saeConfigToJson(cfg: Readonly<SaeConfig>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    architecture: saelensArchitecture(cfg),
    d_in: cfg.dIn,
    d_sae: cfg.dSae,
    dtype: "float32",
    apply_b_dec_to_input: true,
    normalisation: cfg.normalisation,
    b_dec_init: cfg.bDecInit,
    format: SAE_FORMAT,
  };
  if (cfg.k !== undefined) out.k = cfg.k;
  if (cfg.prefixes !== undefined) out.matryoshka_widths = cfg.prefixes.slice();
  if (cfg.thresholdLr !== undefined) out.topk_threshold_lr = cfg.thresholdLr;
  return out;
}

/**
 * Parses a cfg.json object into a validated SaeConfig. Keys written by SAELens that reclens does
 * not use are ignored; "normalisation" defaults to "none" and "b_dec_init" to "zero" (a file from
 * SAELens). Errors name `source` and the key.
 */
export function saeConfigFromJson(raw: unknown, source: string): SaeConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new SaeConfigError(source, "(root)", "must be a JSON object", raw);
  const j = raw as Record<string, unknown>;
  if (j.apply_b_dec_to_input === false) {
    throw new SaeConfigError(
      source,
      "apply_b_dec_to_input",
      "must be true (reclens subtracts b_dec before encoding)",
      j.apply_b_dec_to_input,
    );
  }
  if (j.dtype !== undefined && j.dtype !== "float32")
    throw new SaeConfigError(source, "dtype", 'must be "float32"', j.dtype);
  const arch = fromSaelensArchitecture(j.architecture);
  const cfg: Record<string, unknown> = {
    architecture: arch.architecture,
    dIn: j.d_in,
    dSae: j.d_sae,
    normalisation: j.normalisation ?? "none",
    bDecInit: j.b_dec_init ?? "zero",
  };
  if (j.k !== undefined) cfg.k = j.k;
  if (j.matryoshka_widths !== undefined) cfg.prefixes = j.matryoshka_widths;
  if (arch.matryoshkaActivation) cfg.matryoshkaActivation = arch.matryoshkaActivation;
  if (j.topk_threshold_lr !== undefined) cfg.thresholdLr = j.topk_threshold_lr;
  const renamed: Record<string, string> = {
    dIn: "d_in",
    dSae: "d_sae",
    prefixes: "matryoshka_widths",
    bDecInit: "b_dec_init",
    thresholdLr: "topk_threshold_lr",
  };
  try {
    // Validation errors use reclens field names; report the cfg.json key instead.
    return new SparseAutoencoder(cfg as unknown as SaeConfig, 0, source).config as SaeConfig;
  } catch (err) {
    if (err instanceof SaeConfigError && renamed[err.field])
      throw new SaeConfigError(source, renamed[err.field], err.problem, err.value);
    throw err;
  }
}

/** Writes `<dir>/cfg.json` and `<dir>/sae.safetensors` atomically (the directory is created). */
export function saveSae(sae: Sae, dir: string): void {
  const tensors = sae.tensors();
  writeSafetensors(join(dir, SAE_WEIGHTS_FILE), tensors, { format: "pt", producer: SAE_FORMAT });
  writeFileAtomic(join(dir, SAE_CONFIG_FILE), `${JSON.stringify(saeConfigToJson(sae.config), null, 2)}\n`);
}

/**
 * Loads an SAE saved by `saveSae` (or a SAELens directory of a matching architecture). Rejects a
 * config that does not validate and tensors that are missing, extra, not F32, of the wrong shape or
 * holding NaN/Infinity, naming the file and the key.
 */
export function loadSae(dir: string): SparseAutoencoder {
  const cfgPath = join(dir, SAE_CONFIG_FILE);
  const wPath = join(dir, SAE_WEIGHTS_FILE);
  if (!existsSync(cfgPath)) throw new Error(`${cfgPath}: SAE config not found`);
  if (!existsSync(wPath)) throw new Error(`${wPath}: SAE weights not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cfgPath, "utf8"));
  } catch (err) {
    throw new Error(`${cfgPath}: not valid JSON (${(err as Error).message})`);
  }
  const cfg = saeConfigFromJson(raw, cfgPath);
  const sae = new SparseAutoencoder(cfg, 0, cfgPath);
  const contents = readSafetensors(wPath);
  const tensors: SaeTensors = {};
  for (const [name, t] of contents.tensors) {
    if (t.dtype !== "F32") throw new Error(`${wPath}: tensor "${name}" has dtype ${t.dtype}, expected F32`);
    assertFiniteTensor(wPath, name, t.data, t.shape);
    tensors[name] = { shape: [...t.shape], data: t.data as Float32Array };
  }
  sae.loadTensors(tensors, wPath);
  return sae;
}
