import { z } from "zod";
import { tensorFromMatrix } from "../store/safetensors.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender, checkTrainMatrix } from "./base.js";
import { metaNumber, restoreArray } from "../store/checkpoint.js";
import { elsaLoss, normalizeRows } from "./elsaLoss.js";
import type { ModelFactory } from "./registry.js";
import { batches, runEpochs } from "./training.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** ELSA hyperparameters (defaults follow the official implementation where it has them). */
export const ElsaConfigSchema = z
  .object({
    /** Width d of the item embeddings and of the probing site. */
    dim: z.number().int().min(1).max(65536).default(256),
    /** Upper bound on epochs; early stopping on validation keeps the best one (Last.FM needs ~30). */
    epochs: z.number().int().min(1).default(50),
    /**
     * Users per Adam step. The official code (NAdam, lr 0.1) targets datasets with 10^5+ users and
     * large batches; on the small MovieLens/Last.fm sets batch 64 with lr 0.02 was best or within
     * noise of best on validation (batch 1024 gives ML-100K Recall@20 0.37 instead of 0.43).
     */
    batchSize: z.number().int().min(1).default(64),
    /** Adam learning rate. */
    lr: z.number().positive().finite().default(0.02),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    /** Shuffle users every epoch. */
    shuffle: z.boolean().default(true),
  })
  .strict();

/** Complete ELSA config. */
export type ElsaConfig = z.infer<typeof ElsaConfigSchema>;

/**
 * ELSA (Vancura et al. 2022): a shallow linear autoencoder with item embeddings A (items x d,
 * unit-norm rows). Probing site E(x) = x A (users x d); decoder D(z) = z A^T - x (the "- x" only
 * changes scores of already-seen items, which rankings exclude anyway). Trained with Adam on the
 * normalised reconstruction loss (see elsaLoss.ts), gradient computed by hand with gemm/csr kernels.
 */
export class Elsa extends BaseRecommender<ElsaConfig> {
  readonly name = "elsa";
  /** Unit-row item embeddings A (items x d); undefined until fitted. */
  private emb: Matrix | undefined;

  /** Unfitted model with the given complete config. */
  constructor(config: ElsaConfig) {
    super(config);
  }

  /** d. */
  get dim(): number {
    return this.emb ? this.config.dim : 0;
  }

  /** Item embeddings A (items x d, unit-norm rows). */
  encodeItems(): Matrix {
    this.requireFitted("encodeItems");
    return this.emb as Matrix;
  }

  /** Trains W with Adam; A = rows of W normalised. Initialisation is Xavier-uniform as in the official code. */
  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    checkTrainMatrix(this.name, train);
    const n = train.cols;
    const d = this.config.dim;
    const w = new Matrix(n, d);
    const bound = Math.sqrt(6 / (n + d));
    ctx.rng.fillUniform(w.data, -bound, bound);
    const grad = new Matrix(n, d);
    const work = new Matrix(n, d); // A of the current batch, reused across batches
    const m = new Float32Array(n * d);
    const v = new Float32Array(n * d);
    let step = 0;
    const k = kernels();
    this.items = n;
    this.emb = normalizeRows(w).a;
    const order = new Int32Array(train.rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const report = await runEpochs({
      model: this,
      epochs: this.config.epochs,
      ctx,
      runEpoch: () => {
        if (this.config.shuffle) ctx.rng.shuffle(order);
        let total = 0;
        let count = 0;
        for (const ids of batches(order, this.config.batchSize)) {
          const x = train.gatherRows(ids);
          total += elsaLoss(x, w, grad, work) * ids.length;
          count += ids.length;
          step++;
          k.adamUpdate(w.data, grad.data, m, v, {
            lr: this.config.lr,
            beta1: this.config.beta1,
            beta2: this.config.beta2,
            eps: 1e-8,
            weightDecay: 0,
            decoupled: false,
            step,
          });
        }
        this.emb = normalizeRows(w).a;
        return total / count;
      },
      snapshot: () => [w.data.slice()],
      restore: ([saved]) => {
        w.data.set(saved);
        this.emb = normalizeRows(w).a;
      },
      trainingState: () => ({ arrays: { w: w.data, m, v, order }, meta: { step } }),
      restoreTrainingState: ({ arrays, meta }) => {
        const where = `${this.name} checkpoint`;
        restoreArray(where, "w", w.data, arrays.w);
        restoreArray(where, "m", m, arrays.m);
        restoreArray(where, "v", v, arrays.v);
        restoreArray(where, "order", order, arrays.order);
        step = metaNumber(where, meta, "step");
        this.emb = normalizeRows(w).a;
      },
    });
    return report;
  }

  /** x A (users x d). */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    return kernels().csrMm(batch.rows, this.emb as Matrix);
  }

  /** z A^T, minus x when the batch is given. */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    const a = this.emb as Matrix;
    const out = kernels().gemm(false, true, 1, z, a, 0, new Matrix(z.rows, this.items));
    if (batch) {
      const x = batch.rows;
      for (let u = 0; u < x.rows; u++) {
        const row = out.row(u);
        for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) row[x.indices[p]] -= x.values[p];
      }
    }
    return out;
  }

  /** Saves A as tensor "A". */
  save(dir: string): void {
    this.requireFitted("save");
    saveArtifact(
      dir,
      { model: this.name, config: this.config, nItems: this.items },
      { A: tensorFromMatrix(this.emb as Matrix) },
    );
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: ElsaConfig, artifact: ModelArtifact): Elsa {
    const m = new Elsa(config);
    const a = artifact.matrixOfShape("A", artifact.json.nItems, config.dim);
    m.emb = a;
    m.items = a.rows;
    return m;
  }
}

/** Registry entry for ELSA. */
export const elsaFactory: ModelFactory<ElsaConfig> = {
  name: "elsa",
  description: "ELSA (Vancura et al. 2022): shallow linear autoencoder x A A^T - x; probing site x A",
  schema: ElsaConfigSchema,
  create: (config) => new Elsa(config),
  load: (config, artifact) => Elsa.fromArtifact(config, artifact),
};
