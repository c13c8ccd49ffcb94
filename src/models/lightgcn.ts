import { z } from "zod";
import { tensorFromMatrix, type TensorInput } from "../store/safetensors.js";
import { Tape, param, releaseGrad, type Variable } from "../tensor/autograd/index.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Adam } from "../tensor/optim/index.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender, checkTrainMatrix } from "./base.js";
import { foldInUsers, graphDegrees, lightGcnLoss, normalisedAdjacency, propagate } from "./lightgcnGraph.js";
import { MfSampler } from "./mfSampler.js";
import type { ModelFactory } from "./registry.js";
import { runEpochs } from "./training.js";
import { optimizerTrainingHooks } from "./training-state.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** LightGCN hyperparameters; defaults follow He et al. (2020) and RecBole. */
export const LightGcnConfigSchema = z
  .object({
    /** Embedding width d (the probing site). */
    dim: z.number().int().min(1).max(4096).default(64),
    /** Propagation layers K (at least 1: the fold-in of unseen users propagates through them). */
    layers: z.number().int().min(1).max(8).default(3),
    /** Upper bound; the caller's validation usually stops training earlier. */
    epochs: z.number().int().min(1).default(200),
    /** Positive interactions (BPR triples) per update. */
    batchSize: z.number().int().min(1).default(2048),
    lr: z.number().positive().finite().default(1e-3),
    /** L2 weight on the ego embeddings of each batch's users, positives and negatives. */
    reg: z.number().min(0).finite().default(1e-4),
    /** Standard deviation of the normal initialisation of the ego embeddings (the authors' PyTorch code: 0.1). */
    initStd: z.number().positive().finite().default(0.1),
  })
  .strict();

/** Complete LightGCN config. */
export type LightGcnConfig = z.infer<typeof LightGcnConfigSchema>;

/** Propagated embeddings, computed once per set of weights and reused by every request. */
interface Propagation {
  readonly users: Matrix;
  readonly items: Matrix;
  /** I_0 .. I_{K-1}, for the fold-in. */
  readonly itemLayers: Matrix[];
}

/**
 * LightGCN (He et al., SIGIR 2020): trainable ego embeddings of users and items, K layers of
 * propagation over the symmetric-normalised user-item graph (no weights, no non-linearity), final
 * embeddings = mean of layers 0..K, score = dot product. Trained with BPR (one uniform negative per
 * positive, MfSampler) + L2 on the batch's ego embeddings, Adam; the full-graph propagation runs
 * once per update on the autograd tape (as RecBole does). See lightgcnGraph.ts.
 *
 * Probing sites: final user embeddings (`encodeUsers` with `userIds`) and final item embeddings
 * (`encodeItems`). Unseen users (no `userIds`) are folded in by propagating their interaction row
 * through the fitted item layers: u = (1/K) sum_{k<K} r_hat I_k (`foldInUsers`).
 * decode(z) = z E_items^T. The propagated embeddings are cached after fit/load.
 */
export class LightGcn extends BaseRecommender<LightGcnConfig> {
  readonly name = "lightgcn";
  private ego: { users: Variable; items: Variable } | undefined;
  private itemDegree: Float32Array | undefined;
  /** The training graph while fitting (to re-propagate after an epoch); dropped afterwards. */
  private rHat: Csr | undefined;
  private cache: Propagation | undefined;

  /** Unfitted model with the given complete config. */
  constructor(config: LightGcnConfig) {
    super(config);
  }

  /** Embedding width d. */
  get dim(): number {
    return this.ego ? this.config.dim : 0;
  }

  /** Number of training users. */
  get nUsers(): number {
    return this.ego ? this.ego.users.rows : 0;
  }

  private propagation(): Propagation {
    if (this.cache) return this.cache;
    const ego = this.ego as { users: Variable; items: Variable };
    const p = propagate(
      Tape.inference(),
      this.rHat as Csr,
      ego.users.value,
      ego.items.value,
      this.config.layers,
    );
    this.cache = { users: p.users.value, items: p.items.value, itemLayers: p.itemLayers };
    return this.cache;
  }

