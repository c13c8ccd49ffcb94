import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import type { Parameter } from "../tensor/optim/types.js";
import { Rng } from "../tensor/rng.js";
import { getArchitecture } from "./architectures/index.js";
import type { Activation } from "./architectures/types.js";
import { checkCode, codeToDense } from "./code.js";
import { validateSaeConfig } from "./config.js";
import type { LossConfig } from "./losses/types.js";
import { InputNormaliser, columnMean, geometricMedian } from "./normalise.js";
import { Grouping, decodeInto, defaultDensityThreshold, preferDense } from "./sparse-ops.js";
import { type StepParts, encodePre, runStep } from "./train-step.js";
import type { SaeConfig, SaeTensors, SparseCode, StepContext, StepResult, TrainableSae } from "./types.js";

type ParamName = "W_enc" | "b_enc" | "W_dec" | "b_dec";

/** How `SparseAutoencoder.initialise` sets up the dictionary. */
export interface InitialiseOptions {
  /**
   * "random" (default): keep the constructor's random unit atoms. "data": start every atom at a
   * training row plus noise (see the private `atomsFromData`); far fewer latents die early.
   */
  atoms?: "random" | "data";
  /** Seed of the row choice and the noise. */
  seed?: number;
  /**
   * With data atoms: scale W_enc so that the first reconstruction has the data's scale (least-squares
   * factor 1). Data atoms give pre-activations near ||x - b_dec||, so their top-k sum overshoots the
   * input several times; an L2 loss corrects that within a few steps, a scale-free loss (cosine)
   * never does. Off by default: on L2 runs the smaller start left more latents dead.
   */
  matchScale?: boolean;
}

/**
 * The SAE shared by every architecture (they differ in activation and nested prefixes):
 * E(y) = act((norm(y) - b_dec) W_enc + b_enc), D(z) = unnorm(z W_dec + b_dec), with W_enc
 * [dIn x dSae] and W_dec [dSae x dIn] as in SAELens. Forward and backward are written by hand on
 * the sparse code (see train-step.ts).
 */
export class SparseAutoencoder implements TrainableSae {
  readonly config: Readonly<SaeConfig>;
  readonly architecture: string;
  readonly dIn: number;
  readonly dSae: number;
  readonly params: Readonly<Record<ParamName, Parameter>>;
  /** Code density above which products use dense gemm instead of sparse loops. */
  densityThreshold: number;
  private readonly act: Activation;
  private readonly grouping: Grouping;
  private readonly normaliser: InputNormaliser;
  private lastTrainCode: SparseCode | null = null;
  /** Reused training buffers (centred input, pre-activations) keyed by name. */
  private readonly workspace = new Map<string, Matrix>();
  private ready = false;

  /**
   * A freshly initialised SAE: W_enc ~ N(0, 1/dIn), W_dec = W_enc^T with unit-norm rows, then
   * W_enc = W_dec^T; biases zero. `cfg` is validated (errors name `source` and the field).
   */
  constructor(cfg: SaeConfig, seed = 0, source = "SAE config") {
    validateSaeConfig(cfg, source);
    this.config = Object.freeze(
      cfg.prefixes ? { ...cfg, prefixes: Object.freeze(cfg.prefixes.slice()) as number[] } : { ...cfg },
    );
    const arch = getArchitecture(cfg.architecture);
    this.architecture = cfg.architecture;
    this.dIn = cfg.dIn;
    this.dSae = cfg.dSae;
    this.act = arch.activation(cfg);
    this.grouping = new Grouping([0, ...arch.prefixes(cfg)]);
    this.normaliser = new InputNormaliser(cfg.normalisation, cfg.dIn);
    this.densityThreshold = defaultDensityThreshold();
    const n = cfg.dIn;
    const m = cfg.dSae;
    const wEnc = new Matrix(n, m);
    new Rng(seed).fillNormal(wEnc.data, 0, 1 / Math.sqrt(n));
    const wDec = wEnc.transpose();
    normaliseRows(wDec);
    wEnc.data.set(wDec.transpose().data);
    const mk = (name: string, value: Matrix): Parameter => ({ name, value, grad: null });
    this.params = Object.freeze({
      W_enc: mk("W_enc", wEnc),
      b_enc: mk("b_enc", new Matrix(1, m)),
      W_dec: mk("W_dec", wDec),
      b_dec: mk("b_dec", new Matrix(1, n)),
    });
  }

