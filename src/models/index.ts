import { easeFactory } from "./ease.js";
import { elsaFactory } from "./elsa.js";
import { gru4RecFactory } from "./gru4rec.js";
import { lightGcnFactory } from "./lightgcn.js";
import { mfFactory } from "./mf.js";
import { multVaeFactory } from "./multvae.js";
import { ncfFactory } from "./ncf.js";
import { registerModel } from "./registry.js";
import { saeRecFactory } from "./saerec.js";
import { sasRecFactory } from "./sasrec.js";

/**
 * Importing this module registers every built-in recommender. A new model is one file plus one
 * line here.
 */
registerModel(easeFactory);
registerModel(elsaFactory);
registerModel(gru4RecFactory);
registerModel(lightGcnFactory);
registerModel(mfFactory);
registerModel(multVaeFactory);
registerModel(ncfFactory);
registerModel(sasRecFactory);
registerModel(saeRecFactory);

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
