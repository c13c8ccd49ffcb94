import type { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/adam.js";
import { clipGradNorm } from "../tensor/optim/clip.js";
import { applyLrSchedule, warmupSchedule, type DecayKind } from "../tensor/optim/schedule.js";
import { Rng } from "../tensor/rng.js";
import type { BatchIterable, BatchSource } from "./batches.js";
import { validateLossConfig } from "./losses/index.js";
import type { LossConfig } from "./losses/types.js";
import {
  metaNumber,
  packOptimizerState,
  readCheckpoint,
  unpackOptimizerState,
  writeCheckpoint,
} from "../store/checkpoint.js";
import { progressTask, type ProgressStream } from "../store/progress.js";
import type { SaeTensors, TrainableSae } from "./types.js";
import { SaeConfigError, checkEnum, checkInt, checkNumber } from "./validate.js";

/** Trainer settings (complete; see SAE_TRAINER_DEFAULTS). */
export interface SaeTrainerConfig {
  epochs: number;
  lr: number;
  beta1: number;
  /** Adam second-moment decay; 0.99 is the usual SAE choice (faster adaptation than 0.999). */
  beta2: number;
  eps: number;
  /** Linear warm-up steps. */
  warmupSteps: number;
  /** After warm-up: constant, or linear / cosine decay to minLrFactor at the last step. */
  decay: DecayKind;
  minLrFactor: number;
  /** Batches per epoch, needed for decay when the batch source's length is not known in advance. */
  stepsPerEpoch?: number;
  /** Global gradient-norm clip (0 disables). */
  clipGradNorm: number;
  /** Early stopping: epochs without validation improvement before stopping (0 disables). */
  patience: number;
  /** Improvement smaller than this does not count. */
  minDelta: number;
  /** Restore the parameters of the best validation epoch at the end. */
  restoreBest: boolean;
  /** Seed of the step random stream (prediction-loss item sampling). */
  seed: number;
  /** Samples without firing after which a latent counts as dead (default: auxk.deadAfter or 10000). */
  deadAfter?: number;
  /** Live progress line: "auto" (TTY and not CI), "always", "never". */
  progress: "auto" | "always" | "never";
}

/** Defaults of the trainer. */
export const SAE_TRAINER_DEFAULTS: Readonly<SaeTrainerConfig> = {
  epochs: 10,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.99,
  eps: 1e-8,
  warmupSteps: 0,
  decay: "constant",
  minLrFactor: 0,
  clipGradNorm: 0,
  patience: 0,
  minDelta: 0,
  restoreBest: true,
  seed: 0,
  progress: "auto",
};

/** What an evaluator returns: the validation loss (lower is better) and optional metrics. */
export interface EvalResult {
  loss: number;
  metrics?: Record<string, number>;
}

/** Summary of one epoch. */
export interface EpochSummary {
  epoch: number;
  steps: number;
  samples: number;
  /** Sample-weighted mean training loss and terms. */
  loss: number;
  terms: Record<string, number>;
  l0: number;
  /** Share of latents dead (not fired for deadAfter samples) at the end of the epoch. */
  deadFraction: number;
  lr: number;
  seconds: number;
  valLoss?: number;
  valMetrics?: Record<string, number>;
  /** Whether this epoch has the best validation loss so far. */
  best: boolean;
}

/**
 * Periodic checkpoints of SAE training (store/checkpoint.ts): after every epoch the complete state
 * (weights, activation state, Adam moments, step RNG, firing counters, epoch summaries, best
 * epoch) goes atomically to `<dir>/state.safetensors`; `resume` continues from it to the same result
 * as an uninterrupted run.
 */
export interface SaeCheckpointSettings {
  readonly dir: string;
  /** Identity of the training (settings, data, model); a checkpoint with another key is refused. */
  readonly key: string;
  readonly resume?: boolean;
  /** Called after each checkpoint is written. */
  readonly onSaved?: (epoch: number, path: string) => void;
}

/** Optional callbacks; the trainer itself never reaches into a recommender. */
export interface TrainerHooks {
  /** Checkpoints and resume. */
  state?: SaeCheckpointSettings;
  /** Validation after each epoch (its loss drives early stopping). */
  evaluate?: (sae: TrainableSae, epoch: number) => EvalResult | Promise<EvalResult>;
  /** Called after each epoch (after evaluation), e.g. to save the SAE. */
  checkpoint?: (sae: TrainableSae, summary: EpochSummary) => void | Promise<void>;
  /** Where the progress line goes (default process.stderr). */
  stream?: ProgressStream;
}

/** Result of training. */
export interface TrainReport {
  epochs: EpochSummary[];
  steps: number;
  stoppedEarly: boolean;
  bestEpoch: number | null;
  bestValLoss: number | null;
  /** Samples since each latent last fired, at the end. */
  samplesSinceFired: Float64Array;
}

/** Applies defaults and validates the trainer config; errors name the field. */
export function resolveTrainerConfig(
  over: Partial<SaeTrainerConfig> = {},
  source = "SAE trainer config",
): SaeTrainerConfig {
  const cfg = {
    ...SAE_TRAINER_DEFAULTS,
    ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)),
  } as SaeTrainerConfig;
  for (const key of Object.keys(over)) {
    if (!(key in SAE_TRAINER_DEFAULTS) && key !== "stepsPerEpoch" && key !== "deadAfter") {
      throw new SaeConfigError(source, key, "is not a trainer option", over[key as keyof SaeTrainerConfig]);
    }
  }
  checkInt(source, "epochs", cfg.epochs, 1);
  checkNumber(source, "lr", cfg.lr, 0, Infinity);
  checkNumber(source, "beta1", cfg.beta1, 0, 1, false);
  checkNumber(source, "beta2", cfg.beta2, 0, 1, false);
  checkNumber(source, "eps", cfg.eps, 0, Infinity);
  checkInt(source, "warmupSteps", cfg.warmupSteps, 0);
  checkEnum(source, "decay", cfg.decay, ["constant", "linear", "cosine"]);
  checkNumber(source, "minLrFactor", cfg.minLrFactor, 0, 1 + Number.EPSILON, false);
  if (cfg.stepsPerEpoch !== undefined) checkInt(source, "stepsPerEpoch", cfg.stepsPerEpoch, 1);
  checkNumber(source, "clipGradNorm", cfg.clipGradNorm, 0, Infinity, false);
  checkInt(source, "patience", cfg.patience, 0);
  checkNumber(source, "minDelta", cfg.minDelta, 0, Infinity, false);
  checkInt(source, "seed", cfg.seed, -(2 ** 31), 2 ** 32);
  if (cfg.deadAfter !== undefined) checkInt(source, "deadAfter", cfg.deadAfter, 1);
  checkEnum(source, "progress", cfg.progress, ["auto", "always", "never"]);
  return cfg;
}

