import { z } from "zod";
import { metaNumber, restoreArray } from "../store/checkpoint.js";
import { tensorFromMatrix, type TensorInput } from "../store/safetensors.js";
import { Tape, releaseGrad, type Input, type Variable } from "../tensor/autograd/index.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/index.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender, checkTrainMatrix } from "./base.js";
import type { MfSamples } from "./mfLoss.js";
import { MfSampler } from "./mfSampler.js";
import { ncfFoldIn, ncfItemProfiles } from "./ncfFoldIn.js";
import { ncfItemSide, ncfLogits, ncfScoreAll, type NcfHead, type NcfItemSide } from "./ncfHead.js";
import {
  initNcfParams,
  ncfHeadList,
  ncfLoss,
  ncfParamList,
  ncfParamsFrom,
  ncfTensorShapes,
  type NcfParams,
} from "./ncfParams.js";
import type { ModelFactory } from "./registry.js";
import { NcfBatchStep } from "./ncfStep.js";
import { RowAdam } from "./rowAdam.js";
import { runEpochs } from "./training.js";
import { optimizerTrainingHooks } from "./training-state.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** NeuMF hyperparameters; defaults after He et al. (2017) (embedding 32 + 32, MLP 64-32-16, 4 negatives). */
export const NcfConfigSchema = z
  .object({
    /** Width of the GMF user/item embeddings. */
    gmfDim: z.number().int().min(1).max(2048).default(32),
    /** Width of the MLP user/item embeddings (the MLP input is twice this). */
    mlpDim: z.number().int().min(1).max(2048).default(32),
    /** Widths of the MLP's hidden layers (ReLU), input side first. */
    layers: z.array(z.number().int().min(1).max(4096)).min(1).max(8).default([64, 32, 16]),
    epochs: z.number().int().min(1).default(30),
    /** Positives per update (each with `negatives` sampled negatives). */
    batchSize: z.number().int().min(1).default(1024),
    lr: z.number().positive().finite().default(1e-3),
    /** Negatives drawn uniformly (among the user's unobserved items) per positive. */
    negatives: z.number().int().min(1).max(1000).default(4),
    /** L2 weight on the embedding rows each sample touches. */
    reg: z.number().min(0).finite().default(0),
    /** Standard deviation of the normal initialisation of the embeddings (He et al.: 0.01). */
    initStd: z.number().positive().finite().default(0.01),
    /** Fold-in of unseen users: Adam steps on the user representation (see ncfFoldIn.ts). */
    foldInSteps: z.number().int().min(0).max(1000).default(10),
    /** Fold-in of unseen users: Adam learning rate. */
    foldInLr: z.number().positive().finite().default(0.05),
  })
  .strict();

/** Complete NCF config. */
export type NcfConfig = z.infer<typeof NcfConfigSchema>;

/** Values derived from the weights, computed once per set of weights. */
interface Derived {
  /** items x (gmfDim + mlpDim). */
  readonly items: Matrix;
  readonly side: NcfItemSide;
  readonly head: NcfHead<Matrix>;
}

/**
 * NeuMF (He et al., WWW 2017, "Neural Collaborative Filtering"): a GMF tower (g_u ⊙ g_i) and an
 * MLP tower (ReLU layers over [m_u | m_i]), fused by a final linear layer to one logit (ncfHead.ts);
 * trained with BCE on each positive and `negatives` uniform negatives (MfSampler), lazy Adam on the
 * embedding tables and Adam on the head.
 *
 * Towers and head are exposed separately: the probing site `encodeUsers` (= `userEmbeddings`) is
 * the concatenated user representation [g_u | m_u] (gmfDim + mlpDim); `encodeItems` is
 * [g_i | m_i]; `scorePairs` / `scorePairsOnTape` apply the frozen head to aligned rows (e.g.
 * reconstructed embeddings). decode(z) scores every item through the head (ncfScoreAll). Unseen
 * users (no `userIds`) are folded in with the head and items frozen (ncfFoldIn.ts).
 */
export class Ncf extends BaseRecommender<NcfConfig> {
  readonly name = "ncf";
  private params: NcfParams | undefined;
  private derived: Derived | undefined;
  /** Item profiles for the fold-in start (items x width); computed lazily from `train` while fitting. */
  private profiles: Matrix | undefined;
  private train: Csr | undefined;
  /**
   * How `fit` computes each batch's loss and gradients: "fused" (NcfBatchStep: hand-written
   * backward over reused buffers, the default) or "tape" (the generic autograd tape over
   * `ncfLoss`, the reference the fused step is tested and benchmarked against). Same results up to
   * float rounding.
   */
  batchStep: "fused" | "tape" = "fused";

