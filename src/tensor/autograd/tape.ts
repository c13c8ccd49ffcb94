import type { Csr } from "../csr.js";
import type { Matrix } from "../matrix.js";
import type { Rng } from "../rng.js";
import * as act from "./activations.js";
import * as bin from "./binary.js";
import { dropout } from "./dropout.js";
import { embedding } from "./embedding.js";
import { layerNorm } from "./layernorm.js";
import * as lik from "./loss-likelihood.js";
import * as rec from "./loss-reconstruction.js";
import * as reg from "./loss-regularisers.js";
import * as mm from "./matmul.js";
import { rowL2Normalize } from "./normalize.js";
import * as pw from "./pointwise.js";
import { Recorder, type TapeOptions } from "./recorder.js";
import * as red from "./reduce.js";
import * as shp from "./reshape.js";
import * as sm from "./softmax.js";
import { topkMask } from "./topk.js";
import type { Input, Variable } from "./variable.js";

/**
 * Reverse-mode autograd tape. Ops are methods: each computes its forward value at once (through
 * `kernels()` for the heavy parts) and, when recording and an input requires a gradient, queues a
 * backward closure. Inputs are Variables or plain Matrices (constants). Use one tape per training
 * step; `new Tape({ recording: false })` (or `Tape.inference()`) runs plain forward passes.
 *
 * @example
 * const W = param(initW), b = param(Matrix.zeros(1, h));   // persist across steps
 * const t = new Tape();
 * const hid = t.relu(t.add(t.matmul(x, W), b));             // x: Matrix (constant)
 * const loss = t.mse(t.matmul(hid, W, { transB: true }), x);
 * t.backward(loss);                                         // fills W.grad, b.grad
 * optimiser.step(); zeroGrad([W, b]);
 */
export class Tape extends Recorder {
  /** A tape that records nothing and has training off (dropout is the identity). */
  static inference(): Tape {
    return new Tape({ recording: false, training: false });
  }

  /** Creates a tape; see `TapeOptions` (recording and training default to true). */
  constructor(options: TapeOptions = {}) {
    super(options);
  }

  // ---- linear algebra ----
  /** op(A) op(B) via gemm; see `MatmulOptions` for the transpose flags. */
  matmul(a: Input, b: Input, options?: mm.MatmulOptions): Variable {
    return mm.matmul(this, a, b, options);
  }
  /** S X (or S^T X) for a constant sparse S; gradient to X only. */
  csrMatmul(s: Csr, x: Input, options?: mm.CsrMatmulOptions): Variable {
    return mm.csrMatmul(this, s, x, options);
  }

  // ---- elementwise binary (broadcast 1 x n, m x 1, 1 x 1) ----
  /** a + b. */
  add(a: Input, b: Input): Variable {
    return bin.add(this, a, b);
  }
  /** a - b. */
  sub(a: Input, b: Input): Variable {
    return bin.sub(this, a, b);
  }
  /** a * b (elementwise). */
  mul(a: Input, b: Input): Variable {
    return bin.mul(this, a, b);
  }
  /** a / b (elementwise). */
  div(a: Input, b: Input): Variable {
    return bin.div(this, a, b);
  }

  // ---- elementwise unary ----
  /** c * x for a constant c. */
  scale(x: Input, c: number): Variable {
    return pw.scale(this, x, c);
  }
  /** -x. */
  neg(x: Input): Variable {
    return pw.scale(this, x, -1);
  }
  /** x + c for a constant c. */
  addScalar(x: Input, c: number): Variable {
    return pw.addScalar(this, x, c);
  }
  /** e^x. */
  exp(x: Input): Variable {
    return pw.exp(this, x);
  }
  /** ln x. */
  log(x: Input): Variable {
    return pw.log(this, x);
  }
  /** x^2. */
  square(x: Input): Variable {
    return pw.square(this, x);
  }
  /** sqrt(x). */
  sqrt(x: Input): Variable {
    return pw.sqrt(this, x);
  }
  /** |x| (subgradient 0 at 0). */
  abs(x: Input): Variable {
    return pw.abs(this, x);
  }
  /** max(x, 0). */
  relu(x: Input): Variable {
    return act.relu(this, x);
  }
  /** tanh(x). */
  tanh(x: Input): Variable {
    return act.tanh(this, x);
  }
  /** Logistic sigmoid. */
  sigmoid(x: Input): Variable {
    return act.sigmoid(this, x);
  }
  /** GELU, tanh approximation. */
  gelu(x: Input): Variable {
    return act.gelu(this, x);
  }
  /** log(1 + e^x), stable. */
  softplus(x: Input): Variable {
    return act.softplus(this, x);
  }

