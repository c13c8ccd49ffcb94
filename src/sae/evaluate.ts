import {
  LatentActivity,
  fractionVarianceExplained,
  meanCosineSimilarity,
  meanSquaredError,
} from "../eval/sae.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { codeAsCsr } from "./code.js";
import type { LossConfig } from "./losses/types.js";
import type { EvalResult } from "./trainer.js";
import type { TrainableSae } from "./types.js";

/**
 * Validation of an SAE on held-out rows with the inference activation: the configured loss (row-
 * weighted mean over batches; AuxK contributes 0 since nothing is dead here) as `loss`, plus
 * FVE, MSE and mean cosine of the reconstruction in the caller's space, mean L0 and the share of
 * latents that never fire on these rows. Usable directly as the trainer's evaluator.
 */
export function evaluateSae(
  sae: TrainableSae,
  data: Matrix,
  losses: LossConfig,
  batchSize = 1024,
  seed = 0,
): EvalResult {
  if (data.rows === 0) throw new RangeError("evaluateSae: no rows to evaluate on");
  const rng = new Rng(seed);
  const activity = new LatentActivity(sae.dSae);
  const recon = new Matrix(data.rows, data.cols);
  let loss = 0;
  for (let s = 0; s < data.rows; s += batchSize) {
    const batch = data.rowRange(s, Math.min(data.rows, s + batchSize));
    loss += sae.evaluate(batch, losses, { rng }, "inference").loss * batch.rows;
    const code = sae.encode(batch);
    activity.add(codeAsCsr(code));
    recon.data.set(sae.decode(code).data, s * data.cols);
  }
  return {
    loss: loss / data.rows,
    metrics: {
      fve: fractionVarianceExplained(data, recon),
      mse: meanSquaredError(data, recon),
      cosine: meanCosineSimilarity(data, recon),
      l0: activity.meanL0(),
      deadFraction: activity.deadFraction(),
    },
  };
}
