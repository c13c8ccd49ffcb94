import type { SaeConfig } from "../types.js";
import { SaeConfigError, checkEnum } from "../validate.js";
import { DEFAULT_THRESHOLD_LR, batchTopKActivation, validateBatchTopK } from "./batchtopk.js";
import { defaultK, topKActivation } from "./topk.js";
import type { SaeArchitecture } from "./types.js";

/** Default nested prefixes: dSae/8, dSae/4, dSae/2, dSae (dropping sizes below k or duplicates). */
export function defaultPrefixes(dSae: number, k: number): number[] {
  const out: number[] = [];
  for (const f of [8, 4, 2]) {
    const m = Math.floor(dSae / f);
    if (m >= k && m > (out[out.length - 1] ?? 0) && m < dSae) out.push(m);
  }
  out.push(dSae);
  return out;
}

function validatePrefixes(cfg: SaeConfig, source: string): void {
  const p = cfg.prefixes;
  if (!Array.isArray(p) || p.length === 0)
    throw new SaeConfigError(
      source,
      "prefixes",
      "must be a non-empty array of increasing integers ending at dSae",
      p,
    );
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (!Number.isInteger(v) || v < 1 || (i > 0 && v <= p[i - 1])) {
      throw new SaeConfigError(
        source,
        "prefixes",
        `must be strictly increasing positive integers (entry ${i} is ${v})`,
        p,
      );
    }
  }
  if (p[p.length - 1] !== cfg.dSae)
    throw new SaeConfigError(source, "prefixes", `must end at dSae = ${cfg.dSae}`, p);
}

/**
 * Matryoshka SAE (Bussmann et al. 2025): one code whose prefixes of sizes m_1 < ... < m_n = dSae
 * each reconstruct the input; the reconstruction losses of all prefixes are summed. The activation
 * is BatchTopK (default, as in the paper) or per-row TopK (`matryoshkaActivation`); with TopK the
 * prefixes use the latents of the full top-k that fall inside them.
 */
export const matryoshkaArchitecture: SaeArchitecture = {
  name: "matryoshka",
  description: "Matryoshka SAE: nested dictionary prefixes each reconstruct the input (Bussmann et al. 2025)",
  defaults: (dIn, dSae) => {
    const k = defaultK(dIn, dSae);
    return {
      architecture: "matryoshka",
      dIn,
      dSae,
      k,
      normalisation: "dataset",
      bDecInit: "mean",
      prefixes: defaultPrefixes(dSae, k),
      matryoshkaActivation: "batchtopk",
      thresholdLr: DEFAULT_THRESHOLD_LR,
    };
  },
  validate(cfg, source) {
    validateBatchTopK(cfg, source);
    validatePrefixes(cfg, source);
    if (cfg.matryoshkaActivation !== undefined)
      checkEnum(source, "matryoshkaActivation", cfg.matryoshkaActivation, ["topk", "batchtopk"]);
  },
  activation(cfg) {
    if ((cfg.matryoshkaActivation ?? "batchtopk") === "batchtopk") return batchTopKActivation(cfg);
    return topKActivation(cfg.k as number);
  },
  prefixes: (cfg) => (cfg.prefixes as number[]).slice(),
};
