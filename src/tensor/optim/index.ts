/**
 * Optimisers over `{ value, grad }` parameters: SGD, Adam, AdamW with parameter groups and
 * checkpointable state; gradient clipping; learning-rate schedules.
 *
 * Typical loop: `applyLrSchedule(opt, schedule); clipGradNorm(opt.parameters(), 1); opt.step(); opt.zeroGrad();`
 */
export type {
  BaseHyper,
  GroupState,
  Optimizer,
  OptimizerState,
  ParamGroup,
  ParamGroupSpec,
  ParamState,
  Parameter,
  ZeroGradOptions,
} from "./types.js";
export { BaseOptimizer, type Hyper, type OptimizerSpec } from "./optimizer.js";
export { SGD, SGD_DEFAULTS, type SgdOptions } from "./sgd.js";
export { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamOptions } from "./adam.js";
export { clipGradNorm, clipGradValue, gradNorm, type ClipGradNormOptions } from "./clip.js";
export {
  applyLrSchedule,
  warmupConstant,
  warmupCosineDecay,
  warmupLinearDecay,
  warmupSchedule,
  type DecayKind,
  type LrSchedule,
  type WarmupScheduleOptions,
} from "./schedule.js";
