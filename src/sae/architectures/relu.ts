import type { SaeArchitecture } from "./types.js";
import { reluCode } from "../activations.js";

/** Basic SAE: z = ReLU((x - b_dec) W_enc + b_enc), x_hat = z W_dec + b_dec; train with an L1 penalty. */
export const reluArchitecture: SaeArchitecture = {
  name: "relu",
  description: "Basic SAE: ReLU encoder, sparsity from an L1 (or KL) penalty",
  defaults: (dIn, dSae) => ({ architecture: "relu", dIn, dSae, normalisation: "dataset", bDecInit: "mean" }),
  validate: () => undefined,
  activation: () => ({
    train: reluCode,
    infer: reluCode,
    afterStep: () => undefined,
    tensors: () => ({}),
    load: () => undefined,
  }),
  prefixes: (cfg) => [cfg.dSae],
};
