import type { RngState } from "../tensor/rng.js";
import {
  metaNumber,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointContents,
  type TrainingState,
} from "../store/checkpoint.js";
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
  /**
   * Optional, for checkpoints and `--resume`: every array and number the next epoch reads besides
   * `ctx.rng` (weights, optimiser moments, in-place shuffled orders, step counters). Arrays may be
   * the live ones (they are written out at once, not kept). See checkpoint.ts.
   */
  trainingState?(): TrainingState;
  /** Puts a {@link trainingState} back (copying into the live arrays). */
  restoreTrainingState?(state: TrainingState): void;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What runEpochs itself carries across epochs (restored on resume). */
interface LoopState {
  epoch: number;
  losses: number[];
  valScores: number[];
  best: number;
  bestEpoch: number;
  bestWeights: Float32Array[] | undefined;
  /** Seconds spent in earlier sessions of this training. */
  priorSeconds: number;
}

function saveCheckpoint(loop: EpochLoop, s: LoopState, seconds: number): string | undefined {
  const c = loop.ctx.checkpoint;
  if (!c || !loop.trainingState) return undefined;
  const model = loop.trainingState();
  const arrays: Record<string, Float32Array | Int32Array> = {};
  for (const [name, a] of Object.entries(model.arrays)) arrays[`model/${name}`] = a;
  s.bestWeights?.forEach((w, i) => (arrays[`best/${i}`] = w));
  const state = {
    kind: "model-training",
    key: c.key,
    model: loop.model.name,
    epoch: s.epoch,
    epochs: loop.epochs,
    losses: s.losses,
    valScores: s.valScores,
    best: Number.isFinite(s.best) ? s.best : null,
    bestEpoch: s.bestEpoch,
    bestWeights: s.bestWeights?.length ?? 0,
    seconds,
    rng: loop.ctx.rng.getState(),
    modelMeta: model.meta,
  };
  return writeCheckpoint(c.dir, state, arrays);
}

function restoreCheckpoint(loop: EpochLoop, ck: CheckpointContents): LoopState {
  const where = ck.path;
  const c = loop.ctx.checkpoint;
  const st = ck.state;
  if (st.kind !== "model-training")
    throw new Error(`${where}: not a model-training checkpoint (kind ${JSON.stringify(st.kind)})`);
  if (st.key !== c?.key)
    throw new Error(
      `${where}: the checkpoint is of another training (${String(st.key)}), not of this one (${String(c?.key)}); ` +
        `resume with the same model, settings, seed and data, or train without --resume (--force) to start over`,
    );
  if (!loop.restoreTrainingState)
    throw new Error(
      `${loop.model.name}: this model cannot resume from a checkpoint (no training-state hooks)`,
    );
  const arrays: Record<string, Float32Array | Int32Array> = {};
  const best: Float32Array[] = [];
  for (const [name, a] of ck.arrays) {
    if (name.startsWith("model/")) arrays[name.slice(6)] = a;
    else if (name.startsWith("best/")) best[Number(name.slice(5))] = a as Float32Array;
  }
  const nBest = metaNumber(where, st, "bestWeights");
  if (best.length !== nBest || best.some((b) => !(b instanceof Float32Array)))
    throw new Error(`${where}: ${nBest} best-epoch weight arrays recorded, ${best.length} present`);
  loop.restoreTrainingState({ arrays, meta: (st.modelMeta ?? {}) as Record<string, unknown> });
  loop.ctx.rng.setState(st.rng as RngState);
  const nums = (v: unknown, name: string): number[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number"))
      throw new Error(`${where}: "${name}" is not a list of numbers`);
    return v as number[];
  };
  return {
    epoch: metaNumber(where, st, "epoch"),
    losses: nums(st.losses, "losses"),
    valScores: nums(st.valScores, "valScores"),
    best: st.best === null ? -Infinity : metaNumber(where, st, "best"),
    bestEpoch: metaNumber(where, st, "bestEpoch"),
    bestWeights: nBest > 0 ? best : undefined,
    priorSeconds: metaNumber(where, st, "seconds"),
  };
}