  /** Whether normalisation statistics and b_dec were set by `initialise` or loading. */
  get initialised(): boolean {
    return this.ready;
  }

  /**
   * Fits dataset normalisation on `sample` and sets b_dec to its mean / geometric median / zero;
   * with `atoms: "data"`, also re-initialises the dictionary from the sample's rows.
   */
  initialise(sample: Matrix, opts: InitialiseOptions = {}): void {
    this.checkInput(sample, "initialise");
    this.normaliser.fit(sample);
    const x = this.normaliser.apply(sample).x;
    const init = this.config.bDecInit;
    const b =
      init === "zero" ? new Float32Array(this.dIn) : init === "mean" ? columnMean(x) : geometricMedian(x);
    this.params.b_dec.value.data.set(b);
    if (opts.atoms === "data") {
      this.atomsFromData(x, b, opts.seed ?? 0);
      if (opts.matchScale && this.config.tied)
        throw new Error("SAE.initialise: matchScale scales the encoder alone, which a tied decoder cannot");
      if (opts.matchScale) this.matchEncoderScale(x, b);
    }
    this.ready = true;
  }

  /**
   * Data-initialised dictionary (as in classic dictionary learning): atom j starts at a distinct
   * random training row (cycling when there are more atoms than rows), centred by b_dec, plus
   * isotropic Gaussian noise of the same expected norm, then unit-normalised; W_enc = W_dec^T. Atoms
   * start inside the data's span, so none begins out of every row's reach (a dead latent), and the
   * noise keeps atoms that share a row from being copies.
   */
  private atomsFromData(x: Matrix, bDec: Float32Array, seed: number): void {
    const wDec = this.params.W_dec.value;
    const n = this.dIn;
    const rng = new Rng(seed);
    const order = rng.permutation(x.rows);
    const noise = new Float32Array(n);
    for (let j = 0; j < this.dSae; j++) {
      const r = order[j % x.rows];
      const row = wDec.row(j);
      let norm2 = 0;
      for (let c = 0; c < n; c++) {
        row[c] = x.data[r * n + c] - bDec[c];
        norm2 += row[c] * row[c];
      }
      rng.fillNormal(noise, 0, Math.sqrt(norm2 / n));
      for (let c = 0; c < n; c++) row[c] += noise[c];
    }
    normaliseRows(wDec);
    this.params.W_enc.value.data.set(wDec.transpose().data);
  }

  /**
   * Multiplies W_enc by the least-squares factor of (code W_dec) onto (x - b_dec), with the training
   * activation, over the first (at most 4096) rows of x.
   */
  private matchEncoderScale(all: Matrix, bDec: Float32Array): void {
    const n = this.dIn;
    const x = all.rowRange(0, Math.min(all.rows, 4096));
    const code = this.act.train(encodePre(x, this.parts()).pre);
    const recon = new Matrix(x.rows, n);
    decodeInto(code, this.params.W_dec.value, Grouping.single(this.dSae), [recon], false);
    let rr = 0;
    let rt = 0;
    for (let r = 0; r < x.rows; r++)
      for (let c = 0; c < n; c++) {
        const v = recon.data[r * n + c];
        rr += v * v;
        rt += v * (x.data[r * n + c] - bDec[c]);
      }
    if (!(rr > 0 && rt > 0)) return;
    const wEnc = this.params.W_enc.value.data;
    for (let t = 0; t < wEnc.length; t++) wEnc[t] *= rt / rr;
  }

