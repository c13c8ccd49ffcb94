import type { Matrix } from "../../tensor/matrix.js";
import type { Rng } from "../../tensor/rng.js";
import { assertShape } from "../../tensor/matrix.js";
import type { PredictionConfig } from "./types.js";

/** `count` distinct item ids drawn uniformly from [0, numItems) (Floyd's algorithm); all when count >= numItems. */
export function sampleItems(numItems: number, count: number, rng: Rng): Int32Array {
  if (count >= numItems) return Int32Array.from({ length: numItems }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = numItems - count; j < numItems; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen);
}

/**
 * Prediction-aware loss: mean over rows and sampled items of (s(y_hat) - s(y))^2, where s is the
 * frozen scorer and y, y_hat are the original and reconstructed representations in the caller's
 * space. Adds `scale` * dL/dy_hat (backpropagated through the scorer) into `dYhat` when given.
 * Returns the unscaled value.
 */
export function predictionLoss(
  y: Matrix,
  yhat: Matrix,
  cfg: PredictionConfig,
  rng: Rng,
  dYhat: Matrix | null,
  scale: number,
): number {
  assertShape(y.rows === yhat.rows && y.cols === yhat.cols, "predictionLoss", y, yhat);
  const items = sampleItems(cfg.scorer.numItems, cfg.items, rng);
  return predictionLossOn(y, yhat, items, cfg, dYhat, scale);
}

/** `predictionLoss` on a given item set. */
export function predictionLossOn(
  y: Matrix,
  yhat: Matrix,
  items: Int32Array,
  cfg: PredictionConfig,
  dYhat: Matrix | null,
  scale: number,
): number {
  const s0 = cfg.scorer.scoreItems(y, items);
  const s1 = cfg.scorer.scoreItems(yhat, items);
  const n = s1.data.length;
  if (n === 0) return 0;
  let s = 0;
  for (let t = 0; t < n; t++) {
    const d = s1.data[t] - s0.data[t];
    s += d * d;
    s1.data[t] = (2 * scale * d) / n; // reuse as dScores
  }
  if (dYhat) {
    const dy = cfg.scorer.backward(yhat, items, s1);
    for (let t = 0; t < dy.data.length; t++) dYhat.data[t] += dy.data[t];
  }
  return s / n;
}