/**
 * Runs epochs with progress/ETA reporting and optional early stopping: after each epoch the
 * validation callback scores the model; the best epoch's weights are kept and training stops once
 * `patience` epochs pass without improvement. With `ctx.checkpoint` and the loop's training-state
 * hooks, the complete loop state is checkpointed after each epoch and `resume` continues from it
 * (same seed: bit-identical to an uninterrupted run). A non-finite loss aborts with an error naming
 * the epoch and the last good checkpoint (which is kept). Yields to the event loop between epochs.
 */
export async function runEpochs(loop: EpochLoop): Promise<FitReport> {
  const { ctx, epochs } = loop;
  const t0 = performance.now();
  const c = ctx.checkpoint;
  const every = c?.every ?? 1;
  const s: LoopState = c?.resume
    ? restoreCheckpoint(loop, readCheckpoint(c.dir))
    : {
        epoch: 0,
        losses: [],
        valScores: [],
        best: -Infinity,
        bestEpoch: 0,
        bestWeights: undefined,
        priorSeconds: 0,
      };
  const startEpoch = s.epoch;
  let savedEpoch = c?.resume ? s.epoch : 0;
  let stopping =
    ctx.validation !== undefined && s.epoch > 0 && s.epoch - s.bestEpoch >= ctx.validation.patience;
  while (s.epoch < epochs && !stopping) {
    s.epoch++;
    const epoch = s.epoch;
    const loss = loop.runEpoch(epoch);
    if (!Number.isFinite(loss)) {
      const kept =
        c && savedEpoch > 0
          ? `; the last good checkpoint (epoch ${savedEpoch}) is kept in ${c.dir}`
          : "; no checkpoint was written before it";
      throw new Error(
        `${loop.model.name}.fit: training loss is ${loss} at epoch ${epoch}${kept}; lower the learning rate`,
      );
    }
    s.losses.push(loss);
    let valScore: number | undefined;
    let valMetrics: Readonly<Record<string, number>> | undefined;
    if (ctx.validation) {
      valScore = ctx.validation.evaluate(loop.model);
      valMetrics = ctx.validation.lastMetrics?.();
      s.valScores.push(valScore);
      if (valScore > s.best) {
        s.best = valScore;
        s.bestEpoch = epoch;
        s.bestWeights = loop.snapshot();
      }
    } else {
      s.bestEpoch = epoch;
    }
    const elapsedSec = (performance.now() - t0) / 1000;
    stopping = ctx.validation !== undefined && epoch - s.bestEpoch >= ctx.validation.patience;
    if (c && (epoch % every === 0 || stopping || epoch === epochs)) {
      const path = saveCheckpoint(loop, s, s.priorSeconds + elapsedSec);
      if (path) {
        savedEpoch = epoch;
        c.onSaved?.(epoch, path);
      }
    }
    const remaining = stopping ? 0 : epochs - epoch;
    ctx.onProgress?.({
      epoch,
      epochs,
      loss,
      elapsedSec: s.priorSeconds + elapsedSec,
      etaSec: (elapsedSec / (epoch - startEpoch)) * remaining,
      valScore,
      ...(valMetrics ? { valMetrics } : {}),
    });
    if (stopping) break;
    await yieldToEventLoop();
  }
  if (s.bestWeights && s.bestEpoch !== s.epoch) loop.restore(s.bestWeights);
  return {
    epochsRun: s.epoch,
    bestEpoch: s.bestEpoch,
    losses: s.losses,
    valScores: s.valScores,
    seconds: s.priorSeconds + (performance.now() - t0) / 1000,
  };
}

/** Splits 0..n-1 (in the given order) into consecutive batches of at most `size`. */
export function* batches(order: Int32Array, size: number): Generator<Int32Array> {
  for (let s = 0; s < order.length; s += size) yield order.subarray(s, Math.min(order.length, s + size));
}