  /** Unfitted model with the given complete config. */
  constructor(config: NcfConfig) {
    super(config);
  }

  /** Width of the user/item representation, gmfDim + mlpDim. */
  get dim(): number {
    return this.params ? this.config.gmfDim + this.config.mlpDim : 0;
  }

  /** Number of training users. */
  get nUsers(): number {
    return this.params ? this.params.userGmf.rows : 0;
  }

  private get p(): NcfParams {
    return this.params as NcfParams;
  }

  private derive(): Derived {
    if (this.derived) return this.derived;
    const p = this.p;
    const v = (x: Variable): Matrix => x.value;
    const head: NcfHead<Matrix> = {
      gmfDim: p.head.gmfDim,
      mlpDim: p.head.mlpDim,
      weights: p.head.weights.map(v),
      biases: p.head.biases.map(v),
      out: p.head.out.value,
      outBias: p.head.outBias.value,
    };
    const items = sideBySide(p.itemGmf.value, p.itemMlp.value);
    this.derived = { items, side: ncfItemSide(head, items), head };
    return this.derived;
  }

  private itemProfiles(): Matrix {
    this.profiles ??= ncfItemProfiles(
      this.train as Csr,
      sideBySide(this.p.userGmf.value, this.p.userMlp.value),
    );
    return this.profiles;
  }

  private invalidate(): void {
    this.derived = undefined;
    this.profiles = undefined;
  }

  /** Item representations [g_i | m_i] (items x (gmfDim + mlpDim)). */
  encodeItems(): Matrix {
    this.requireFitted("encodeItems");
    return this.derive().items;
  }

  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    checkTrainMatrix(this.name, train);
    const c = this.config;
    const p = initNcfParams(c, train.rows, train.cols, c.initStd, ctx.rng);
    this.params = p;
    this.items = train.cols;
    this.train = train;
    this.invalidate();
    const headOpt = new Adam(ncfHeadList(p.head), { lr: c.lr });
    const tables = [p.userGmf, p.itemGmf, p.userMlp, p.itemMlp];
    const rowOpts = tables.map((v) => new RowAdam(v.rows, v.cols));
    const adam = { lr: c.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const sampler = new MfSampler(train, "bce", c.negatives, 0);
    const all = ncfParamList(p);
    const fused = this.batchStep === "fused" ? new NcfBatchStep(p) : undefined;
    let step = 0;
    // The head's Adam and the weights go through the shared hooks; the lazy-Adam moments of the
    // four tables and the global step (their bias correction) are added here.
    const headHooks = optimizerTrainingHooks(this.name, { weights: all, optimizer: headOpt });
    try {
      return await runEpochs({
        model: this,
        epochs: c.epochs,
        ctx,
        runEpoch: () => {
          this.invalidate();
          let total = 0;
          let count = 0;
          for (const batch of sampler.epoch(ctx.rng, c.batchSize)) {
            const loss = fused ? fused.run(batch, c.reg) : tapeStep(p, batch, c.reg);
            step++;
            headOpt.step();
            headOpt.zeroGrad();
            tables.forEach((v, k) => {
              rowOpts[k].touch(k % 2 === 0 ? batch.users : batch.items);
              rowOpts[k].step(v.value.data, (v.grad as Matrix).data, step, adam);
            });
            total += loss * batch.users.length;
            count += batch.users.length;
          }
          return total / count;
        },
        snapshot: () => all.map((v) => v.value.data.slice()),
        restore: (saved) => {
          all.forEach((v, k) => v.value.data.set(saved[k]));
          this.invalidate();
        },
        trainingState: () => {
          const head = headHooks.trainingState();
          const arrays = { ...head.arrays };
          tables.forEach((v, k) => {
            arrays[`rowAdam/${v.name as string}/m`] = rowOpts[k].moments.m;
            arrays[`rowAdam/${v.name as string}/v`] = rowOpts[k].moments.v;
          });
          return { arrays, meta: { ...head.meta, step } };
        },
        restoreTrainingState: (state) => {
          const where = `${this.name} checkpoint`;
          headHooks.restoreTrainingState(state);
          tables.forEach((v, k) => {
            for (const part of ["m", "v"] as const) {
              const name = `rowAdam/${v.name as string}/${part}`;
              restoreArray(where, name, rowOpts[k].moments[part], state.arrays[name]);
            }
          });
          step = metaNumber(where, state.meta, "step");
          this.invalidate();
        },
      });
    } finally {
      releaseGrad(all);
      this.itemProfiles();
      this.train = undefined;
    }
  }

