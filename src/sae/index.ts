/**
 * Sparse autoencoders on recommender representations: architectures (relu, topk, batchtopk,
 * matryoshka), losses, the trainer and the SAE folder formats (SAELens v6, sparsify; docs/formats.md).
 */
export type {
  NormalisationKind,
  DecoderBiasInit,
  SaeConfig,
  SaeTensors,
  Sae,
  SparseCode,
  StepContext,
  StepResult,
  TrainableSae,
} from "./types.js";
export {
  getArchitecture,
  listArchitectures,
  registerArchitecture,
  type Activation,
  type SaeArchitecture,
} from "./architectures/index.js";
export { makeSaeConfig, validateSaeConfig } from "./config.js";
export { SparseAutoencoder, createSae } from "./model.js";
export {
  CodeBuilder,
  checkCode,
  codeAsCsr,
  codeFiredCounts,
  codeFromDense,
  codeL0,
  codeNnz,
  codeToCsr,
  codeToDense,
} from "./code.js";
export * from "./losses/index.js";
export {
  trainSae,
  resolveTrainerConfig,
  SAE_TRAINER_DEFAULTS,
  type EpochSummary,
  type EvalResult,
  type SaeTrainerConfig,
  type TrainReport,
  type TrainerHooks,
} from "./trainer.js";
export { shuffledBatches, batchesPerEpoch, type BatchIterable, type BatchSource } from "./batches.js";
export { evaluateSae } from "./evaluate.js";
export {
  loadSae,
  saveSae,
  saeConfigFromJson,
  saeConfigToJson,
  saveSparsifySae,
  saeWeightsPath,
  hasSaeWeights,
  SAE_CONFIG_FILE,
  SAE_WEIGHTS_FILE,
  SPARSIFY_WEIGHTS_FILE,
} from "./io.js";
export { SaeConfigError } from "./validate.js";
