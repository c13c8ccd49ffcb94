import type { Matrix } from "../tensor/matrix.js";
import type { Parameter } from "../tensor/optim/types.js";
import type { Rng } from "../tensor/rng.js";
import type { LossConfig } from "./losses/types.js";

/**
 * Sparse latent code of a batch, CSR-like: the non-zeros of row r are
 * `indices/values[indptr[r] .. indptr[r+1])`. Works for variable L0 (ReLU, BatchTopK) and fixed L0
 * (TopK). Within a row, entries are sorted by latent index (so the arrays form a valid Csr, see
 * `codeAsCsr`) and every stored value is non-zero.
 *
 * `rowMean`/`rowScale` carry the per-sample standardisation of the encoded rows so that `decode`
 * returns to the caller's space; a code built by hand without them decodes with mean 0, scale 1.
 */
export interface SparseCode {
  readonly rows: number;
  readonly dSae: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
  readonly rowMean?: Float32Array;
  readonly rowScale?: Float32Array;
}

/**
 * How inputs are normalised inside the SAE (applied on a copy and undone after decoding); see
 * normalise.ts. "per-sample" is SAELens's "layer_norm"; "per-sample-v1" is only read from old folders.
 */
export type NormalisationKind = "none" | "per-sample" | "dataset" | "per-sample-v1";

/** How `b_dec` is initialised from a data sample. */
export type DecoderBiasInit = "mean" | "geometric-median" | "zero";

/**
 * Complete configuration of one SAE (defaults already applied). Architecture-specific fields are
 * optional here and required by the architecture that uses them (`validate` names the field).
 */
export interface SaeConfig {
  /** Registered architecture name: "relu", "topk", "batchtopk", "matryoshka". */
  architecture: string;
  /** Input width (the recommender's representation size). */
  dIn: number;
  /** Number of latents. */
  dSae: number;
  /** Active latents per row (topk) or per row on average over a batch (batchtopk, matryoshka). */
  k?: number;
  /** Input handling done inside the SAE. */
  normalisation: NormalisationKind;
  /** `b_dec` initialisation used by `initialise(sample)`. */
  bDecInit: DecoderBiasInit;
  /** Matryoshka nested prefix sizes m_1 < ... < m_n = dSae. */
  prefixes?: number[];
  /** Matryoshka activation: per-row TopK or BatchTopK (default batchtopk). */
  matryoshkaActivation?: "topk" | "batchtopk";
  /** BatchTopK: EMA rate of the inference threshold (theta <- (1-r) theta + r * min kept). */
  thresholdLr?: number;
  /**
   * Tied decoder, W_dec = W_enc^T (the Monosemanticity4Rec code's SAE): training updates W_enc with
   * both gradients and copies its transpose into W_dec; atoms are not kept at unit norm.
   */
  tied?: boolean;
}

/** Named tensors of an SAE: parameters, normalisation statistics and activation state. */
export type SaeTensors = Record<string, { shape: number[]; data: Float32Array }>;

/** The frozen SAE that steering and labelling see. */
export interface Sae {
  readonly config: Readonly<SaeConfig>;
  readonly architecture: string;
  readonly dIn: number;
  readonly dSae: number;
  /** Sparse code of each row of x (x is not modified). */
  encode(x: Matrix): SparseCode;
  /** The same code as a dense rows x dSae matrix. */
  encodeDense(x: Matrix): Matrix;
  /** Pre-activations (W_enc^T (x_norm - b_dec) + b_enc) of each row, rows x dSae. */
  preActivations(x: Matrix): Matrix;
  /** Reconstruction in the caller's space from a (possibly edited) code. */
  decode(code: SparseCode): Matrix;
  /** decode(encode(x)). */
  reconstruct(x: Matrix): Matrix;
  /** Unit-norm decoder atom of latent j (a view; do not modify). */
  atom(j: number): Float32Array;
  /** All tensors for saving (views, no copy). */
  tensors(): SaeTensors;
}

/** What a training step is handed besides the batch. */
export interface StepContext {
  /** Random stream for stochastic loss terms (prediction-aware item sampling). */
  rng: Rng;
  /** dead[j] = 1 when latent j has not fired for `deadAfter` samples (AuxK needs it). */
  dead?: Uint8Array | null;
  /** Overrides the residual e that AuxK fits (normally x - x_hat of this batch, detached). */
  auxResidual?: Matrix;
}

/** Outcome of one forward (and optionally backward) pass. */
export interface StepResult {
  /** Weighted total loss. */
  loss: number;
  /** Unweighted value of each active loss term (matryoshka prefixes summed). */
  terms: Record<string, number>;
  /** Mean number of active latents per row. */
  l0: number;
  /** Number of rows of the batch in which each latent fired. */
  fired: Int32Array;
}

/** An SAE that can be trained: forward + loss + hand-written backward into parameter gradients. */
export interface TrainableSae extends Sae {
  /** Parameters by SAELens name: W_enc [dIn x dSae], b_enc [1 x dSae], W_dec [dSae x dIn], b_dec [1 x dIn]. */
  readonly params: Readonly<Record<"W_enc" | "b_enc" | "W_dec" | "b_dec", Parameter>>;
  /** Whether `initialise` (or loading) has set normalisation statistics and b_dec. */
  readonly initialised: boolean;
  /** Fits dataset normalisation statistics and initialises b_dec from a data sample. */
  initialise(sample: Matrix): void;
  /**
   * Forward pass and loss without gradients. `mode` "train" (default) uses the training activation
   * (what forwardBackward differentiates); "inference" the inference one (validation).
   */
  evaluate(x: Matrix, losses: LossConfig, ctx: StepContext, mode?: "train" | "inference"): StepResult;
  /** Forward pass, loss and backward: gradients are ACCUMULATED into params[*].grad. */
  forwardBackward(x: Matrix, losses: LossConfig, ctx: StepContext): StepResult;
  /** Sets every parameter gradient to zero (allocating it if needed). */
  zeroGrad(): void;
  /** Removes from each decoder-row gradient its component parallel to the row (before the step). */
  constrainGradients(): void;
  /** Renormalises decoder rows to unit norm and updates activation state (after the step). */
  afterStep(): void;
  /** Replaces every tensor from `t`, validating names and shapes; `source` names the origin. */
  loadTensors(t: SaeTensors, source: string): void;
}
