import type { SaeConfig } from "../types.js";
import { SaeConfigError } from "../validate.js";
import { batchTopKCode, minCodeValue, thresholdCode } from "../activations.js";
import { defaultK, validateK } from "./topk.js";
import type { Activation, SaeArchitecture } from "./types.js";

/** Default EMA rate of the BatchTopK inference threshold. */
export const DEFAULT_THRESHOLD_LR = 0.01;

/** Checks the BatchTopK fields (k, thresholdLr). */
export function validateBatchTopK(cfg: SaeConfig, source: string): void {
  validateK(cfg, source);
  const lr = cfg.thresholdLr;
  if (lr !== undefined && !(typeof lr === "number" && lr > 0 && lr <= 1)) {
    throw new SaeConfigError(source, "thresholdLr", "must be a number in (0, 1]", lr);
  }
}

/**
 * BatchTopK activation (Bussmann et al. 2024): in training keep the k * rows largest activations of
 * the whole batch; at inference keep pre > theta, where theta is an exponential moving average
 * (started at the first value) of the smallest kept activation of each training batch.
 */
export function batchTopKActivation(cfg: SaeConfig): Activation {
  const k = cfg.k as number;
  const lr = cfg.thresholdLr ?? DEFAULT_THRESHOLD_LR;
  const threshold = new Float32Array(cfg.dSae);
  let started = false;
  return {
    train: (pre) => batchTopKCode(pre, Math.min(k * pre.rows, pre.rows * pre.cols)),
    infer: (pre) => thresholdCode(pre, threshold),
    afterStep(code) {
      const m = minCodeValue(code);
      if (!Number.isFinite(m)) return;
      const next = started ? (1 - lr) * threshold[0] + lr * m : m;
      threshold.fill(next);
      started = true;
    },
    tensors: () => ({ threshold: { shape: [cfg.dSae], data: threshold } }),
    load(t) {
      threshold.set(t.threshold.data);
      started = threshold.some((v) => v > 0);
    },
  };
}

/** BatchTopK SAE: k active latents per row on average over each training batch. */
export const batchtopkArchitecture: SaeArchitecture = {
  name: "batchtopk",
  description:
    "BatchTopK SAE: k * batch largest activations per batch, learned threshold at inference (Bussmann et al. 2024)",
  defaults: (dIn, dSae) => ({
    architecture: "batchtopk",
    dIn,
    dSae,
    k: defaultK(dIn, dSae),
    normalisation: "dataset",
    bDecInit: "mean",
    thresholdLr: DEFAULT_THRESHOLD_LR,
  }),
  validate: validateBatchTopK,
  activation: batchTopKActivation,
  prefixes: (cfg) => [cfg.dSae],
};