function copyTensors(t: SaeTensors): SaeTensors {
  const out: SaeTensors = {};
  for (const [k, v] of Object.entries(t)) out[k] = { shape: v.shape.slice(), data: v.data.slice() };
  return out;
}

function knownLength(src: BatchIterable): number | undefined {
  return Array.isArray(src) ? src.length : undefined;
}

/**
 * Trains `sae` with Adam on the batches of `source` (re-iterated each epoch, or called with the
 * epoch number when it is a function). Each step: zero grads, hand-written forward/backward, remove
 * the decoder-parallel gradient, optional clipping, scheduled Adam step, decoder renormalisation.
 * If the SAE is not initialised, its first batch initialises it (prefer `sae.initialise(sample)`).
 * Deterministic for a given seed, batch order and backend.
 */
export async function trainSae(
  sae: TrainableSae,
  source: BatchSource,
  losses: LossConfig,
  config: Partial<SaeTrainerConfig> = {},
  hooks: TrainerHooks = {},
): Promise<TrainReport> {
  const cfg = resolveTrainerConfig(config);
  validateLossConfig(losses, "SAE loss config");
  const deadAfter = cfg.deadAfter ?? losses.auxk?.deadAfter ?? 10_000;
  const params = Object.values(sae.params);
  const opt = new Adam(params, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps });
  const rng = new Rng(cfg.seed);
  const sinceFired = new Float64Array(sae.dSae);
  const dead = new Uint8Array(sae.dSae);
  let epochs: EpochSummary[] = [];
  let stepsPerEpoch = cfg.stepsPerEpoch ?? (typeof source === "function" ? undefined : knownLength(source));
  let best: { loss: number; epoch: number; tensors: SaeTensors } | null = null;
  let sinceBest = 0;
  let stoppedEarly = false;
  const ck = hooks.state;
  let savedEpoch = 0;
  if (ck?.resume) {
    const r = restoreSaeCheckpoint(ck, sae, opt, rng, sinceFired);
    epochs = r.epochs;
    best = r.best;
    sinceBest = r.sinceBest;
    stepsPerEpoch = r.stepsPerEpoch ?? stepsPerEpoch;
    savedEpoch = epochs.length;
  }
  let schedule = stepsPerEpoch
    ? makeSchedule(cfg, stepsPerEpoch)
    : warmupSchedule({ warmupSteps: cfg.warmupSteps, decay: "constant" });
  const startEpoch = epochs.length;
  const task = progressTask(
    "sae train",
    stepsPerEpoch ? stepsPerEpoch * (cfg.epochs - startEpoch) : undefined,
    {
      stream: hooks.stream ?? process.stderr,
      mode: cfg.progress,
    },
  );
  if (cfg.patience > 0 && startEpoch > 0 && sinceBest >= cfg.patience) stoppedEarly = true;

  for (let epoch = startEpoch; epoch < cfg.epochs && !stoppedEarly; epoch++) {
    const t0 = Date.now();
    const batches = typeof source === "function" ? source(epoch) : source;
    let steps = 0;
    let samples = 0;
    let lossSum = 0;
    let l0Sum = 0;
    const termSums: Record<string, number> = {};
    for await (const batch of batches as AsyncIterable<Matrix>) {
      if (batch.rows === 0) continue;
      if (!sae.initialised) sae.initialise(batch);
      for (let j = 0; j < sae.dSae; j++) dead[j] = sinceFired[j] >= deadAfter ? 1 : 0;
      sae.zeroGrad();
      const res = sae.forwardBackward(batch, losses, { rng, dead });
      if (!Number.isFinite(res.loss)) {
        const kept =
          ck && savedEpoch > 0 ? `; the last good checkpoint (epoch ${savedEpoch}) is kept in ${ck.dir}` : "";
        throw new Error(
          `trainSae: loss is ${res.loss} at epoch ${epoch + 1}, step ${steps + 1} (terms ${JSON.stringify(res.terms)})${kept}; lower the learning rate or check the input for NaN`,
        );
      }
      sae.constrainGradients();
      if (cfg.clipGradNorm > 0) clipGradNorm(params, cfg.clipGradNorm);
      applyLrSchedule(opt, schedule);
      opt.step();
      sae.afterStep();
      for (let j = 0; j < sae.dSae; j++) sinceFired[j] = res.fired[j] > 0 ? 0 : sinceFired[j] + batch.rows;
      steps++;
      samples += batch.rows;
      lossSum += res.loss * batch.rows;
      l0Sum += res.l0 * batch.rows;
      for (const [k, v] of Object.entries(res.terms)) termSums[k] = (termSums[k] ?? 0) + v * batch.rows;
      task.set(
        (stepsPerEpoch ?? 0) * (epoch - startEpoch) + steps,
        `epoch ${epoch + 1}/${cfg.epochs} step ${steps}${stepsPerEpoch ? `/${stepsPerEpoch}` : ""} loss ${(lossSum / samples).toFixed(5)} ` +
          `L0 ${(l0Sum / samples).toFixed(1)} dead ${(100 * fraction(sinceFired, deadAfter)).toFixed(1)}%`,
      );
    }
    if (steps === 0) {
      throw new Error(
        `trainSae: the batch source yielded no batches in epoch ${epoch + 1}${epoch > 0 ? " (a one-shot iterator? pass an array or a function of the epoch)" : ""}`,
      );
    }
    if (stepsPerEpoch === undefined) {
      stepsPerEpoch = steps;
      schedule = makeSchedule(cfg, steps);
      task.setTotal(steps * (cfg.epochs - startEpoch));
    }
    const terms: Record<string, number> = {};
    for (const [k, v] of Object.entries(termSums)) terms[k] = v / samples;
    const summary: EpochSummary = {
      epoch: epoch + 1,
      steps,
      samples,
      loss: lossSum / samples,
      terms,
      l0: l0Sum / samples,
      deadFraction: fraction(sinceFired, deadAfter),
      lr: opt.getLr(),
      seconds: (Date.now() - t0) / 1000,
      best: false,
    };
    if (hooks.evaluate) {
      const ev = await hooks.evaluate(sae, epoch + 1);
      if (!Number.isFinite(ev.loss))
        throw new Error(`trainSae: evaluator returned loss ${ev.loss} at epoch ${epoch + 1}`);
      summary.valLoss = ev.loss;
      if (ev.metrics) summary.valMetrics = ev.metrics;
      if (!best || ev.loss < best.loss - cfg.minDelta) {
        best = {
          loss: ev.loss,
          epoch: epoch + 1,
          tensors: cfg.restoreBest ? copyTensors(sae.tensors()) : {},
        };
        summary.best = true;
        sinceBest = 0;
      } else sinceBest++;
    }
    epochs.push(summary);
    task.log(
      `epoch ${epoch + 1}/${cfg.epochs} loss ${summary.loss.toFixed(5)}${summary.valLoss !== undefined ? ` val ${summary.valLoss.toFixed(5)}` : ""} ` +
        `L0 ${summary.l0.toFixed(1)} dead ${(100 * summary.deadFraction).toFixed(1)}%`,
    );
    if (ck) {
      const path = saveSaeCheckpoint(ck, sae, opt, rng, sinceFired, {
        epochs,
        best,
        sinceBest,
        stepsPerEpoch,
      });
      savedEpoch = epoch + 1;
      ck.onSaved?.(epoch + 1, path);
    }
    if (hooks.checkpoint) await hooks.checkpoint(sae, summary);
    if (cfg.patience > 0 && sinceBest >= cfg.patience) stoppedEarly = true;
    await new Promise<void>((resolve) => setImmediate(resolve)); // let signals (Ctrl-C) and I/O in
  }
  task.finish();
  if (best && cfg.restoreBest && best.epoch !== epochs.length)
    sae.loadTensors(best.tensors, `best epoch ${best.epoch}`);
  return {
    epochs,
    steps: opt.stepCount,
    stoppedEarly,
    bestEpoch: best?.epoch ?? null,
    bestValLoss: best?.loss ?? null,
    samplesSinceFired: sinceFired,
  };
}

