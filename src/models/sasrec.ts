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
import { BaseRecommender } from "./base.js";
import type { ModelFactory } from "./registry.js";
import { SequenceNegatives } from "./sasrec-negatives.js";
import { headsDivideDim, sasrecBackboneFields, sasrecTrainingFields } from "./sasrec-config.js";
import {
  emptySequenceState,
  initParams,
  paramSpecs,
  sasrecForward,
  type SasRecParams,
} from "./sasrec-net.js";
import { checkSequences, type PackedSequences } from "./sequence-batch.js";
import {
  batchSequences,
  encodeAllPositions,
  encodeLastPositions,
  type SequenceStates,
} from "./sequence-encode.js";
import { runSequenceEpochs, trainableOrder, trainingSequences } from "./sequence-training.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** SASRec hyperparameters; defaults follow Kang & McAuley (2018) on sparse data (Beauty). */
export const SasRecConfigSchema = z
  .object({
    ...sasrecBackboneFields,
    /**
     * "ce": full softmax over all items at every position (chunked); "bce": one negative per
     * position outside the user's sequence (the original); "sampled": sampled softmax.
     */
    loss: z.enum(["ce", "bce", "sampled"]).default("ce"),
    /** "sampled" only: negatives per softmax. */
    negatives: z.number().int().min(1).max(100000).default(100),
    /** "sampled" only: one set of negatives for the whole batch (one gemm) or a set per position. */
    negativeSharing: z.enum(["batch", "position"]).default("batch"),
    ...sasrecTrainingFields,
  })
  .strict()
  .superRefine(headsDivideDim);

/** Complete SASRec config. */
export type SasRecConfig = z.infer<typeof SasRecConfigSchema>;

/**
 * SASRec (Kang & McAuley, ICDM 2018, "Self-Attentive Sequential Recommendation"): causal
 * transformer blocks over the item sequence (see sasrec-net.ts), trained to predict the next item
 * at every position. Sequences are packed without padding rows (equivalent to left padding with
 * masked keys). Probing site: the hidden state of a sequence's last position after the final layer
 * norm; `decode(z) = z E^T` with the item table E shared with the input embedding. Trained with
 * Adam (beta1 0.9, beta2 `beta2`: 0.98 as the PyTorch port).
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
    const seqs = trainingSequences(this.name, train, ctx);
    const c = this.config;
    const order = trainableOrder(this.name, seqs);
    const p = initParams(train.cols, c, ctx.rng);
    this.params = p;
    this.items = train.cols;
    const list = paramSpecs(train.cols, c).map((s) => p[s.name]);
    const opt = new Adam(
      [{ params: [p.item], weightDecay: c.l2 }, { params: list.filter((v) => v !== p.item) }],
      { lr: c.lr, beta2: c.beta2 },
    );
    const sampler = new SequenceNegatives(train.cols);
    return runSequenceEpochs({
      model: this,
      ctx,
      config: c,
      seqs,
      order,
      weights: list,
      optimizer: opt,
      loss: (t, batch, pick) =>
        this.loss(t, sasrecForward(t, p, batch, c, ctx.rng), batch, seqs, pick, sampler, ctx.rng),
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
    const empty = emptySequenceState(this.params as SasRecParams, this.config);
    return encodeLastPositions(seqs, this.config.maxLen, this.config.dim, (b) => this.forward(b), empty);
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
