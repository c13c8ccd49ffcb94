/**
 * Reverse-mode autograd on a tape over `kernels()`.
 *
 * @example
 * import { Tape, param, zeroGrad } from "./tensor/autograd/index.js";
 * const W = param(w0);                       // Variable with requiresGrad, persists across steps
 * const t = new Tape();                      // one tape per step
 * const loss = t.mse(t.relu(t.matmul(x, W)), y);
 * t.backward(loss);                          // W.grad += dloss/dW
 * // ...optimiser step on { value, grad }..., then zeroGrad([W])
 */
export { Variable, param, constant, asVariable, zeroGrad, releaseGrad, type Input } from "./variable.js";
export { Recorder, type BackwardFn, type TapeOptions } from "./recorder.js";
export { Tape } from "./tape.js";
export { gradOf, accumulate } from "./grad.js";
export type { MatmulOptions, CsrMatmulOptions } from "./matmul.js";
export type { Reduction } from "./loss-reconstruction.js";
export { sigmoidScalar } from "./activations.js";
export {
  gradCheck,
  type GradCheckFn,
  type GradCheckOptions,
  type GradCheckFailure,
  type GradCheckReport,
} from "./gradcheck.js";
