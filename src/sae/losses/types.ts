import type { Matrix } from "../../tensor/matrix.js";
import type { PairScorer } from "./joint-prediction.js";

/**
 * A frozen downstream scorer (e.g. a recommender's decoder) that maps a representation to scores of
 * some items; used by the prediction-aware loss. `backward` returns d(loss)/d(rep) given
 * d(loss)/d(scores) and must not change the scorer.
 */
export interface FrozenScorer {
  /** Number of items that can be scored (item ids are 0..numItems-1). */
  readonly numItems: number;
  /** Representation width the scorer expects. */
  readonly dim: number;
  /** Scores of the given items for every row of rep: rows x items.length. */
  scoreItems(rep: Matrix, items: Int32Array): Matrix;
  /** Gradient with respect to rep (rows x dim) of a loss whose gradient w.r.t. the scores is dScores. */
  backward(rep: Matrix, items: Int32Array, dScores: Matrix): Matrix;
}

/** A weighted loss term without options. */
export interface WeightedTerm {
  weight: number;
}

/** L1 on activations, optionally weighted by each latent's decoder row norm (SAELens style). */
export interface L1Config extends WeightedTerm {
  /** Multiply |z_j| by ||W_dec[j]|| (default true). */
  decoderNormWeighted: boolean;
}

/**
 * AuxK dead-latent loss (Gao et al. 2024): the k_aux largest pre-activations among dead latents
 * reconstruct the (detached) residual e = x - x_hat through W_dec (no bias).
 */
export interface AuxKConfig extends WeightedTerm {
  /** Dead latents used per row; default floor(dIn / 2) as in the paper's appendix. */
  kAux?: number;
  /** A latent is dead after not firing for this many training samples. */
  deadAfter: number;
  /**
   * "variance": ||e - e_hat||^2 / ||e - mean(e)||^2 (normalised MSE of Gao et al., EleutherAI);
   * "sum": mean over rows of ||e - e_hat||^2 (SAELens). Both are scaled by min(numDead / kAux, 1).
   */
  normalisation: "variance" | "sum";
  /**
   * "none" (Gao et al.): e_hat as decoded. "least-squares": each row's e_hat is multiplied by its
   * least-squares factor onto the residual, capped to [0, 1] and held constant, so that an
   * overshooting sum is not fixed by shrinking every dead latent's pre-activation. Default "none".
   */
  rescale?: "none" | "least-squares";
}

/**
 * Bernoulli-KL sparsity: sum_j KL(rho || rho_hat_j), with rho_hat_j the batch mean of the soft
 * firing indicator tanh(z_ij) (clamped to [1e-6, 1 - 1e-6]).
 */
export interface KlConfig extends WeightedTerm {
  /** Target firing rate rho in (0, 1). */
  target: number;
}

/**
 * Prediction-aware loss: mean squared difference between the frozen scorer's scores of the original
 * and of the reconstructed representation (caller's space) on `items` sampled items per batch.
 */
export interface PredictionConfig extends WeightedTerm {
  scorer: FrozenScorer;
  /** Items sampled uniformly without replacement per batch (all items when >= numItems). */
  items: number;
}

/**
 * Joint prediction-aware loss of an SAE over both towers of a two-tower model (Arviv et al. 2025):
 * mean squared difference between the frozen pair scorer's outputs on reconstructed and on original
 * (user, item) rows, for the pairs each JointBatch carries (joint-prediction.ts).
 */
export interface JointPredictionConfig extends WeightedTerm {
  scorer: PairScorer;
}

/**
 * Typed combination of loss terms; absent terms are off. Reconstruction terms (l2, cosine, fvu) are
 * computed in the SAE's normalised space and, for matryoshka, summed over every prefix.
 */
export interface LossConfig {
  /** Mean squared error over all elements. */
  l2?: WeightedTerm;
  /** Mean over rows of 1 - cos(x, x_hat). */
  cosine?: WeightedTerm;
  /** Fraction of variance unexplained: ||x - x_hat||^2 / ||x - mean(x)||^2 over the batch. */
  fvu?: WeightedTerm;
  l1?: L1Config;
  auxk?: AuxKConfig;
  kl?: KlConfig;
  prediction?: PredictionConfig;
  jointPrediction?: JointPredictionConfig;
}
