import { histogramSvg } from "./charts.js";

/**
 * Histogram (SVG) of log10 firing rates of the latents that fire at least once; the dead count is
 * given in the title (log10 0 has no place on the axis).
 */
export function firingRateSvg(rates: ArrayLike<number>, what = "training users"): string {
  const logs: number[] = [];
  let dead = 0;
  for (let j = 0; j < rates.length; j++) {
    if (rates[j] > 0) logs.push(Math.log10(rates[j]));
    else dead++;
  }
  return histogramSvg(logs, {
    title: `Latent firing rates on ${what} (${rates.length} latents, ${dead} dead)`,
    xLabel: "log10 firing rate",
    yLabel: "latents",
    bins: 30,
  });
}
