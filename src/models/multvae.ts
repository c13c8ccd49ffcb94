import { z } from "zod";
import { tensorFromMatrix, type TensorInput } from "../store/safetensors.js";
import { Tape, param, type Variable } from "../tensor/autograd/index.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/index.js";
import type { Rng } from "../tensor/rng.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender, checkTrainMatrix } from "./base.js";
import { metaNumber, packOptimizerState, restoreArray, unpackOptimizerState } from "../store/checkpoint.js";
import type { ModelFactory } from "./registry.js";
import { batches, runEpochs } from "./training.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** MultVAE hyperparameters; defaults follow Liang et al. (2018) and their reference code. */
export const MultVaeConfigSchema = z
  .object({
    /** Latent width d (the probing site is the d-wide mean head). */
    dim: z.number().int().min(1).max(16384).default(200),
    /** Hidden width of encoder and decoder; default 3 * dim (600 for d = 200, as in the paper). */
    hidden: z.number().int().min(1).max(65536).optional(),
    epochs: z.number().int().min(1).default(100),
    /**
     * Users per update. The paper uses 500 on ML-20M (10^5 users); on the small sets here that is a
     * handful of updates per epoch (ML-latest-small Recall@20 0.14 at 500 vs 0.26 at 100, 5 splits).
     */
    batchSize: z.number().int().min(1).default(100),
    lr: z.number().positive().finite().default(1e-3),
    /** Dropout probability on the (L2-normalised) input. */
    dropout: z.number().min(0).lt(1).default(0.5),
    /** Largest KL weight beta. */
    annealCap: z.number().min(0).finite().default(0.2),
    /** beta = min(annealCap, updates / annealSteps) (Liang et al.'s total_anneal_steps: updates to reach 1). */
    annealSteps: z.number().int().min(1).default(200000),
    /** L2 penalty (Adam weight decay) on all parameters; the paper's VAE uses 0. */
    weightDecay: z.number().min(0).finite().default(0),
    shuffle: z.boolean().default(true),
  })
  .strict()
  .transform((c) => ({ ...c, hidden: c.hidden ?? 3 * c.dim }));

/** Complete MultVAE config (`hidden` resolved). */
export type MultVaeConfig = z.infer<typeof MultVaeConfigSchema>;

const NAMES = [
  "encW",
  "encB",
  "muW",
  "muB",
  "logvarW",
  "logvarB",
  "decW1",
  "decB1",
  "decW2",
  "decB2",
] as const;
type ParamName = (typeof NAMES)[number];
type Params = Record<ParamName, Variable>;

/** Each row scaled to unit L2 norm; with `dropout` > 0 entries are also dropped and survivors scaled by 1/(1-p). */
function normalizeAndDrop(x: Csr, dropout: number, rng?: Rng): Csr {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  const keep = 1 / (1 - dropout);
  for (let u = 0; u < x.rows; u++) {
    let ss = 0;
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) ss += x.values[p] * x.values[p];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      if (rng && dropout > 0 && rng.uniform() < dropout) continue;
      r.push(u);
      c.push(x.indices[p]);
      v.push(x.values[p] * inv * (rng && dropout > 0 ? keep : 1));
    }
  }
  return Csr.fromTriplets(x.rows, x.cols, r, c, v);
}

/**
 * MultVAE (Liang et al., WWW 2018, "Variational Autoencoders for Collaborative Filtering"): the
 * L2-normalised interaction row (with input dropout while training) goes through a tanh layer
 * [items -> hidden] and two linear heads [hidden -> d] for the mean and log-variance of q(z|x);
 * the decoder [d -> hidden (tanh) -> items] gives logits of a multinomial over items. Loss:
 * -log-likelihood + beta * KL, beta = min(annealCap, updates / annealSteps) (linear, capped).
 * Probing site: the mean head. decode(z) returns the logits (softmax is monotone, so rankings agree).
 * Trained with the autograd tape and Adam.
 */
export class MultVae extends BaseRecommender<MultVaeConfig> {
  readonly name = "multvae";
  private params: Params | undefined;

  /** Unfitted model with the given complete config. */
  constructor(config: MultVaeConfig) {
    super(config);
  }

  /** d. */
  get dim(): number {
    return this.params ? this.config.dim : 0;
  }

  private init(n: number, rng: Rng): Params {
    const { dim: d, hidden: h } = this.config;
    const glorot = (rows: number, cols: number): Matrix => {
      const m = new Matrix(rows, cols);
      const b = Math.sqrt(6 / (rows + cols));
      rng.fillUniform(m.data, -b, b);
      return m;
    };
    const bias = (cols: number): Matrix => {
      const m = new Matrix(1, cols);
      rng.fillNormal(m.data, 0, 0.001);
      return m;
    };
    const shapes: Record<ParamName, () => Matrix> = {
      encW: () => glorot(n, h),
      encB: () => bias(h),
      muW: () => glorot(h, d),
      muB: () => bias(d),
      logvarW: () => glorot(h, d),
      logvarB: () => bias(d),
      decW1: () => glorot(d, h),
      decB1: () => bias(h),
      decW2: () => glorot(h, n),
      decB2: () => bias(n),
    };
    const out = {} as Params;
    for (const name of NAMES) out[name] = param(shapes[name](), name);
    return out;
  }

