import { z } from "zod";
import { tensorFromMatrix, type TensorInput } from "../store/safetensors.js";
import { Tape, param, type Variable } from "../tensor/autograd/index.js";
import { sampledBceLoss, sampledSoftmaxLoss } from "../tensor/autograd/loss-sampled.js";
import { tableSoftmaxCrossEntropy } from "../tensor/autograd/loss-table-softmax.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/index.js";
import type { Rng } from "../tensor/rng.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender, checkTrainMatrix } from "./base.js";
import type { ModelFactory } from "./registry.js";
import { SequenceNegatives } from "./sasrec-negatives.js";
import { initParams, paramSpecs, sasrecForward, type SasRecParams } from "./sasrec-net.js";
import { checkSequences, packTraining, type PackedSequences } from "./sequence-batch.js";
import {
  batchSequences,
  encodeAllPositions,
  encodeLastPositions,
  type SequenceStates,
} from "./sequence-encode.js";
import { batches, runEpochs } from "./training.js";
import { optimizerTrainingHooks } from "./training-state.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** SASRec hyperparameters; defaults follow Kang & McAuley (2018) on sparse data (Beauty). */
export const SasRecConfigSchema = z
  .object({
    /** Hidden width d (the probing site). */
    dim: z.number().int().min(1).max(4096).default(64),
    /** Transformer blocks. */
    blocks: z.number().int().min(1).max(16).default(2),
    /** Attention heads; must divide dim. */
    heads: z.number().int().min(1).max(16).default(1),
    /** Longest history used: the last maxLen items of a sequence. */
    maxLen: z.number().int().min(1).max(4096).default(50),
    /** Dropout on embeddings, attention weights and feed-forward layers. */
    dropout: z.number().min(0).lt(1).default(0.5),
    /** Feed-forward activation. */
    activation: z.enum(["relu", "gelu"]).default("relu"),
    /**
     * "ce": full softmax over all items at every position (chunked); "bce": one negative per
     * position outside the user's sequence (the original); "sampled": sampled softmax.
     */
    loss: z.enum(["ce", "bce", "sampled"]).default("ce"),
    /** "sampled" only: negatives per softmax. */
    negatives: z.number().int().min(1).max(100000).default(100),
    /** "sampled" only: one set of negatives for the whole batch (one gemm) or a set per position. */
    negativeSharing: z.enum(["batch", "position"]).default("batch"),
    epochs: z.number().int().min(1).default(200),
    /** Sequences per update. */
    batchSize: z.number().int().min(1).default(128),
    lr: z.number().positive().finite().default(1e-3),
    /** L2 penalty on the item embeddings (added to their gradient as l2 * E, Adam-coupled). */
    l2: z.number().min(0).finite().default(0),
    shuffle: z.boolean().default(true),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.dim % c.heads !== 0)
      ctx.addIssue({ code: "custom", message: `must divide dim ${c.dim}`, path: ["heads"], input: c.heads });
  });

/** Complete SASRec config. */
export type SasRecConfig = z.infer<typeof SasRecConfigSchema>;

/**
 * SASRec (Kang & McAuley, ICDM 2018, "Self-Attentive Sequential Recommendation"): causal
 * transformer blocks over the item sequence (see sasrec-net.ts), trained to predict the next item
 * at every position. Sequences are packed without padding rows (equivalent to left padding with
 * masked keys). Probing site: the hidden state of a sequence's last position after the final layer
 * norm; `decode(z) = z E^T` with the item table E shared with the input embedding. Trained with
 * Adam (betas 0.9, 0.98 as the PyTorch port).
 */
export class SasRec extends BaseRecommender<SasRecConfig> {
  readonly name = "sasrec";
  readonly sequential = true;
  private params: SasRecParams | undefined;

  /** Unfitted model with the given complete config. */
  constructor(config: SasRecConfig) {
    super(config);
  }

  /** d. */
  get dim(): number {
    return this.params ? this.config.dim : 0;
  }

