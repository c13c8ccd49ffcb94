/**
 * Pipeline: the steps after model training as reusable functions over a model run directory
 * (open the run, encode users, train/evaluate/sweep SAEs, label neurons, steer), shared by the CLI
 * commands and `reclens demo`.
 */
export * from "./concepts-summary.js";
export * from "./embeddings-import.js";
export * from "./ids.js";
export * from "./item-activations.js";
export * from "./knobs.js";
export * from "./label-run.js";
export * from "./neurons.js";
export * from "./promote-run.js";
export * from "./purity-report.js";
export * from "./recommend-run.js";
export * from "./representations.js";
export * from "./run-context.js";
export * from "./run-labels.js";
export * from "./sae-eval.js";
export * from "./sae-metrics.js";
export * from "./sae-ref.js";
export * from "./sae-run.js";
export * from "./sae-settings.js";
export * from "./steer-eval-run.js";
export * from "./sweep.js";
