/**
 * Plots: every dependency-free SVG chart of reclens in one place (histograms and bar charts, line
 * charts, the steering trade-off, the SAE sweep, latent firing rates). Each returns a standalone
 * SVG document string; callers write it to a file.
 */
export * from "./charts.js";
export * from "./firing-rates.js";
export * from "./grouped-histogram.js";
export * from "./line.js";
export * from "./svg.js";
export * from "./sweep.js";
export * from "./tradeoff.js";
