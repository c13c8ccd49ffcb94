import { SaeConfigError, checkEnum, checkInt, checkNumber } from "../validate.js";
import type { LossConfig } from "./types.js";

export type {
  AuxKConfig,
  FrozenScorer,
  JointPredictionConfig,
  KlConfig,
  L1Config,
  LossConfig,
  PredictionConfig,
  WeightedTerm,
} from "./types.js";
export { LinearScorer } from "./scorer.js";
export {
  DotPairScorer,
  JointBatch,
  TapePairScorer,
  jointPredictionLoss,
  type BatchPairs,
  type PairScorer,
} from "./joint-prediction.js";

const TERMS = ["l2", "cosine", "fvu", "l1", "auxk", "kl", "prediction", "jointPrediction"] as const;

/**
 * A sensible loss configuration per architecture: FVU plus AuxK (weight 1/32, dead after
 * `deadAfter` samples) for the TopK family; FVU plus a decoder-norm-weighted L1 for ReLU.
 */
export function defaultLossConfig(architecture: string, deadAfter = 10_000): LossConfig {
  if (architecture === "relu") return { fvu: { weight: 1 }, l1: { weight: 1e-2, decoderNormWeighted: true } };
  return { fvu: { weight: 1 }, auxk: { weight: 1 / 32, deadAfter, normalisation: "variance" } };
}

/**
 * Checks a loss configuration (every present term has a finite weight >= 0 and valid options) and
 * that at least one term is on; errors name `source` and the field (e.g. "auxk.deadAfter").
 */
export function validateLossConfig(cfg: LossConfig, source: string): LossConfig {
  if (typeof cfg !== "object" || cfg === null)
    throw new SaeConfigError(source, "(root)", "must be an object", cfg);
  for (const key of Object.keys(cfg)) {
    if (!(TERMS as readonly string[]).includes(key))
      throw new SaeConfigError(source, key, `is not a loss term (known: ${TERMS.join(", ")})`, key);
  }
  let any = false;
  for (const key of TERMS) {
    const t = cfg[key];
    if (t === undefined) continue;
    if (typeof t !== "object" || t === null)
      throw new SaeConfigError(source, key, "must be an object with a weight", t);
    checkNumber(source, `${key}.weight`, t.weight, 0, Infinity, false);
    any = true;
  }
  if (!any)
    throw new SaeConfigError(
      source,
      "(root)",
      `must enable at least one loss term (${TERMS.join(", ")})`,
      cfg,
    );
  if (cfg.l1 && typeof cfg.l1.decoderNormWeighted !== "boolean") {
    throw new SaeConfigError(
      source,
      "l1.decoderNormWeighted",
      "must be a boolean",
      cfg.l1.decoderNormWeighted,
    );
  }
  if (cfg.auxk) {
    checkInt(source, "auxk.deadAfter", cfg.auxk.deadAfter, 1);
    if (cfg.auxk.kAux !== undefined) checkInt(source, "auxk.kAux", cfg.auxk.kAux, 1);
    checkEnum(source, "auxk.normalisation", cfg.auxk.normalisation, ["variance", "sum"]);
    if (cfg.auxk.rescale !== undefined)
      checkEnum(source, "auxk.rescale", cfg.auxk.rescale, ["none", "least-squares"]);
  }
  if (cfg.kl) checkNumber(source, "kl.target", cfg.kl.target, 0, 1);
  if (cfg.prediction) {
    const s = cfg.prediction.scorer;
    if (
      typeof s !== "object" ||
      s === null ||
      typeof s.scoreItems !== "function" ||
      typeof s.backward !== "function"
    ) {
      throw new SaeConfigError(
        source,
        "prediction.scorer",
        "must implement FrozenScorer (scoreItems, backward)",
        typeof s,
      );
    }
    checkInt(source, "prediction.items", cfg.prediction.items, 1);
  }
  if (cfg.jointPrediction) {
    const s = cfg.jointPrediction.scorer;
    if (
      typeof s !== "object" ||
      s === null ||
      typeof s.scorePairs !== "function" ||
      typeof s.backwardPairs !== "function"
    )
      throw new SaeConfigError(
        source,
        "jointPrediction.scorer",
        "must implement PairScorer (scorePairs, backwardPairs)",
        typeof s,
      );
  }
  return cfg;
}