  /** Pre-activations of each row (rows x dSae). */
  preActivations(x: Matrix): Matrix {
    this.checkInput(x, "preActivations");
    return encodePre(this.normaliser.apply(x).x, this.parts()).pre;
  }

  /** Sparse code of each row (inference activation), carrying per-sample statistics when used. */
  encode(x: Matrix): SparseCode {
    this.checkInput(x, "encode");
    const nb = this.normaliser.apply(x);
    const code = this.act.infer(encodePre(nb.x, this.parts()).pre);
    return nb.rowMean ? { ...code, rowMean: nb.rowMean, rowScale: nb.rowScale } : code;
  }

  /** Dense rows x dSae code. */
  encodeDense(x: Matrix): Matrix {
    return codeToDense(this.encode(x));
  }

  /** z W_dec + b_dec, mapped back to the caller's space (entries of an edited code may be in any order). */
  decode(code: SparseCode): Matrix {
    checkCode(code, this.dSae, "SAE.decode");
    const out = new Matrix(code.rows, this.dIn);
    const dense = preferDense(code.indptr[code.rows], code.rows, this.dSae, this.densityThreshold);
    decodeInto(code, this.params.W_dec.value, Grouping.single(this.dSae), [out], dense);
    kernels().addRowVector(out, this.params.b_dec.value.data, out);
    return this.normaliser.undo(out, code.rowMean, code.rowScale);
  }

  /** decode(encode(x)). */
  reconstruct(x: Matrix): Matrix {
    return this.decode(this.encode(x));
  }

  /** Decoder atom of latent j (a view). */
  atom(j: number): Float32Array {
    if (!(Number.isInteger(j) && j >= 0 && j < this.dSae))
      throw new RangeError(`SAE.atom: latent ${j} out of range [0, ${this.dSae})`);
    return this.params.W_dec.value.row(j);
  }

  /** Forward and loss without gradients. */
  evaluate(
    x: Matrix,
    losses: LossConfig,
    ctx: StepContext,
    mode: "train" | "inference" = "train",
  ): StepResult {
    this.checkInput(x, "evaluate");
    const { code: _code, ...res } = runStep(this.parts(), x, losses, ctx, false, mode);
    return res;
  }

  /** Forward, loss and backward; gradients accumulate into params[*].grad. */
  forwardBackward(x: Matrix, losses: LossConfig, ctx: StepContext): StepResult {
    this.checkInput(x, "forwardBackward");
    for (const p of Object.values(this.params)) if (!p.grad) p.grad = new Matrix(p.value.rows, p.value.cols);
    const { code, ...res } = runStep(this.parts(), x, losses, ctx, true, "train");
    this.lastTrainCode = code;
    return res;
  }

  /** Zeroes (allocating if needed) every gradient. */
  zeroGrad(): void {
    for (const p of Object.values(this.params)) {
      if (p.grad) p.grad.data.fill(0);
      else p.grad = new Matrix(p.value.rows, p.value.cols);
    }
  }

  /**
   * g_j -= (<g_j, w_j> / <w_j, w_j>) w_j for every decoder row j; with a tied decoder instead the
   * chain rule of W_dec = W_enc^T: dW_enc += dW_dec^T, and W_dec gets no gradient of its own.
   */
  constrainGradients(): void {
    const { value, grad } = this.params.W_dec;
    if (!grad) return;
    if (this.config.tied) {
      const gEnc = this.params.W_enc.grad;
      if (!gEnc) throw new Error("SAE.constrainGradients: W_enc has no gradient");
      const m = this.dSae;
      for (let j = 0; j < m; j++)
        for (let c = 0; c < this.dIn; c++) gEnc.data[c * m + j] += grad.data[j * this.dIn + c];
      grad.data.fill(0);
      return;
    }
    const n = this.dIn;
    for (let j = 0; j < this.dSae; j++) {
      const off = j * n;
      let gw = 0;
      let ww = 0;
      for (let c = 0; c < n; c++) {
        gw += grad.data[off + c] * value.data[off + c];
        ww += value.data[off + c] ** 2;
      }
      if (ww === 0) continue;
      const f = gw / ww;
      for (let c = 0; c < n; c++) grad.data[off + c] -= f * value.data[off + c];
    }
  }

