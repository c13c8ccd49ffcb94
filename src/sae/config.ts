import { getArchitecture, listArchitectures } from "./architectures/index.js";
import type { SaeConfig } from "./types.js";
import { SaeConfigError, checkEnum, checkInt } from "./validate.js";

const KNOWN_KEYS: readonly (keyof SaeConfig)[] = [
  "architecture",
  "dIn",
  "dSae",
  "k",
  "normalisation",
  "bDecInit",
  "prefixes",
  "matryoshkaActivation",
  "thresholdLr",
  "tied",
];

/**
 * Validates a complete SAE config (defaults must already be applied) and returns it typed.
 * Errors are SaeConfigError naming `source` (file or API entry point) and the offending field.
 */
export function validateSaeConfig(raw: unknown, source: string): SaeConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SaeConfigError(source, "(root)", "must be a JSON object", raw);
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new SaeConfigError(
        source,
        key,
        `is not a known SAE config key (known: ${KNOWN_KEYS.join(", ")})`,
        obj[key],
      );
    }
  }
  const cfg = obj as unknown as SaeConfig;
  checkEnum(source, "architecture", cfg.architecture, listArchitectures());
  checkInt(source, "dIn", cfg.dIn, 1);
  checkInt(source, "dSae", cfg.dSae, 1);
  checkEnum(source, "normalisation", cfg.normalisation, ["none", "per-sample", "dataset", "per-sample-v1"]);
  checkEnum(source, "bDecInit", cfg.bDecInit, ["mean", "geometric-median", "zero"]);
  if (cfg.tied !== undefined && typeof cfg.tied !== "boolean")
    throw new SaeConfigError(source, "tied", "must be true or false", cfg.tied);
  getArchitecture(cfg.architecture).validate(cfg, source);
  return cfg;
}

/** The architecture's defaults for the given sizes, overridden by `overrides`, then validated. */
export function makeSaeConfig(
  architecture: string,
  dIn: number,
  dSae: number,
  overrides: Partial<SaeConfig> = {},
  source = "SAE config",
): SaeConfig {
  const merged: SaeConfig = { ...getArchitecture(architecture).defaults(dIn, dSae) };
  for (const [k, v] of Object.entries(overrides))
    if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  return validateSaeConfig(merged, source);
}
