/** Steering: operators on SAE codes, steered recommendation, item promotion, genre suppression, trade-off evaluation. */
export { boostCode, boostRow, validateKnobs, type BoostOp, type Knob } from "./boost.js";
export { calibrateStrength, strengthToAmount, type StrengthCalibration } from "./calibration.js";
export { clampCode, clampRow, validateClamp, type ClampOp } from "./clamp.js";
export { CodeRow, mapCodeRows } from "./code-row.js";
export {
  listShares,
  suppressGenreForUsers,
  type GenreSuppressionOptions,
  type GenreSuppressionResult,
} from "./genre-suppression.js";
export { steerCode, validateSteerOps, type SteerOp, type SteerPlan } from "./ops.js";
export { DEFAULT_OPERATOR, OPERATOR_NAMES, type OperatorName } from "./operators.js";
export { evaluateOperators, type OperatorReport } from "./operators-eval.js";
export { bestShareAtKept, dominates, type FrontierPoint } from "./operators-frontier.js";
export { shiftCode, shiftRow, validateShift, type ShiftKnob, type ShiftOp } from "./shift.js";
export { promoteItem, type PromotionOptions, type PromotionPoint, type PromotionResult } from "./promote.js";
export {
  activeNeurons,
  recommend,
  type NeuronActivation,
  type RankedList,
  type RecommendOptions,
  type RecommendResult,
  type UserRecommendation,
} from "./recommend.js";
export { suppressCode, suppressRow, validateSuppress, type SuppressOp } from "./suppress.js";
export { itemsWithTag, targetSegments } from "./tags.js";
export {
  evaluateTradeoff,
  tradeoffTable,
  type NeuronMapping,
  type TradeoffCurve,
  type TradeoffOptions,
  type TradeoffPoint,
  type TradeoffReport,
  type TradeoffRow,
} from "./tradeoff.js";
