import { BaseOptimizer, type OptimizerSpec } from "./optimizer.js";
import type { ParamGroupSpec, Parameter } from "./types.js";
import { checkBoolean, checkUnitInterval } from "./validate.js";

/** SGD hyperparameters. */
export type SgdOptions = {
  /** Learning rate (> 0). */
  lr: number;
  /** Momentum coefficient in [0, 1); 0 disables momentum. */
  momentum: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov: boolean;
  /** L2 penalty coefficient added to the gradient (>= 0). */
  weightDecay: number;
};

/** Defaults of `SGD` (as in PyTorch). */
export const SGD_DEFAULTS: Readonly<SgdOptions> = { lr: 1e-3, momentum: 0, nesterov: false, weightDecay: 0 };

const SGD_SPEC: OptimizerSpec<SgdOptions> = {
  kind: "SGD",
  defaults: SGD_DEFAULTS,
  validate(h, where) {
    checkUnitInterval(where, "momentum", h.momentum);
    checkBoolean(where, "nesterov", h.nesterov);
    if (h.nesterov && h.momentum === 0)
      throw new RangeError(`${where}: nesterov requires momentum > 0, got momentum 0`);
  },
  buffers: (h) => (h.momentum > 0 ? ["momentum"] : []),
  update(value, grad, state, h) {
    // g = grad + wd * w; buf = mu * buf + g (buf starts at 0, so it equals g on step 1);
    // direction = nesterov ? g + mu * buf : buf.
    const { lr, momentum: mu, nesterov, weightDecay: wd } = h;
    const buf = state.buffers.momentum;
    for (let t = 0; t < value.length; t++) {
      let g = grad[t] + wd * value[t];
      if (buf) {
        const b = mu * buf[t] + g;
        buf[t] = b;
        g = nesterov ? g + mu * b : b;
      }
      value[t] -= lr * g;
    }
  },
};

/**
 * Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay, following
 * PyTorch's update (no dampening). Elementwise and memory-bound, so it is a plain loop.
 */
export class SGD extends BaseOptimizer<SgdOptions> {
  /** `params`: one list or parameter groups (group fields override `options`). */
  constructor(
    params: readonly Parameter[] | readonly ParamGroupSpec<SgdOptions>[],
    options: Partial<SgdOptions> = {},
  ) {
    super(SGD_SPEC, params, options);
  }
}
