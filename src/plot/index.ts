/**
 * Plots: every chart of reclens in one place, drawn with Observable Plot (histograms and bar
 * charts, line charts, the steering trade-off and operator frontier, the SAE sweep, latent firing
 * rates). The *-plot.ts modules build Plot figures for any DOM (the panel uses them in the browser);
 * the others return standalone SVG document strings rendered in Node (render.ts) for files.
 */
export * from "./bars-plot.js";
export * from "./charts.js";
export * from "./figure.js";
export * from "./firing-rates.js";
export * from "./frontier-plot.js";
export * from "./grouped-histogram.js";
export * from "./kept.js";
export * from "./line.js";
export * from "./line-plot.js";
export * from "./render.js";
export * from "./sweep.js";
export * from "./tradeoff.js";
