import type { Optimizer } from "./types.js";
import { checkCount } from "./validate.js";

/**
 * A learning-rate schedule: maps the number of the update about to be taken (1 for the first
 * `step()`) to a factor that multiplies each group's base learning rate.
 */
export type LrSchedule = (step: number) => number;

/** What follows the linear warm-up. */
export type DecayKind = "constant" | "linear" | "cosine";

/** Options of `warmupSchedule`. */
export interface WarmupScheduleOptions {
  /** Steps of linear warm-up: the factor is step / warmupSteps up to warmupSteps (0: none). */
  warmupSteps: number;
  /** Shape after the warm-up. */
  decay: DecayKind;
  /** Step at which the decay reaches `minFactor` (required for linear and cosine; >= warmupSteps). */
  totalSteps?: number;
  /** Final factor of the decay, in [0, 1] (default 0). */
  minFactor?: number;
}

function checkStep(where: string, step: number): void {
  if (typeof step !== "number" || !(step >= 0) || !Number.isFinite(step)) {
    throw new RangeError(`${where}: step must be a finite number >= 0, got ${step}`);
  }
}

function checkDecay(where: string, warmupSteps: number, totalSteps: number, minFactor: number): void {
  checkCount(where, "warmupSteps", warmupSteps);
  checkCount(where, "totalSteps", totalSteps);
  if (totalSteps < warmupSteps)
    throw new RangeError(`${where}: totalSteps must be >= warmupSteps (${warmupSteps}), got ${totalSteps}`);
  if (!(minFactor >= 0 && minFactor <= 1))
    throw new RangeError(`${where}: minFactor must be in [0, 1], got ${minFactor}`);
}

/** Warm-up factor min(1, step / warmupSteps); 1 when warmupSteps is 0. */
function warm(step: number, warmupSteps: number): number {
  return warmupSteps === 0 ? 1 : Math.min(1, step / warmupSteps);
}

/** Fraction of the decay phase done at `step`, clamped to [0, 1]. */
function progress(step: number, warmupSteps: number, totalSteps: number): number {
  if (step <= warmupSteps) return 0;
  if (totalSteps === warmupSteps) return 1;
  return Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
}

/** Linear warm-up over `warmupSteps`, then constant 1. */
export function warmupConstant(step: number, warmupSteps: number): number {
  checkStep("warmupConstant", step);
  checkCount("warmupConstant", "warmupSteps", warmupSteps);
  return warm(step, warmupSteps);
}

/** Linear warm-up, then a straight line from 1 at `warmupSteps` to `minFactor` at `totalSteps` (and after). */
export function warmupLinearDecay(
  step: number,
  warmupSteps: number,
  totalSteps: number,
  minFactor = 0,
): number {
  checkStep("warmupLinearDecay", step);
  checkDecay("warmupLinearDecay", warmupSteps, totalSteps, minFactor);
  if (step < warmupSteps) return warm(step, warmupSteps);
  return 1 - (1 - minFactor) * progress(step, warmupSteps, totalSteps);
}

/** Linear warm-up, then a half cosine from 1 at `warmupSteps` to `minFactor` at `totalSteps` (and after). */
export function warmupCosineDecay(
  step: number,
  warmupSteps: number,
  totalSteps: number,
  minFactor = 0,
): number {
  checkStep("warmupCosineDecay", step);
  checkDecay("warmupCosineDecay", warmupSteps, totalSteps, minFactor);
  if (step < warmupSteps) return warm(step, warmupSteps);
  const p = progress(step, warmupSteps, totalSteps);
  return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/** Builds a validated schedule from options (validation happens here, once). */
export function warmupSchedule(options: WarmupScheduleOptions): LrSchedule {
  const { warmupSteps, decay, totalSteps, minFactor = 0 } = options;
  const where = "warmupSchedule";
  if (decay === "constant") {
    checkCount(where, "warmupSteps", warmupSteps);
    return (step) => warmupConstant(step, warmupSteps);
  }
  if (decay !== "linear" && decay !== "cosine") {
    throw new RangeError(
      `${where}: decay must be "constant", "linear" or "cosine", got ${JSON.stringify(decay)}`,
    );
  }
  if (totalSteps === undefined) throw new RangeError(`${where}: totalSteps is required for ${decay} decay`);
  checkDecay(where, warmupSteps, totalSteps, minFactor);
  const f = decay === "linear" ? warmupLinearDecay : warmupCosineDecay;
  return (step) => f(step, warmupSteps, totalSteps, minFactor);
}

/**
 * Sets the optimiser's learning rates for its next `step()` (number stepCount + 1) from `schedule`;
 * returns the factor applied. Call it right before `step()`.
 */
export function applyLrSchedule(optimizer: Optimizer, schedule: LrSchedule): number {
  const factor = schedule(optimizer.stepCount + 1);
  optimizer.setLrFactor(factor);
  return factor;
}