  private encode(t: Tape, xn: Csr, p: Params): { mu: Variable; logvar: Variable } {
    const hid = t.tanh(t.add(t.csrMatmul(xn, p.encW), p.encB));
    return { mu: t.add(t.matmul(hid, p.muW), p.muB), logvar: t.add(t.matmul(hid, p.logvarW), p.logvarB) };
  }

  private logits(t: Tape, z: Variable | Matrix, p: Params): Variable {
    return t.add(t.matmul(t.tanh(t.add(t.matmul(z, p.decW1), p.decB1)), p.decW2), p.decB2);
  }

  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    checkTrainMatrix(this.name, train);
    const c = this.config;
    const p = this.init(train.cols, ctx.rng);
    this.params = p;
    this.items = train.cols;
    const list = NAMES.map((n) => p[n]);
    const opt = new Adam(list, { lr: c.lr, weightDecay: c.weightDecay });
    const order = new Int32Array(train.rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    let updates = 0;
    return runEpochs({
      model: this,
      epochs: c.epochs,
      ctx,
      runEpoch: () => {
        if (c.shuffle) ctx.rng.shuffle(order);
        let total = 0;
        for (const ids of batches(order, c.batchSize)) {
          const x = train.gatherRows(ids);
          const beta = Math.min(c.annealCap, updates / c.annealSteps);
          const t = new Tape();
          const { mu, logvar } = this.encode(t, normalizeAndDrop(x, c.dropout, ctx.rng), p);
          const eps = new Matrix(mu.rows, mu.cols);
          ctx.rng.fillNormal(eps.data);
          const z = t.add(mu, t.mul(eps, t.exp(t.scale(logvar, 0.5))));
          const nll = t.multinomialLogLikelihood(this.logits(t, z, p), x);
          const loss = t.add(nll, t.scale(t.gaussianKl(mu, logvar), beta));
          t.backward(loss);
          opt.step();
          opt.zeroGrad();
          updates++;
          total += loss.item() * ids.length;
        }
        return total / train.rows;
      },
      snapshot: () => list.map((v) => v.value.data.slice()),
      restore: (saved) => list.forEach((v, i) => v.value.data.set(saved[i])),
      trainingState: () => {
        const o = packOptimizerState("adam", opt.saveState());
        const arrays: Record<string, Float32Array | Int32Array> = { ...o.arrays, order };
        for (const name of NAMES) arrays[`param/${name}`] = p[name].value.data;
        return { arrays, meta: { updates, adam: o.meta } };
      },
      restoreTrainingState: ({ arrays, meta }) => {
        const where = `${this.name} checkpoint`;
        for (const name of NAMES)
          restoreArray(where, `param/${name}`, p[name].value.data, arrays[`param/${name}`]);
        restoreArray(where, "order", order, arrays.order);
        opt.loadState(unpackOptimizerState(where, "adam", meta.adam, arrays));
        updates = metaNumber(where, meta, "updates");
      },
    });
  }

  /** Mean of q(z|x) (users x d) for the L2-normalised rows (no dropout). */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    return this.encode(Tape.inference(), normalizeAndDrop(batch.rows, 0), this.params as Params).mu.value;
  }

  /** Decoder logits (users x items). */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    return this.logits(Tape.inference(), z, this.params as Params).value;
  }

  /** The decoder's weights (views, do not modify): logits = tanh(z w1 + b1) w2 + b2, w1 [d x hidden], w2 [hidden x items]. */
  decoderWeights(): { w1: Matrix; b1: Matrix; w2: Matrix; b2: Matrix } {
    this.requireFitted("decoderWeights");
    const p = this.params as Params;
    return { w1: p.decW1.value, b1: p.decB1.value, w2: p.decW2.value, b2: p.decB2.value };
  }

  /** Saves every weight under its parameter name. */
  save(dir: string): void {
    this.requireFitted("save");
    const p = this.params as Params;
    const tensors: Record<string, TensorInput> = {};
    for (const name of NAMES) tensors[name] = tensorFromMatrix(p[name].value);
    saveArtifact(dir, { model: this.name, config: this.config, nItems: this.items }, tensors);
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: MultVaeConfig, artifact: ModelArtifact): MultVae {
    const m = new MultVae(config);
    const n = artifact.json.nItems;
    const { dim: d, hidden: h } = config;
    const expected: Record<ParamName, [number, number]> = {
      encW: [n, h],
      encB: [1, h],
      muW: [h, d],
      muB: [1, d],
      logvarW: [h, d],
      logvarB: [1, d],
      decW1: [d, h],
      decB1: [1, h],
      decW2: [h, n],
      decB2: [1, n],
    };
    const p = {} as Params;
    for (const name of NAMES) {
      p[name] = param(artifact.matrixOfShape(name, ...expected[name]), name);
    }
    m.params = p;
    m.items = n;
    return m;
  }
}

/** Registry entry for MultVAE. */
export const multVaeFactory: ModelFactory<MultVaeConfig> = {
  name: "multvae",
  description:
    "MultVAE (Liang et al. 2018): tanh VAE with multinomial likelihood; probing site = the mean head",
  schema: MultVaeConfigSchema,
  create: (config) => new MultVae(config),
  load: (config, artifact) => MultVae.fromArtifact(config, artifact),
};
