import { Tape, type Variable } from "../tensor/autograd/index.js";
import type { Csr } from "../tensor/csr.js";
import type { Optimizer } from "../tensor/optim/index.js";
import { checkTrainMatrix } from "./base.js";
import { checkSequences, packTraining, type PackedSequences } from "./sequence-batch.js";
import { batches, runEpochs } from "./training.js";
import { optimizerTrainingHooks } from "./training-state.js";
import type { FitContext, FitReport, Recommender } from "./types.js";

/**
 * The training sequences of `ctx` for a sequential model's `fit`, checked: the training matrix is
 * valid, the sequences are present, one per row, and every item is in [0, train.cols).
 */
export function trainingSequences(model: string, train: Csr, ctx: FitContext): readonly Int32Array[] {
  checkTrainMatrix(model, train);
  const seqs = ctx.sequences;
  if (!seqs)
    throw new Error(`${model}.fit: training sequences are required (FitContext.sequences is missing)`);
  if (seqs.length !== train.rows)
    throw new RangeError(
      `${model}.fit: ${seqs.length} training sequences for ${train.rows} rows of the training matrix`,
    );
  checkSequences(`${model}.fit`, seqs, train.cols);
  return seqs;
}

/** The sequences with 2 or more items (the only ones with a target), in order; throws when there is none. */
export function trainableOrder(model: string, seqs: readonly Int32Array[]): Int32Array {
  const trainable: number[] = [];
  for (let u = 0; u < seqs.length; u++) if (seqs[u].length >= 2) trainable.push(u);
  if (trainable.length === 0)
    throw new RangeError(`${model}.fit: no training sequence has 2 or more items (nothing to predict)`);
  return Int32Array.from(trainable);
}

/** What {@link runSequenceEpochs} needs from a next-item model. */
export interface SequenceTraining {
  readonly model: Recommender;
  readonly ctx: FitContext;
  readonly config: {
    readonly epochs: number;
    readonly batchSize: number;
    readonly maxLen: number;
    readonly shuffle: boolean;
  };
  readonly seqs: readonly Int32Array[];
  /** Trainable sequence ids (see {@link trainableOrder}); shuffled in place each epoch when `shuffle`. */
  readonly order: Int32Array;
  /** Every trainable weight (snapshots, checkpoints). */
  readonly weights: readonly Variable[];
  readonly optimizer: Optimizer;
  /** The mean loss over the rows of one packed training batch of the picked sequences. */
  loss(t: Tape, batch: PackedSequences, pick: Int32Array): Variable;
}

/**
 * The shared epoch loop of SASRec, GRU4Rec and SAERec: each epoch (optionally) shuffles `order`,
 * packs mini-batches of `batchSize` sequences (their last `maxLen` training rows), takes one
 * optimiser step per batch and reports the row-weighted mean loss; snapshots and checkpoint hooks
 * cover `weights`, the optimiser and `order`.
 */
export function runSequenceEpochs(s: SequenceTraining): Promise<FitReport> {
  const { config: c, ctx, seqs, order, weights, optimizer: opt } = s;
  return runEpochs({
    model: s.model,
    epochs: c.epochs,
    ctx,
    runEpoch: () => {
      if (c.shuffle) ctx.rng.shuffle(order);
      let total = 0;
      let weight = 0;
      for (const pick of batches(order, c.batchSize)) {
        const batch = packTraining(seqs, c.maxLen, pick);
        const t = new Tape();
        const loss = s.loss(t, batch, pick);
        t.backward(loss);
        opt.step();
        opt.zeroGrad();
        total += loss.item() * batch.rows;
        weight += batch.rows;
      }
      return total / weight;
    },
    snapshot: () => weights.map((v) => v.value.data.slice()),
    restore: (saved) => weights.forEach((v, i) => v.value.data.set(saved[i])),
    ...optimizerTrainingHooks(s.model.name, { weights, optimizer: opt, arrays: { order } }),
  });
}
