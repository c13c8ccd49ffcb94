import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../store/atomic.js";
import { readSafetensors, writeSafetensors } from "../store/safetensors.js";
import { LEGACY_SAE_FORMAT, legacySaeConfigFromJson } from "./format-legacy.js";
import {
  SAE_FORMAT,
  loadSaelensTensors,
  saeConfigToJson,
  saelensConfigFromJson,
  toSaelens,
} from "./format-saelens.js";
import {
  isSparsifyConfig,
  loadSparsifyTensors,
  sparsifyConfigFromJson,
  toSparsify,
} from "./format-sparsify.js";
import { floatTensors } from "./format-tensors.js";
import { SparseAutoencoder } from "./model.js";
import type { Sae, SaeConfig, SaeTensors } from "./types.js";
import { SaeConfigError } from "./validate.js";

export { SAE_FORMAT, saeConfigToJson };

/** File names of a saved SAE directory (SAELens v6: `cfg.json` + `sae_weights.safetensors`). */
export const SAE_CONFIG_FILE = "cfg.json";
export const SAE_WEIGHTS_FILE = "sae_weights.safetensors";
/** Weights file of EleutherAI sparsify folders, and of reclens 0.1's SAE folders. */
export const SPARSIFY_WEIGHTS_FILE = "sae.safetensors";

/** Which tool's layout an SAE folder follows. */
export type SaeLayout = "saelens" | "sparsify" | "reclens-0.1";

/**
 * The weights file of the SAE folder `dir`: `sae_weights.safetensors` (SAELens, what reclens
 * writes) or else `sae.safetensors` (sparsify, reclens 0.1); undefined when there is neither.
 * Fingerprints of an SAE (labels, item activations) are the sha256 of this file.
 */
export function saeWeightsPath(dir: string): string | undefined {
  for (const name of [SAE_WEIGHTS_FILE, SPARSIFY_WEIGHTS_FILE]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Whether `dir` holds SAE weights in any layout reclens reads. */
export function hasSaeWeights(dir: string): boolean {
  return saeWeightsPath(dir) !== undefined;
}

function writeFolder(
  dir: string,
  weightsFile: string,
  st: { config: Record<string, unknown>; tensors: SaeTensors },
  other: string,
): void {
  writeSafetensors(join(dir, weightsFile), st.tensors, { format: "pt" });
  writeFileAtomic(join(dir, SAE_CONFIG_FILE), `${JSON.stringify(st.config, null, 2)}\n`);
  rmSync(join(dir, other), { force: true }); // a weights file of the other layout would be stale
}

/**
 * Writes `<dir>/cfg.json` and `<dir>/sae_weights.safetensors` atomically in the SAELens v6 layout
 * (see docs/formats.md; the directory is created). A `sae.safetensors` left by reclens 0.1 is removed.
 */
export function saveSae(sae: Sae, dir: string): void {
  writeFolder(dir, SAE_WEIGHTS_FILE, toSaelens(sae, dir), SPARSIFY_WEIGHTS_FILE);
}

/**
 * Writes a TopK SAE as an EleutherAI sparsify folder (`cfg.json` + `sae.safetensors`); throws for
 * SAEs sparsify cannot express (per-sample normalisation, threshold activations).
 */
export function saveSparsifySae(sae: Sae, dir: string): void {
  writeFolder(dir, SPARSIFY_WEIGHTS_FILE, toSparsify(sae, dir), SAE_WEIGHTS_FILE);
}

function readConfig(cfgPath: string): Record<string, unknown> {
  if (!existsSync(cfgPath)) throw new Error(`${cfgPath}: SAE config not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cfgPath, "utf8"));
  } catch (err) {
    throw new Error(`${cfgPath}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new SaeConfigError(cfgPath, "(root)", "must be a JSON object", raw);
  return raw as Record<string, unknown>;
}

/** The layout of an SAE folder from its files and cfg.json (throws naming what is missing). */
export function saeLayoutOf(dir: string, cfg: Record<string, unknown>): SaeLayout {
  if (existsSync(join(dir, SAE_WEIGHTS_FILE))) return "saelens";
  if (!existsSync(join(dir, SPARSIFY_WEIGHTS_FILE)))
    throw new Error(
      `${join(dir, SAE_WEIGHTS_FILE)}: SAE weights not found (nor sparsify's or reclens 0.1's ${SPARSIFY_WEIGHTS_FILE})`,
    );
  if (cfg.format === LEGACY_SAE_FORMAT) return "reclens-0.1";
  if (isSparsifyConfig(cfg)) return "sparsify";
  throw new Error(
    `${join(dir, SAE_CONFIG_FILE)}: beside ${SPARSIFY_WEIGHTS_FILE} expected a sparsify config (d_in, num_latents or expansion_factor, k) or a reclens 0.1 one (format "${LEGACY_SAE_FORMAT}")`,
  );
}

/**
 * Parses a cfg.json object of any layout reclens reads (SAELens v6, sparsify, reclens 0.1) into a
 * validated SaeConfig. Errors name `source` and the cfg.json key.
 */
export function saeConfigFromJson(raw: unknown, source: string): SaeConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new SaeConfigError(source, "(root)", "must be a JSON object", raw);
  const j = raw as Record<string, unknown>;
  if (j.format === LEGACY_SAE_FORMAT) return legacySaeConfigFromJson(j, source);
  if (isSparsifyConfig(j)) return sparsifyConfigFromJson(j, source).config;
  return saelensConfigFromJson(j, source).config;
}

/**
 * Loads an SAE folder: the SAELens v6 layout reclens writes (and SAELens's standard / topk SAEs),
 * an EleutherAI sparsify folder, or a reclens 0.1 folder (`sae.safetensors` + a "reclens-sae/1"
 * cfg.json). Rejects a config that does not validate and tensors that are missing, extra, not
 * float, of the wrong shape or holding NaN/Infinity, naming the file and the key.
 */
export function loadSae(dir: string): SparseAutoencoder {
  const cfgPath = join(dir, SAE_CONFIG_FILE);
  const raw = readConfig(cfgPath);
  const layout = saeLayoutOf(dir, raw);
  const wPath = join(dir, layout === "saelens" ? SAE_WEIGHTS_FILE : SPARSIFY_WEIGHTS_FILE);
  if (layout === "saelens") {
    const parsed = saelensConfigFromJson(raw, cfgPath);
    const sae = new SparseAutoencoder(parsed.config, 0, cfgPath);
    loadSaelensTensors(sae, parsed, floatTensors(readSafetensors(wPath), wPath), wPath);
    return sae;
  }
  if (layout === "sparsify") {
    const parsed = sparsifyConfigFromJson(raw, cfgPath);
    const sae = new SparseAutoencoder(parsed.config, 0, cfgPath);
    loadSparsifyTensors(sae, parsed.norm, floatTensors(readSafetensors(wPath), wPath), wPath);
    return sae;
  }
  const sae = new SparseAutoencoder(legacySaeConfigFromJson(raw, cfgPath), 0, cfgPath);
  const tensors: SaeTensors = {};
  for (const [name, t] of floatTensors(readSafetensors(wPath), wPath)) tensors[name] = t;
  sae.loadTensors(tensors, wPath);
  return sae;
}
