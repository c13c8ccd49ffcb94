import type { SaeConfig } from "../types.js";
import { checkInt } from "../validate.js";
import { topKCode } from "../activations.js";
import type { Activation, SaeArchitecture } from "./types.js";

/** Checks `k` in [1, dSae]. */
export function validateK(cfg: SaeConfig, source: string, max = cfg.dSae): number {
  return checkInt(source, "k", cfg.k, 1, max);
}

/** Default k: about 1/16 of dIn, at least 1 and at most dSae. */
export function defaultK(dIn: number, dSae: number): number {
  return Math.max(1, Math.min(dSae, Math.round(dIn / 16) || 1, 32));
}

/** The TopK activation: the same per-row top-k code in training and inference; no state. */
export function topKActivation(k: number): Activation {
  return {
    train: (pre) => topKCode(pre, k),
    infer: (pre) => topKCode(pre, k),
    afterStep: () => undefined,
    tensors: () => ({}),
    load: () => undefined,
  };
}

/** TopK SAE (Gao et al. 2024): ReLU then the k largest latents of each row; encoder bias kept. */
export const topkArchitecture: SaeArchitecture = {
  name: "topk",
  description: "TopK SAE: exactly k active latents per row (Gao et al. 2024)",
  defaults: (dIn, dSae) => ({
    architecture: "topk",
    dIn,
    dSae,
    k: defaultK(dIn, dSae),
    normalisation: "dataset",
    bDecInit: "mean",
  }),
  validate: (cfg, source) => void validateK(cfg, source),
  activation: (cfg) => topKActivation(cfg.k as number),
  prefixes: (cfg) => [cfg.dSae],
};