  /** The probing site: [g_u | m_u] of training users (`userIds`), fold-in otherwise. */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    const p = this.p;
    if (batch.userIds) {
      const n = p.userGmf.rows;
      for (const u of batch.userIds) {
        if (!(u >= 0 && u < n))
          throw new RangeError(`ncf.encodeUsers: user id ${u} is not a training user (0..${n - 1})`);
      }
      return sideBySide(p.userGmf.value.gatherRows(batch.userIds), p.userMlp.value.gatherRows(batch.userIds));
    }
    const d = this.derive();
    return ncfFoldIn(batch.rows, d.head, d.items, this.itemProfiles(), {
      steps: this.config.foldInSteps,
      lr: this.config.foldInLr,
      negatives: this.config.negatives,
    });
  }

  /** Same as `encodeUsers`: the concatenated user representation [g_u | m_u]. */
  userEmbeddings(batch: UserBatch): Matrix {
    return this.encodeUsers(batch);
  }

  /** Logits of every item for each row of z, through the head. */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    const d = this.derive();
    return ncfScoreAll(d.head, z, d.side);
  }

  /** Logits (n x 1) of aligned user/item representation rows through the frozen head. */
  scorePairs(users: Matrix, items: Matrix): Matrix {
    this.requireFitted("scorePairs");
    return ncfLogits(Tape.inference(), this.derive().head, users, items).value;
  }

  /**
   * `scorePairs` on tape `t`: the head's weights are constants (frozen), so gradients flow only into
   * `users` / `items` when they are Variables (e.g. an SAE's reconstruction).
   */
  scorePairsOnTape(t: Tape, users: Input, items: Input): Variable {
    this.requireFitted("scorePairsOnTape");
    return ncfLogits(t, this.derive().head, users, items);
  }

  /** Logits of the given items only (users x items.length). */
  score(batch: UserBatch, items: Int32Array): Matrix {
    const z = this.encodeUsers(batch);
    for (const i of items)
      if (!(i >= 0 && i < this.items))
        throw new RangeError(`ncf.score: item ${i} out of range [0, ${this.items})`);
    const n = z.rows * items.length;
    const userRows = new Int32Array(n);
    const itemRows = new Int32Array(n);
    for (let u = 0; u < z.rows; u++) {
      userRows.fill(u, u * items.length, (u + 1) * items.length);
      itemRows.set(items, u * items.length);
    }
    const logits = this.scorePairs(z.gatherRows(userRows), this.derive().items.gatherRows(itemRows));
    return new Matrix(z.rows, items.length, logits.data);
  }

  /** Saves every table and head weight under its name, plus the fold-in item profiles. */
  save(dir: string): void {
    this.requireFitted("save");
    const tensors: Record<string, TensorInput> = {};
    for (const v of ncfParamList(this.p)) tensors[v.name as string] = tensorFromMatrix(v.value);
    tensors.itemProfiles = tensorFromMatrix(this.itemProfiles());
    saveArtifact(
      dir,
      { model: this.name, config: this.config, nItems: this.items, nUsers: this.nUsers },
      tensors,
    );
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: NcfConfig, artifact: ModelArtifact): Ncf {
    const m = new Ncf(config);
    const { nItems, nUsers } = artifact.json;
    const named = new Map<string, Matrix>();
    for (const [name, rows, cols] of ncfTensorShapes(config, nUsers, nItems))
      named.set(name, artifact.matrixOfShape(name, rows, cols));
    m.params = ncfParamsFrom(config, named);
    m.profiles = artifact.matrixOfShape("itemProfiles", nItems, config.gmfDim + config.mlpDim);
    m.items = nItems;
    return m;
  }
}

/** One batch through the autograd tape (`ncfLoss`): the reference for NcfBatchStep. */
function tapeStep(p: NcfParams, batch: MfSamples, reg: number): number {
  const t = new Tape();
  const loss = ncfLoss(t, p, batch, reg);
  t.backward(loss);
  return loss.item();
}

/** [a | b] row by row (same number of rows). */
function sideBySide(a: Matrix, b: Matrix): Matrix {
  const out = new Matrix(a.rows, a.cols + b.cols);
  for (let r = 0; r < a.rows; r++) {
    out.row(r).set(a.row(r), 0);
    out.row(r).set(b.row(r), a.cols);
  }
  return out;
}

/** Registry entry for NCF (NeuMF). */
export const ncfFactory: ModelFactory<NcfConfig> = {
  name: "ncf",
  description:
    "NeuMF (He et al. 2017): GMF + MLP towers fused to a logit, BCE with negatives; probing site = [GMF | MLP] user embedding",
  schema: NcfConfigSchema,
  create: (config) => new Ncf(config),
  load: (config, artifact) => Ncf.fromArtifact(config, artifact),
};
