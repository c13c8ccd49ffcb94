import { kernels } from "../backend.js";
import { BaseOptimizer, type OptimizerSpec } from "./optimizer.js";
import type { ParamGroupSpec, Parameter } from "./types.js";
import { checkPositive, checkUnitInterval } from "./validate.js";

/** Adam / AdamW hyperparameters. */
export type AdamOptions = {
  /** Learning rate (> 0). */
  lr: number;
  /** Decay of the first-moment average, in [0, 1). */
  beta1: number;
  /** Decay of the second-moment average, in [0, 1). */
  beta2: number;
  /** Added to the root of the second moment (> 0). */
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay w -= lr * wd * w (>= 0). */
  weightDecay: number;
};

/** Defaults of `Adam` (as in PyTorch). */
export const ADAM_DEFAULTS: Readonly<AdamOptions> = {
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
};

/** Defaults of `AdamW` (as in PyTorch: weight decay 0.01). */
export const ADAMW_DEFAULTS: Readonly<AdamOptions> = { ...ADAM_DEFAULTS, weightDecay: 0.01 };

function adamSpec(
  kind: string,
  defaults: Readonly<AdamOptions>,
  decoupled: boolean,
): OptimizerSpec<AdamOptions> {
  return {
    kind,
    defaults,
    validate(h, where) {
      checkUnitInterval(where, "beta1", h.beta1);
      checkUnitInterval(where, "beta2", h.beta2);
      checkPositive(where, "eps", h.eps);
    },
    buffers: () => ["m", "v"],
    update(value, grad, state, h) {
      const { lr, beta1, beta2, eps, weightDecay } = h;
      kernels().adamUpdate(value, grad, state.buffers.m, state.buffers.v, {
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        decoupled,
        step: state.step,
      });
    },
  };
}

const ADAM_SPEC = adamSpec("Adam", ADAM_DEFAULTS, false);
const ADAMW_SPEC = adamSpec("AdamW", ADAMW_DEFAULTS, true);

/**
 * Adam (Kingma & Ba 2015) with bias correction; weight decay is an L2 penalty added to the
 * gradient (so it passes through the adaptive scaling). The update runs in `kernels().adamUpdate`.
 */
export class Adam extends BaseOptimizer<AdamOptions> {
  /** `params`: one list or parameter groups (group fields override `options`). */
  constructor(
    params: readonly Parameter[] | readonly ParamGroupSpec<AdamOptions>[],
    options: Partial<AdamOptions> = {},
  ) {
    super(ADAM_SPEC, params, options);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, w -= lr * (update + wd * w).
 * The update runs in `kernels().adamUpdate`.
 */
export class AdamW extends BaseOptimizer<AdamOptions> {
  /** `params`: one list or parameter groups (group fields override `options`). */
  constructor(
    params: readonly Parameter[] | readonly ParamGroupSpec<AdamOptions>[],
    options: Partial<AdamOptions> = {},
  ) {
    super(ADAMW_SPEC, params, options);
  }
}