function makeSchedule(cfg: SaeTrainerConfig, stepsPerEpoch: number) {
  const totalSteps = Math.max(cfg.warmupSteps, stepsPerEpoch * cfg.epochs);
  return warmupSchedule({
    warmupSteps: cfg.warmupSteps,
    decay: cfg.decay,
    totalSteps,
    minFactor: cfg.minLrFactor,
  });
}

function fraction(sinceFired: Float64Array, deadAfter: number): number {
  let n = 0;
  for (const s of sinceFired) if (s >= deadAfter) n++;
  return sinceFired.length === 0 ? 0 : n / sinceFired.length;
}

/** What trainSae carries across epochs besides the SAE, the optimiser and the RNG. */
interface SaeLoopState {
  epochs: EpochSummary[];
  best: { loss: number; epoch: number; tensors: SaeTensors } | null;
  sinceBest: number;
  stepsPerEpoch: number | undefined;
}

function saveSaeCheckpoint(
  ck: SaeCheckpointSettings,
  sae: TrainableSae,
  opt: Adam,
  rng: Rng,
  sinceFired: Float64Array,
  st: SaeLoopState,
): string {
  const o = packOptimizerState("adam", opt.saveState());
  const arrays: Record<string, Float32Array | Int32Array> = { ...o.arrays };
  const shapes: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(sae.tensors())) {
    arrays[`sae/${name}`] = t.data;
    shapes[name] = t.shape.slice();
  }
  for (const [name, t] of Object.entries(st.best?.tensors ?? {})) arrays[`best/${name}`] = t.data;
  const state = {
    kind: "sae-training",
    key: ck.key,
    epochs: st.epochs,
    best: st.best
      ? { loss: st.best.loss, epoch: st.best.epoch, tensors: Object.keys(st.best.tensors) }
      : null,
    sinceBest: st.sinceBest,
    stepsPerEpoch: st.stepsPerEpoch ?? null,
    shapes,
    rng: rng.getState(),
    sinceFired: Array.from(sinceFired),
    adam: o.meta,
  };
  return writeCheckpoint(ck.dir, state, arrays);
}

