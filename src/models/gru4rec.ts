import { z } from "zod";
import { tensorFromMatrix, type TensorInput } from "../store/safetensors.js";
import { gru } from "../tensor/autograd/gru.js";
import { Tape, param, releaseGrad, type Variable } from "../tensor/autograd/index.js";
import { tableSoftmaxCrossEntropy } from "../tensor/autograd/loss-table-softmax.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/index.js";
import type { Rng } from "../tensor/rng.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender } from "./base.js";
import type { ModelFactory } from "./registry.js";
import { checkSequences, type PackedSequences } from "./sequence-batch.js";
import {
  batchSequences,
  encodeAllPositions,
  encodeLastPositions,
  type SequenceStates,
} from "./sequence-encode.js";
import { runSequenceEpochs, trainableOrder, trainingSequences } from "./sequence-training.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** GRU4Rec hyperparameters; defaults after RecBole's cross-entropy GRU4Rec (hidden = dim). */
export const Gru4RecConfigSchema = z
  .object({
    /** Item-embedding width and GRU hidden width (the probing site). */
    dim: z.number().int().min(1).max(4096).default(64),
    /** Longest history used: the last maxLen items of a sequence. */
    maxLen: z.number().int().min(1).max(4096).default(50),
    /** Dropout on the item embeddings. */
    dropout: z.number().min(0).lt(1).default(0.3),
    epochs: z.number().int().min(1).default(200),
    /** Sequences per update. */
    batchSize: z.number().int().min(1).default(256),
    lr: z.number().positive().finite().default(1e-3),
    shuffle: z.boolean().default(true),
  })
  .strict();

/** Complete GRU4Rec config. */
export type Gru4RecConfig = z.infer<typeof Gru4RecConfigSchema>;

/** Weight names in a fixed order, with their shapes for n items and width d. */
function shapes(n: number, d: number): [string, number, number][] {
  return [
    ["item", n, d],
    ["gru.wih", d, 3 * d],
    ["gru.bih", 1, 3 * d],
    ["gru.whh", d, 3 * d],
    ["gru.bhh", 1, 3 * d],
    ["dense.w", d, d],
    ["dense.b", 1, d],
  ];
}

type Params = Record<string, Variable>;

/**
 * GRU4Rec (Hidasi et al., ICLR 2016) in its common cross-entropy form (as RecBole): item embedding
 * -> dropout -> one GRU layer (autograd op gru.ts; input projections of all positions in one gemm)
 * -> hidden state h -> dense layer (h W + b) -> logits against the item embedding table, trained
 * with full-softmax cross-entropy on the next item at every position (chunked,
 * tableSoftmaxCrossEntropy) and Adam. Sequences are packed without padding (sequence-batch.ts).
 *
 * Probing site: the GRU hidden state of a sequence's last position (`encodeUsers`, from
 * `batch.sequences`); decode(z) = (z W + b) E^T. `encodePositions` gives the states of every
 * position (for SAE training). Empty sequences get h_0 = 0.
 */
export class Gru4Rec extends BaseRecommender<Gru4RecConfig> {
  readonly name = "gru4rec";
  readonly sequential = true;
  private params: Params | undefined;

  /** Unfitted model with the given complete config. */
  constructor(config: Gru4RecConfig) {
    super(config);
  }

  /** d. */
  get dim(): number {
    return this.params ? this.config.dim : 0;
  }

  /** The item table E (items x d). */
  encodeItems(): Matrix {
    this.requireFitted("encodeItems");
    return (this.params as Params).item.value;
  }

