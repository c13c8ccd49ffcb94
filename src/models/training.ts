import type { FitContext, FitReport, Recommender } from "./types.js";

/** Per-model hooks for the shared epoch loop. */
export interface EpochLoop {
  readonly model: Recommender;
  readonly epochs: number;
  readonly ctx: FitContext;
  /** Runs one epoch (1-based) and returns its mean training loss. */
  runEpoch(epoch: number): number;
  /** A copy of the trainable weights (taken when validation improves). */
  snapshot(): Float32Array[];
  /** Puts a snapshot back. */
  restore(weights: Float32Array[]): void;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs epochs with progress/ETA reporting and optional early stopping: after each epoch the
 * validation callback scores the model; the best epoch's weights are kept and training stops once
 * `patience` epochs pass without improvement. A non-finite loss aborts with an error naming the
 * epoch (the model must never produce NaN scores). Yields to the event loop between epochs.
 */
export async function runEpochs(loop: EpochLoop): Promise<FitReport> {
  const { ctx, epochs } = loop;
  const t0 = performance.now();
  const losses: number[] = [];
  const valScores: number[] = [];
  let best = -Infinity;
  let bestEpoch = 0;
  let bestWeights: Float32Array[] | undefined;
  let epoch = 0;
  while (epoch < epochs) {
    epoch++;
    const loss = loop.runEpoch(epoch);
    if (!Number.isFinite(loss)) {
      throw new Error(
        `${loop.model.name}.fit: training loss is ${loss} at epoch ${epoch}; lower the learning rate`,
      );
    }
    losses.push(loss);
    let valScore: number | undefined;
    let valMetrics: Readonly<Record<string, number>> | undefined;
    if (ctx.validation) {
      valScore = ctx.validation.evaluate(loop.model);
      valMetrics = ctx.validation.lastMetrics?.();
      valScores.push(valScore);
      if (valScore > best) {
        best = valScore;
        bestEpoch = epoch;
        bestWeights = loop.snapshot();
      }
    } else {
      bestEpoch = epoch;
    }
    const elapsedSec = (performance.now() - t0) / 1000;
    const stopping = ctx.validation !== undefined && epoch - bestEpoch >= ctx.validation.patience;
    const remaining = stopping ? 0 : epochs - epoch;
    ctx.onProgress?.({
      epoch,
      epochs,
      loss,
      elapsedSec,
      etaSec: (elapsedSec / epoch) * remaining,
      valScore,
      ...(valMetrics ? { valMetrics } : {}),
    });
    if (stopping) break;
    await yieldToEventLoop();
  }
  if (bestWeights && bestEpoch !== epoch) loop.restore(bestWeights);
  return { epochsRun: epoch, bestEpoch, losses, valScores, seconds: (performance.now() - t0) / 1000 };
}

/** Splits 0..n-1 (in the given order) into consecutive batches of at most `size`. */
export function* batches(order: Int32Array, size: number): Generator<Int32Array> {
  for (let s = 0; s < order.length; s += size) yield order.subarray(s, Math.min(order.length, s + size));
}