function restoreSaeCheckpoint(
  ck: SaeCheckpointSettings,
  sae: TrainableSae,
  opt: Adam,
  rng: Rng,
  sinceFired: Float64Array,
): SaeLoopState {
  const c = readCheckpoint(ck.dir);
  const where = c.path;
  const st = c.state as {
    kind?: unknown;
    key?: unknown;
    epochs?: EpochSummary[];
    best?: { loss: number; epoch: number; tensors: string[] } | null;
    sinceBest?: unknown;
    stepsPerEpoch?: number | null;
    shapes?: Record<string, number[]>;
    rng?: unknown;
    sinceFired?: unknown;
    adam?: unknown;
  };
  if (st.kind !== "sae-training")
    throw new Error(`${where}: not an SAE-training checkpoint (kind ${JSON.stringify(st.kind)})`);
  if (st.key !== ck.key)
    throw new Error(
      `${where}: the checkpoint is of another SAE training (${String(st.key)}), not of this one (${ck.key}); ` +
        `resume with the same settings, or train without --resume (--force) to start over`,
    );
  const tensorsOf = (prefix: string, names: readonly string[]): SaeTensors => {
    const out: SaeTensors = {};
    for (const name of names) {
      const data = c.arrays.get(`${prefix}/${name}`);
      const shape = st.shapes?.[name];
      if (!(data instanceof Float32Array) || !shape)
        throw new Error(`${where}: tensor ${prefix}/${name} is missing from the checkpoint`);
      out[name] = { shape, data };
    }
    return out;
  };
  sae.loadTensors(tensorsOf("sae", Object.keys(st.shapes ?? {})), where);
  opt.loadState(unpackOptimizerState(where, "adam", st.adam, c.arrays));
  rng.setState(st.rng as Parameters<Rng["setState"]>[0]);
  if (!Array.isArray(st.sinceFired) || st.sinceFired.length !== sinceFired.length)
    throw new Error(`${where}: "sinceFired" does not have ${sinceFired.length} entries`);
  sinceFired.set(st.sinceFired as number[]);
  if (!Array.isArray(st.epochs)) throw new Error(`${where}: "epochs" is not a list`);
  const best = st.best
    ? {
        loss: metaNumber(where, st.best as unknown as Record<string, unknown>, "loss"),
        epoch: metaNumber(where, st.best as unknown as Record<string, unknown>, "epoch"),
        tensors: tensorsOf("best", st.best.tensors),
      }
    : null;
  return {
    epochs: st.epochs,
    best,
    sinceBest: metaNumber(where, st as Record<string, unknown>, "sinceBest"),
    stepsPerEpoch: st.stepsPerEpoch ?? undefined,
  };
}