  /** GRU states (rows x d) at every packed row; dropout on the embeddings when `rng` is given. */
  private states(t: Tape, p: Params, batch: PackedSequences, rng?: Rng): Variable {
    let x = t.embedding(p.item, batch.items);
    if (rng && this.config.dropout > 0) x = t.dropout(x, this.config.dropout, rng);
    const xProj = t.add(t.matmul(x, p["gru.wih"]), p["gru.bih"]);
    return gru(t, xProj, p["gru.whh"], p["gru.bhh"], batch);
  }

  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    const seqs = trainingSequences(this.name, train, ctx);
    const order = trainableOrder(this.name, seqs);
    const c = this.config;
    const p = this.init(train.cols, ctx.rng);
    this.params = p;
    this.items = train.cols;
    const list = shapes(train.cols, c.dim).map(([name]) => p[name]);
    const opt = new Adam(list, { lr: c.lr });
    try {
      return await runSequenceEpochs({
        model: this,
        ctx,
        config: c,
        seqs,
        order,
        weights: list,
        optimizer: opt,
        loss: (t, batch) => {
          const h = this.states(t, p, batch, ctx.rng);
          const out = t.add(t.matmul(h, p["dense.w"]), p["dense.b"]);
          return tableSoftmaxCrossEntropy(t, out, p.item, batch.targets as Int32Array);
        },
      });
    } finally {
      releaseGrad(list);
    }
  }

  /** Xavier-normal item table (as RecBole), Xavier-uniform GRU and dense weights, zero biases. */
  private init(n: number, rng: Rng): Params {
    const p: Params = {};
    for (const [name, rows, cols] of shapes(n, this.config.dim)) {
      const m = new Matrix(rows, cols);
      if (name === "item") rng.fillNormal(m.data, 0, Math.sqrt(2 / (rows + cols)));
      else if (rows > 1) {
        const b = Math.sqrt(6 / (rows + cols));
        rng.fillUniform(m.data, -b, b);
      }
      p[name] = param(m, name);
    }
    return p;
  }

  /** GRU states at every position of each sequence's last `maxLen` items (rows back to back) and each sequence's row offsets. */
  encodePositions(sequences: readonly Int32Array[]): SequenceStates {
    this.requireFitted("encodePositions");
    checkSequences(`${this.name}.encodePositions`, sequences, this.items);
    return encodeAllPositions(sequences, this.config.maxLen, this.config.dim, (b) => this.inferStates(b));
  }

  /** The probing site: the GRU state after each sequence's last item (users x d); h_0 = 0 for an empty one. */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    const seqs = batchSequences(`${this.name}.encodeUsers`, batch, this.items);
    const zero = new Float32Array(this.config.dim);
    return encodeLastPositions(seqs, this.config.maxLen, this.config.dim, (b) => this.inferStates(b), zero);
  }

  /** GRU states of packed rows at inference (no dropout). */
  private inferStates(packed: PackedSequences): Matrix {
    return this.states(Tape.inference(), this.params as Params, packed).value;
  }

  /** (z W + b) E^T (users x items). */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    const p = this.params as Params;
    const K = kernels();
    const o = K.gemm(false, false, 1, z, p["dense.w"].value, 0, new Matrix(z.rows, this.config.dim));
    K.addRowVector(o, p["dense.b"].value.data, o);
    return K.gemm(false, true, 1, o, p.item.value, 0, new Matrix(z.rows, this.items));
  }

  /** Saves every weight under its name. */
  save(dir: string): void {
    this.requireFitted("save");
    const p = this.params as Params;
    const tensors: Record<string, TensorInput> = {};
    for (const [name] of shapes(this.items, this.config.dim)) tensors[name] = tensorFromMatrix(p[name].value);
    saveArtifact(dir, { model: this.name, config: this.config, nItems: this.items }, tensors);
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: Gru4RecConfig, artifact: ModelArtifact): Gru4Rec {
    const m = new Gru4Rec(config);
    const n = artifact.json.nItems;
    const p: Params = {};
    for (const [name, rows, cols] of shapes(n, config.dim))
      p[name] = param(artifact.matrixOfShape(name, rows, cols), name);
    m.params = p;
    m.items = n;
    return m;
  }
}

/** Registry entry for GRU4Rec. */
export const gru4RecFactory: ModelFactory<Gru4RecConfig> = {
  name: "gru4rec",
  description:
    "GRU4Rec (Hidasi et al. 2016), cross-entropy variant: GRU over the item sequence; probing site = last position's state",
  schema: Gru4RecConfigSchema,
  create: (config) => new Gru4Rec(config),
  load: (config, artifact) => Gru4Rec.fromArtifact(config, artifact),
};