  /** The item table E (items x d): output scores are z E^T. */
  encodeItems(): Matrix {
    this.requireFitted("encodeItems");
    return (this.params as SasRecParams).item.value;
  }

  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    checkTrainMatrix(this.name, train);
    const seqs = ctx.sequences;
    if (!seqs)
      throw new Error(`${this.name}.fit: training sequences are required (FitContext.sequences is missing)`);
    if (seqs.length !== train.rows) {
      throw new RangeError(
        `${this.name}.fit: ${seqs.length} training sequences for ${train.rows} rows of the training matrix`,
      );
    }
    checkSequences(`${this.name}.fit`, seqs, train.cols);
    const c = this.config;
    const trainable: number[] = [];
    for (let u = 0; u < seqs.length; u++) if (seqs[u].length >= 2) trainable.push(u);
    if (trainable.length === 0)
      throw new RangeError(`${this.name}.fit: no training sequence has 2 or more items (nothing to predict)`);
    const p = initParams(train.cols, c, ctx.rng);
    this.params = p;
    this.items = train.cols;
    const list = paramSpecs(train.cols, c).map((s) => p[s.name]);
    const opt = new Adam(
      [{ params: [p.item], weightDecay: c.l2 }, { params: list.filter((v) => v !== p.item) }],
      { lr: c.lr, beta2: 0.98 },
    );
    const order = Int32Array.from(trainable);
    const sampler = new SequenceNegatives(train.cols);
    return runEpochs({
      model: this,
      epochs: c.epochs,
      ctx,
      runEpoch: () => {
        if (c.shuffle) ctx.rng.shuffle(order);
        let total = 0;
        let weight = 0;
        for (const pick of batches(order, c.batchSize)) {
          const batch = packTraining(seqs, c.maxLen, pick);
          const t = new Tape();
          const h = sasrecForward(t, p, batch, c, ctx.rng);
          const loss = this.loss(t, h, batch, seqs, pick, sampler, ctx.rng);
          t.backward(loss);
          opt.step();
          opt.zeroGrad();
          total += loss.item() * batch.rows;
          weight += batch.rows;
        }
        return total / weight;
      },
      snapshot: () => list.map((v) => v.value.data.slice()),
      restore: (saved) => list.forEach((v, i) => v.value.data.set(saved[i])),
      ...optimizerTrainingHooks(this.name, { weights: list, optimizer: opt, arrays: { order } }),
    });
  }

  /** The configured training loss over every row of the packed batch (all rows have a target). */
  private loss(
    t: Tape,
    h: Variable,
    batch: PackedSequences,
    seqs: readonly Int32Array[],
    pick: Int32Array,
    sampler: SequenceNegatives,
    rng: Rng,
  ): Variable {
    const p = this.params as SasRecParams;
    const targets = batch.targets as Int32Array;
    const c = this.config;
    if (c.loss === "ce") return tableSoftmaxCrossEntropy(t, h, p.item, targets);
    if (c.loss === "bce")
      return sampledBceLoss(t, h, p.item, targets, sampler.excludingHistory(seqs, pick, batch, rng));
    const perRow = c.negativeSharing === "position";
    const ids = sampler.uniform(perRow ? c.negatives * batch.rows : c.negatives, rng);
    return sampledSoftmaxLoss(t, h, p.item, targets, { ids, perRow });
  }

  /**
   * Hidden states (after the final layer norm, no dropout) at every position of each sequence's
   * last `maxLen` items: these are what SAEs are trained on. Items must be in [0, nItems).
   */
  encodePositions(sequences: readonly Int32Array[]): SequenceStates {
    this.requireFitted("encodePositions");
    checkSequences(`${this.name}.encodePositions`, sequences, this.items);
    return encodeAllPositions(sequences, this.config.maxLen, this.config.dim, (b) => this.forward(b));
  }

  /**
   * The probing site: hidden state of each sequence's last position (users x d). Reads
   * `batch.sequences` (one per row of the batch). An empty sequence has no position; it gets the
   * final layer norm of a zero state (its bias), as a fully padded sequence would.
   */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    const seqs = batchSequences(`${this.name}.encodeUsers`, batch, this.items);
    const bias = (this.params as SasRecParams)["final.bias"].value.data;
    return encodeLastPositions(seqs, this.config.maxLen, this.config.dim, (b) => this.forward(b), bias);
  }

  /** Scores z E^T (users x items). */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    const e = (this.params as SasRecParams).item.value;
    return kernels().gemm(false, true, 1, z, e, 0, new Matrix(z.rows, e.rows));
  }

  /** Saves every weight under its name (see `paramSpecs`). */
  save(dir: string): void {
    this.requireFitted("save");
    const p = this.params as SasRecParams;
    const tensors: Record<string, TensorInput> = {};
    for (const s of paramSpecs(this.items, this.config)) tensors[s.name] = tensorFromMatrix(p[s.name].value);
    saveArtifact(dir, { model: this.name, config: this.config, nItems: this.items }, tensors);
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: SasRecConfig, artifact: ModelArtifact): SasRec {
    const m = new SasRec(config);
    const n = artifact.json.nItems;
    const p: SasRecParams = {};
    for (const s of paramSpecs(n, config))
      p[s.name] = param(artifact.matrixOfShape(s.name, s.rows, s.cols), s.name);
    m.params = p;
    m.items = n;
    return m;
  }

  /** Inference forward pass (no dropout, nothing recorded). */
  private forward(batch: PackedSequences): Matrix {
    return sasrecForward(Tape.inference(), this.params as SasRecParams, batch, this.config).value;
  }
}

/** Registry entry for SASRec. */
export const sasRecFactory: ModelFactory<SasRecConfig> = {
  name: "sasrec",
  description:
    "SASRec (Kang & McAuley 2018): causal self-attention over the item sequence; probing site = last position's state",
  schema: SasRecConfigSchema,
  create: (config) => new SasRec(config),
  load: (config, artifact) => SasRec.fromArtifact(config, artifact),
};
