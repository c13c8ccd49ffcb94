import { easeFactory } from "./ease.js";
import { elsaFactory } from "./elsa.js";
import { mfFactory } from "./mf.js";
import { multVaeFactory } from "./multvae.js";
import { registerModel } from "./registry.js";

/**
 * Importing this module registers every built-in recommender. A new model is one file plus one
 * line here.
 */
registerModel(easeFactory);
registerModel(elsaFactory);
registerModel(mfFactory);
registerModel(multVaeFactory);

export {
  createModel,
  loadModel,
  modelFactory,
  modelNames,
  registerModel,
  resolveModelConfig,
} from "./registry.js";
export type { ModelFactory } from "./registry.js";
export type { FitContext, FitProgress, FitReport, Recommender, UserBatch, Validation } from "./types.js";
export { trainingBatch, userBatch } from "./types.js";
