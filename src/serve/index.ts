/** Serving: the workspace a server runs on, the HTTP API and the control panel it serves. */
export {
  BODY_LIMIT,
  DEFAULT_PORT,
  createServer,
  startServer,
  type RunningServer,
  type ServerOptions,
} from "./api.js";
export { neuronReach, promotionPreview, type PromotionView, type ReachView } from "./editor.js";
export { HttpError, type ErrorBody } from "./http-errors.js";
export { describeItem, type ItemView } from "./item-view.js";
export { computeNeuronStats, type NeuronStats } from "./neuron-stats.js";
export { listNeurons, neuronDetail, type NeuronDetail, type NeuronSummary } from "./neuron-views.js";
export { loadServedWorkspace, loadWorkspace, type LoadWorkspaceOptions } from "./run-loader.js";
export { recommendForUser, type RecommendationView, type SteerRequest } from "./steering.js";
export {
  buildModelWorkspace,
  buildWorkspace,
  hasSae,
  type JsonValue,
  type ModelWorkspace,
  type ServedWorkspace,
  type UserHistories,
  type Workspace,
  type WorkspaceInput,
  type WorkspaceSource,
} from "./workspace.js";