  // ---- row-wise ----
  /** Row-wise softmax. */
  softmax(x: Input): Variable {
    return sm.softmax(this, x);
  }
  /** Row-wise log-softmax. */
  logSoftmax(x: Input): Variable {
    return sm.logSoftmax(this, x);
  }
  /** Row-wise layer norm with 1 x n gain and bias. */
  layerNorm(x: Input, gain: Input, bias: Input, eps?: number): Variable {
    return layerNorm(this, x, gain, bias, eps);
  }
  /** Each row scaled to unit L2 norm (norm sqrt(||x||^2 + eps)). */
  rowL2Normalize(x: Input, eps?: number): Variable {
    return rowL2Normalize(this, x, eps);
  }
  /** Keep the k largest entries per row, zero the rest. */
  topkMask(x: Input, k: number): Variable {
    return topkMask(this, x, k);
  }
  /** Inverted dropout with probability p (identity when `training` is false). */
  dropout(x: Input, p: number, rng: Rng): Variable {
    return dropout(this, x, p, rng);
  }
  /** Rows `ids` of `table`; the gradient scatter-adds. */
  embedding(table: Input, ids: Int32Array | readonly number[]): Variable {
    return embedding(this, table, ids);
  }

  // ---- reductions ----
  /** Sum of all elements (1x1). */
  sum(x: Input): Variable {
    return red.sum(this, x);
  }
  /** Mean of all elements (1x1). */
  mean(x: Input): Variable {
    return red.mean(this, x);
  }
  /** Sum of each row (m x 1). */
  sumRows(x: Input): Variable {
    return red.sumRows(this, x);
  }
  /** Mean of each row (m x 1). */
  meanRows(x: Input): Variable {
    return red.meanRows(this, x);
  }
  /** Sum of each column (1 x n). */
  sumCols(x: Input): Variable {
    return red.sumCols(this, x);
  }
  /** Mean of each column (1 x n). */
  meanCols(x: Input): Variable {
    return red.meanCols(this, x);
  }

  // ---- structure ----
  /** [x0 | x1 | ...] (same rows). */
  concatCols(parts: readonly Input[]): Variable {
    return shp.concatCols(this, parts);
  }
  /** [x0; x1; ...] (same columns). */
  concatRows(parts: readonly Input[]): Variable {
    return shp.concatRows(this, parts);
  }
  /** Columns [start, end). */
  sliceCols(x: Input, start: number, end: number): Variable {
    return shp.sliceCols(this, x, start, end);
  }
  /** Rows [start, end). */
  sliceRows(x: Input, start: number, end: number): Variable {
    return shp.sliceRows(this, x, start, end);
  }
  /** x^T. */
  transpose(x: Input): Variable {
    return shp.transpose(this, x);
  }
  /** Same elements (row-major) as rows x cols. */
  reshape(x: Input, rows: number, cols: number): Variable {
    return shp.reshape(this, x, rows, cols);
  }

  // ---- losses (all return 1x1) ----
  /** Squared error, mean (default) or sum. */
  mse(a: Input, b: Input, reduction?: rec.Reduction): Variable {
    return rec.mse(this, a, b, reduction);
  }
  /** Mean over rows of 1 - cos(a_i, b_i). */
  cosineLoss(a: Input, b: Input, eps?: number): Variable {
    return rec.cosineLoss(this, a, b, eps);
  }
  /** Stable binary cross-entropy on logits, mean (default) or sum. */
  bceWithLogits(logits: Input, targets: Matrix, reduction?: rec.Reduction): Variable {
    return lik.bceWithLogits(this, logits, targets, reduction);
  }
  /** MultVAE loss: -mean_i sum_j x_ij logsoftmax(logits)_ij. */
  multinomialLogLikelihood(logits: Input, x: Matrix | Csr): Variable {
    return lik.multinomialLogLikelihood(this, logits, x);
  }
  /** MultVAE KL term: mean_i -0.5 sum_j (1 + logvar - mu^2 - e^logvar). */
  gaussianKl(mu: Input, logvar: Input): Variable {
    return reg.gaussianKl(this, mu, logvar);
  }
  /** Bernoulli KL sparsity penalty on column mean activations (activations in [0, 1]). */
  bernoulliKlSparsity(activations: Input, rho: number, eps?: number): Variable {
    return reg.bernoulliKlSparsity(this, activations, rho, eps);
  }
}