  /**
   * Unit-norm decoder rows (a tied decoder: W_dec = W_enc^T); activation state update (BatchTopK
   * threshold) from the last step.
   */
  afterStep(): void {
    if (this.config.tied) this.tieDecoder();
    else normaliseRows(this.params.W_dec.value);
    if (this.lastTrainCode) this.act.afterStep(this.lastTrainCode);
    this.lastTrainCode = null;
  }

  /** Parameters (SAELens names and shapes; biases 1-D), normalisation statistics, activation state. */
  tensors(): SaeTensors {
    const { W_enc, b_enc, W_dec, b_dec } = this.params;
    const t: SaeTensors = {
      W_enc: { shape: [this.dIn, this.dSae], data: W_enc.value.data },
      b_enc: { shape: [this.dSae], data: b_enc.value.data },
      W_dec: { shape: [this.dSae, this.dIn], data: W_dec.value.data },
      b_dec: { shape: [this.dIn], data: b_dec.value.data },
    };
    if (this.config.normalisation === "dataset") {
      t.norm_mean = { shape: [this.dIn], data: this.normaliser.mean };
      t.norm_scale = { shape: [1], data: this.normaliser.scale };
    }
    return { ...t, ...this.act.tensors() };
  }

  /** Copies every tensor from `t` after checking that the names and shapes match exactly. */
  loadTensors(t: SaeTensors, source: string): void {
    const mine = this.tensors();
    for (const name of Object.keys(t)) {
      if (!(name in mine))
        throw new Error(
          `${source}: unexpected tensor "${name}" for a ${this.architecture} SAE (expected: ${Object.keys(mine).join(", ")})`,
        );
    }
    for (const [name, want] of Object.entries(mine)) {
      const got = t[name];
      if (!got) throw new Error(`${source}: tensor "${name}" is missing`);
      if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
        throw new Error(
          `${source}: tensor "${name}" has shape [${got.shape.join(", ")}], expected [${want.shape.join(", ")}] from the config`,
        );
      }
      if (got.data.length !== want.data.length)
        throw new Error(
          `${source}: tensor "${name}" has ${got.data.length} values, expected ${want.data.length}`,
        );
    }
    for (const [name, want] of Object.entries(mine))
      if (name in this.params || name.startsWith("norm_")) want.data.set(t[name].data);
    this.act.load(t);
    this.ready = true;
  }

  /** W_dec = W_enc^T. */
  private tieDecoder(): void {
    this.params.W_dec.value.data.set(this.params.W_enc.value.transpose().data);
  }

  private parts(): StepParts {
    return {
      params: this.params,
      act: this.act,
      grouping: this.grouping,
      normaliser: this.normaliser,
      densityThreshold: this.densityThreshold,
      workspace: this.workspace,
    };
  }

  private checkInput(x: Matrix, op: string): void {
    if (x.cols !== this.dIn)
      throw new RangeError(`SAE.${op}: batch is ${x.shape}, expected ${this.dIn} columns (dIn)`);
  }
}

/** Scales every row of m to unit L2 norm (zero rows are left alone). */
export function normaliseRows(m: Matrix): void {
  const norms = kernels().rowNorms(m);
  for (let j = 0; j < m.rows; j++) {
    const nrm = norms[j];
    if (!(nrm > 0)) continue;
    const off = j * m.cols;
    for (let c = 0; c < m.cols; c++) m.data[off + c] /= nrm;
  }
}

/** A new trainable SAE for a (validated) config. */
export function createSae(cfg: SaeConfig, seed = 0, source = "SAE config"): SparseAutoencoder {
  return new SparseAutoencoder(cfg, seed, source);
}
