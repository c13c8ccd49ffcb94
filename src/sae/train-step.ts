import { Matrix } from "../tensor/matrix.js";
import type { Parameter } from "../tensor/optim/types.js";
import type { Activation } from "./architectures/types.js";
import { codeFiredCounts } from "./code.js";
import { auxKLoss } from "./losses/auxk.js";
import { cosineLoss } from "./losses/cosine.js";
import { fvuLoss } from "./losses/fvu.js";
import { klLoss } from "./losses/kl.js";
import { l1Loss } from "./losses/l1.js";
import { l2Loss } from "./losses/l2.js";
import { predictionLoss } from "./losses/prediction.js";
import { jointPredictionLoss } from "./losses/joint-prediction.js";
import type { LossConfig } from "./losses/types.js";
import type { InputNormaliser } from "./normalise.js";
import { type Grouping, decodeBackward, decodeInto, encoderBackward, preferDense } from "./sparse-ops.js";
import type { SparseCode, StepContext, StepResult } from "./types.js";
import { kernels } from "../tensor/backend.js";

/** The pieces of an SAE a training step needs. */
export interface StepParts {
  params: Readonly<Record<"W_enc" | "b_enc" | "W_dec" | "b_dec", Parameter>>;
  act: Activation;
  grouping: Grouping;
  normaliser: InputNormaliser;
  densityThreshold: number;
  /** Buffers reused across training steps (absent: allocate fresh ones). */
  workspace?: Map<string, Matrix>;
}

/** A step's result plus the training code (for activation state updates). */
export interface StepOutcome extends StepResult {
  code: SparseCode;
}

const RECON_TERMS = [
  ["l2", l2Loss],
  ["cosine", cosineLoss],
  ["fvu", fvuLoss],
] as const;

/** A rows x cols matrix from the workspace (contents undefined) or a fresh one. */
function buffer(ws: Map<string, Matrix> | undefined, name: string, rows: number, cols: number): Matrix {
  if (!ws) return new Matrix(rows, cols);
  const m = ws.get(name);
  if (m && m.rows === rows && m.cols === cols) return m;
  const fresh = new Matrix(rows, cols);
  ws.set(name, fresh);
  return fresh;
}

/**
 * (x - b_dec) W_enc + b_enc for a normalised batch x; also returns the centred input C. With a
 * workspace the results live in reused buffers, valid until the next call.
 */
export function encodePre(x: Matrix, p: StepParts, ws?: Map<string, Matrix>): { c: Matrix; pre: Matrix } {
  const { W_enc, b_enc, b_dec } = p.params;
  const c = buffer(ws, "c", x.rows, x.cols);
  const bd = b_dec.value.data;
  const n = x.cols;
  for (let r = 0; r < x.rows; r++) for (let q = 0; q < n; q++) c.data[r * n + q] = x.data[r * n + q] - bd[q];
  const pre = kernels().gemm(false, false, 1, c, W_enc.value, 0, buffer(ws, "pre", x.rows, W_enc.value.cols));
  kernels().addRowVector(pre, b_enc.value.data, pre);
  return { c, pre };
}

/**
 * One forward pass with every configured loss and, when `wantGrad`, the hand-written backward
 * accumulating into the parameters' grad buffers (which must exist). Notation (row-major batch):
 * X normalised input, C = X - b_dec, P = C W_enc + b_enc, Z = act(P), X_hat_g = Z_{<m_g} W_dec + b_dec.
 */
