import type { Matrix } from "../matrix.js";

/**
 * A trainable tensor as optimisers see it: its value (updated in place) and the gradient accumulated
 * for it, or null when no gradient reached it this step (such parameters are skipped).
 * Autograd Variables satisfy this structurally; `name`, when present, is used in error messages.
 */
export interface Parameter {
  value: Matrix;
  grad: Matrix | null;
  readonly name?: string | undefined;
}

/** Hyperparameters every optimiser has. */
export interface BaseHyper {
  /** Learning rate (> 0 when configured; a schedule may scale it down to 0). */
  lr: number;
  /** Weight decay coefficient (>= 0; 0 disables it). */
  weightDecay: number;
}

/** A parameter group as the caller gives it: its parameters plus hyperparameters overriding the optimiser's options. */
export type ParamGroupSpec<H> = { params: readonly Parameter[] } & Partial<H>;

/** A parameter group after defaults were applied and validated. */
export interface ParamGroup<H> {
  readonly params: readonly Parameter[];
  /** Current hyperparameters (`lr` follows `setLr` / `setLrFactor`). */
  readonly hyper: Readonly<H>;
  /** The configured learning rate that `setLrFactor` scales. */
  readonly baseLr: number;
}

/** Saved state of one parameter: its own update count and named buffers (e.g. Adam's `m` and `v`). */
export interface ParamState {
  step: number;
  buffers: Record<string, Float32Array>;
}

/** Saved state of one group: hyperparameters and the state of each parameter (null: never updated). */
export interface GroupState<H> {
  hyper: H;
  baseLr: number;
  params: (ParamState | null)[];
}

/** Everything needed to resume an optimiser from a checkpoint (buffers are copies). */
export interface OptimizerState<H = Record<string, number | boolean>> {
  /** The optimiser that wrote it ("SGD", "Adam", "AdamW"). */
  kind: string;
  /** Number of `step()` calls so far. */
  stepCount: number;
  groups: GroupState<H>[];
}

/** Options of `zeroGrad`. */
export interface ZeroGradOptions {
  /** true: drop the gradient buffers (grad = null, the parameter is skipped until a gradient arrives); false (default): fill them with zeros. */
  setToNull?: boolean;
}

/** What training loops, schedulers and checkpointing rely on. */
export interface Optimizer {
  /** "SGD", "Adam" or "AdamW". */
  readonly kind: string;
  /** Number of `step()` calls so far. */
  readonly stepCount: number;
  /** Applies one update to every parameter that has a gradient. */
  step(): void;
  /** Clears the gradients of all parameters. */
  zeroGrad(options?: ZeroGradOptions): void;
  /** All parameters, group by group. */
  parameters(): Parameter[];
  /** Current learning rate of a group (default group 0). */
  getLr(group?: number): number;
  /** Sets the current learning rate of one group, or of all groups when `group` is omitted. */
  setLr(lr: number, group?: number): void;
  /** Sets every group's learning rate to its base learning rate times `factor` (what schedules call). */
  setLrFactor(factor: number): void;
  /** A deep copy of the moment buffers, step counts and hyperparameters. */
  saveState(): OptimizerState;
  /** Restores a state written by `saveState` of an optimiser of the same kind over the same parameter layout. */
  loadState(state: OptimizerState): void;
}
