/** Concepts: labels and statistics for each SAE neuron from the item activation matrix Z. */
export * from "./activations.js";
export * from "./concept-knobs.js";
export * from "./confidence.js";
export * from "./distinct-labels.js";
export * from "./label-quality.js";
export * from "./labeller.js";
export * from "./labels.js";
export * from "./llm.js";
export * from "./llm-cache.js";
export * from "./llm-label.js";
export * from "./llm-labeller.js";
export * from "./main-concept.js";
export * from "./monosemanticity.js";
export * from "./purity.js";
export * from "./selectivity.js";
export * from "./selectivity-summary.js";
export * from "./tfidf.js";