export function runStep(
  p: StepParts,
  y: Matrix,
  losses: LossConfig,
  ctx: StepContext,
  wantGrad: boolean,
  mode: "train" | "inference",
): StepOutcome {
  const { W_enc, b_enc, W_dec, b_dec } = p.params;
  const B = y.rows;
  const n = W_dec.value.cols;
  const m = W_dec.value.rows;
  const nb = p.normaliser.apply(y);
  const x = nb.x;
  const { c, pre } = encodePre(x, p, p.workspace);
  const code = mode === "train" ? p.act.train(pre) : p.act.infer(pre);
  const nnz = code.indptr[B];
  const dense = preferDense(nnz, B, m, p.densityThreshold);
  const G = p.grouping.count;

  // Prefix reconstructions: parts[g] = Z_g W_dec[g], then cumulative sums plus b_dec.
  const recon: Matrix[] = [];
  for (let g = 0; g < G; g++) recon.push(new Matrix(B, n));
  decodeInto(code, W_dec.value, p.grouping, recon, dense);
  for (let g = 0; g < G; g++) {
    const d = recon[g].data;
    if (g === 0) kernels().addRowVector(recon[0], b_dec.value.data, recon[0]);
    else {
      const prev = recon[g - 1].data;
      for (let t = 0; t < d.length; t++) d[t] += prev[t];
    }
  }
  const xhat = recon[G - 1];

  const dX: Matrix[] | null = wantGrad ? recon.map(() => new Matrix(B, n)) : null;
  const dVals = new Float32Array(nnz);
  const dWdec = wantGrad ? W_dec.grad : null;
  const terms: Record<string, number> = {};
  let loss = 0;

  for (const [name, fn] of RECON_TERMS) {
    const t = losses[name];
    if (!t) continue;
    let v = 0;
    for (let g = 0; g < G; g++) v += fn(x, recon[g], dX ? dX[g] : null, t.weight);
    terms[name] = v;
    loss += t.weight * v;
  }
  if (losses.l1) {
    const v = l1Loss(
      code,
      W_dec.value,
      losses.l1.decoderNormWeighted,
      wantGrad ? dVals : null,
      dWdec,
      losses.l1.weight,
    );
    terms.l1 = v;
    loss += losses.l1.weight * v;
  }
  if (losses.kl) {
    const v = klLoss(code, losses.kl.target, wantGrad ? dVals : null, losses.kl.weight);
    terms.kl = v;
    loss += losses.kl.weight * v;
  }
  if (losses.prediction) {
    const yhat = p.normaliser.undo(xhat.clone(), nb.rowMean, nb.rowScale);
    const dY = dX ? new Matrix(B, n) : null;
    const v = predictionLoss(y, yhat, losses.prediction, ctx.rng, dY, losses.prediction.weight);
    if (dY && dX) {
      p.normaliser.undoBackward(dY, nb.rowScale);
      const d = dX[G - 1].data;
      for (let t = 0; t < d.length; t++) d[t] += dY.data[t];
    }
    terms.prediction = v;
    loss += losses.prediction.weight * v;
  }
  if (losses.jointPrediction) {
    // Pairs of a two-tower JointBatch, both rows reconstructed (losses/joint-prediction.ts).
    const jp = losses.jointPrediction;
    const yhat = p.normaliser.undo(xhat.clone(), nb.rowMean, nb.rowScale);
    const dY = dX ? new Matrix(B, n) : null;
    const v = jointPredictionLoss(y, yhat, jp.scorer, dY, jp.weight);
    if (dY && dX) {
      p.normaliser.undoBackward(dY, nb.rowScale);
      const d = dX[G - 1].data;
      for (let t = 0; t < d.length; t++) d[t] += dY.data[t];
    }
    terms.jointPrediction = v;
    loss += jp.weight * v;
  }
  const dbEnc = new Float32Array(m);
  if (losses.auxk) {
    let v = 0;
    if (ctx.dead) {
      v = auxKLoss({
        pre,
        dead: ctx.dead,
        residual: ctx.auxResidual ?? residualOf(x, xhat),
        wDec: W_dec.value,
        cfg: losses.auxk,
        scale: losses.auxk.weight,
        densityThreshold: p.densityThreshold,
        grads: wantGrad ? { c, dWdec: requireGrad(W_dec), dWenc: requireGrad(W_enc), dbEnc } : undefined,
      }).value;
    }
    terms.auxk = v;
    loss += losses.auxk.weight * v;
  }

  if (wantGrad && dX) {
    for (let g = G - 2; g >= 0; g--) {
      const a = dX[g].data;
      const b = dX[g + 1].data;
      for (let t = 0; t < a.length; t++) a[t] += b[t];
    }
    addColumnSums(dX[0], requireGrad(b_dec).data);
    decodeBackward(code, W_dec.value, p.grouping, dX, requireGrad(W_dec), dVals, dense);
    encoderBackward(code, dVals, c, requireGrad(W_enc), dbEnc, dense);
    const gbEnc = requireGrad(b_enc).data;
    for (let j = 0; j < m; j++) gbEnc[j] += dbEnc[j];
    // C = X - b_dec: d b_dec -= W_enc dbEnc (the column sums of dP W_enc^T).
    const we = W_enc.value.data;
    const gbDec = requireGrad(b_dec).data;
    for (let q = 0; q < n; q++) {
      let s = 0;
      const off = q * m;
      for (let j = 0; j < m; j++) s += we[off + j] * dbEnc[j];
      gbDec[q] -= s;
    }
  }

  return { loss, terms, l0: B === 0 ? 0 : nnz / B, fired: codeFiredCounts(code), code };
}

function residualOf(x: Matrix, xhat: Matrix): Matrix {
  const e = new Matrix(x.rows, x.cols);
  for (let t = 0; t < e.data.length; t++) e.data[t] = x.data[t] - xhat.data[t];
  return e;
}

function addColumnSums(a: Matrix, out: Float32Array): void {
  const n = a.cols;
  for (let r = 0; r < a.rows; r++) for (let q = 0; q < n; q++) out[q] += a.data[r * n + q];
}

function requireGrad(param: Parameter): Matrix {
  if (!param.grad)
    throw new Error(`runStep: parameter ${param.name ?? ""} has no grad buffer (call zeroGrad first)`);
  return param.grad;
}