  /** Final (propagated) item embeddings (items x d). */
  encodeItems(): Matrix {
    this.requireFitted("encodeItems");
    return this.propagation().items;
  }

  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    checkTrainMatrix(this.name, train);
    const c = this.config;
    const eu = new Matrix(train.rows, c.dim);
    const ei = new Matrix(train.cols, c.dim);
    ctx.rng.fillNormal(eu.data, 0, c.initStd);
    ctx.rng.fillNormal(ei.data, 0, c.initStd);
    const ego = { users: param(eu, "userEgo"), items: param(ei, "itemEgo") };
    const degrees = graphDegrees(train);
    const rHat = normalisedAdjacency(train, degrees.items);
    this.ego = ego;
    this.itemDegree = degrees.items;
    this.rHat = rHat;
    this.cache = undefined;
    this.items = train.cols;
    const opt = new Adam([ego.users, ego.items], { lr: c.lr });
    const sampler = new MfSampler(train, "bpr", 1, 1);
    try {
      return await runEpochs({
        model: this,
        epochs: c.epochs,
        ctx,
        runEpoch: () => {
          this.cache = undefined;
          let total = 0;
          let count = 0;
          for (const batch of sampler.epoch(ctx.rng, c.batchSize)) {
            const t = new Tape();
            const fin = propagate(t, rHat, ego.users, ego.items, c.layers);
            const loss = lightGcnLoss(t, fin, ego, batch, c.reg);
            t.backward(loss);
            opt.step();
            opt.zeroGrad();
            total += loss.item() * batch.users.length;
            count += batch.users.length;
          }
          return total / count;
        },
        snapshot: () => [eu.data.slice(), ei.data.slice()],
        restore: (saved) => {
          eu.data.set(saved[0]);
          ei.data.set(saved[1]);
          this.cache = undefined;
        },
        ...optimizerTrainingHooks(this.name, {
          weights: [ego.users, ego.items],
          optimizer: opt,
          onRestore: () => (this.cache = undefined),
        }),
      });
    } finally {
      releaseGrad([ego.users, ego.items]);
      this.propagation();
      this.rHat = undefined;
    }
  }

  /** Final embeddings of training users (`userIds`); fold-in through the graph layers otherwise. */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    const prop = this.propagation();
    if (batch.userIds) {
      const n = prop.users.rows;
      for (const u of batch.userIds) {
        if (!(u >= 0 && u < n))
          throw new RangeError(`lightgcn.encodeUsers: user id ${u} is not a training user (0..${n - 1})`);
      }
      return prop.users.gatherRows(batch.userIds);
    }
    return foldInUsers(batch.rows, this.itemDegree as Float32Array, prop.itemLayers);
  }

  /** z E_items^T. */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    const items = this.propagation().items;
    return kernels().gemm(false, true, 1, z, items, 0, new Matrix(z.rows, this.items));
  }

  /** Scores of the given items only (users x items.length). */
  score(batch: UserBatch, items: Int32Array): Matrix {
    const z = this.encodeUsers(batch);
    for (const i of items)
      if (!(i >= 0 && i < this.items))
        throw new RangeError(`lightgcn.score: item ${i} out of range [0, ${this.items})`);
    const q = this.propagation().items.gatherRows(items);
    return kernels().gemm(false, true, 1, z, q, 0, new Matrix(z.rows, items.length));
  }

  /** Saves the ego embeddings, the propagated embeddings, the item layers and the item degrees. */
  save(dir: string): void {
    this.requireFitted("save");
    const ego = this.ego as { users: Variable; items: Variable };
    const prop = this.propagation();
    const deg = this.itemDegree as Float32Array;
    const tensors: Record<string, TensorInput> = {
      userEgo: tensorFromMatrix(ego.users.value),
      itemEgo: tensorFromMatrix(ego.items.value),
      users: tensorFromMatrix(prop.users),
      items: tensorFromMatrix(prop.items),
      itemDegree: { shape: [deg.length], data: deg },
    };
    // Layer 0 is the item ego table.
    for (let k = 1; k < prop.itemLayers.length; k++)
      tensors[`itemLayer${k}`] = tensorFromMatrix(prop.itemLayers[k]);
    saveArtifact(
      dir,
      { model: this.name, config: this.config, nItems: this.items, nUsers: this.nUsers },
      tensors,
    );
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: LightGcnConfig, artifact: ModelArtifact): LightGcn {
    const m = new LightGcn(config);
    const { nItems, nUsers } = artifact.json;
    const d = config.dim;
    const itemEgo = artifact.matrixOfShape("itemEgo", nItems, d);
    m.ego = {
      users: param(artifact.matrixOfShape("userEgo", nUsers, d), "userEgo"),
      items: param(itemEgo, "itemEgo"),
    };
    const itemLayers = [itemEgo];
    for (let k = 1; k < config.layers; k++)
      itemLayers.push(artifact.matrixOfShape(`itemLayer${k}`, nItems, d));
    m.cache = {
      users: artifact.matrixOfShape("users", nUsers, d),
      items: artifact.matrixOfShape("items", nItems, d),
      itemLayers,
    };
    const deg = artifact.matrix("itemDegree");
    if (deg.size !== nItems)
      throw new Error(`${artifact.dir}: tensor "itemDegree" has ${deg.size} values, expected ${nItems}`);
    m.itemDegree = deg.data;
    m.items = nItems;
    return m;
  }
}

/** Registry entry for LightGCN. */
export const lightGcnFactory: ModelFactory<LightGcnConfig> = {
  name: "lightgcn",
  description:
    "LightGCN (He et al. 2020): graph-propagated embeddings, BPR; probing sites: user and item embeddings",
  schema: LightGcnConfigSchema,
  create: (config) => new LightGcn(config),
  load: (config, artifact) => LightGcn.fromArtifact(config, artifact),
};
