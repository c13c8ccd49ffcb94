import { z } from "zod";
import { tensorFromMatrix } from "../store/safetensors.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { saveArtifact, type ModelArtifact } from "./artifact.js";
import { BaseRecommender, checkTrainMatrix } from "./base.js";
import type { ModelFactory } from "./registry.js";
import type { FitContext, FitReport, UserBatch } from "./types.js";

/** EASE hyperparameters. */
export const EaseConfigSchema = z
  .object({
    /** L2 penalty on the item-item weights (Steck 2019 uses 500 on ML-20M). */
    lambda: z.number().positive().finite().default(500),
  })
  .strict();

/** Complete EASE config. */
export type EaseConfig = z.infer<typeof EaseConfigSchema>;

/** Gram matrix X^T X (items x items) from the sparse rows, without densifying X (the csrGram kernel). */
export function gramMatrix(x: Csr): Matrix {
  return kernels().csrGram(x);
}

/**
 * EASE weights (Steck 2019, "Embarrassingly Shallow Autoencoders"): with G = X^T X + lambda I and
 * P = G^-1, B = I - P diag(P)^-1, i.e. B_ij = -P_ij / P_jj off the diagonal and B_jj = 0.
 */
export function easeWeights(x: Csr, lambda: number): Matrix {
  const p = regularisedInverse(x, lambda);
  const n = p.rows;
  // B overwrites P row by row (one n x n buffer fewer, and a streaming rather than column-strided pass).
  const scale = new Float32Array(n);
  for (let j = 0; j < n; j++) scale[j] = -1 / p.data[j * n + j];
  for (let i = 0; i < n; i++) {
    const row = p.row(i);
    for (let j = 0; j < n; j++) row[j] *= scale[j];
    row[i] = 0;
  }
  return p;
}

/**
 * (X^T X + lambda I)^-1, inverted in place in the Gram matrix's own buffer (kernels().spdInverseInPlace),
 * so the whole EASE fit holds one n x n float32 matrix at a time (G, then P, then B) instead of three.
 */
function regularisedInverse(x: Csr, lambda: number): Matrix {
  const g = gramMatrix(x);
  const n = g.rows;
  for (let i = 0; i < n; i++) g.data[i * n + i] += lambda;
  return kernels().spdInverseInPlace(g);
}

/**
 * EASE: a full-rank item-item linear autoencoder, scores = X B. It has no low-rank probing
 * site: `encodeUsers` returns the input rows themselves (dense, users x items, so `dim` equals
 * the number of items) and `decode(z) = z B`. Sparse autoencoders on EASE therefore see the raw
 * interaction space.
 */
export class Ease extends BaseRecommender<EaseConfig> {
  readonly name = "ease";
  private weights: Matrix | undefined;

  /** Unfitted model with the given complete config. */
  constructor(config: EaseConfig) {
    super(config);
  }

  /** The probing site is the item space: dim = number of items. */
  get dim(): number {
    return this.items;
  }

  /** The item-item weight matrix B (items x items, zero diagonal). */
  get itemWeights(): Matrix {
    this.requireFitted("itemWeights");
    return this.weights as Matrix;
  }

  /**
   * Closed form; reports one epoch whose "loss" is the mean squared training reconstruction error,
   * estimated on at most LOSS_SAMPLE_USERS evenly spaced users (the full X B would cost as much as a
   * quarter of the fit at 20k items, for a diagnostic).
   */
  async fit(train: Csr, ctx: FitContext): Promise<FitReport> {
    checkTrainMatrix(this.name, train);
    const t0 = performance.now();
    this.weights = easeWeights(train, this.config.lambda);
    this.items = train.cols;
    const loss = reconstructionError(train, this.weights);
    const seconds = (performance.now() - t0) / 1000;
    const valScore = ctx.validation?.evaluate(this);
    const valMetrics = ctx.validation?.lastMetrics?.();
    ctx.onProgress?.({
      epoch: 1,
      epochs: 1,
      loss,
      elapsedSec: seconds,
      etaSec: 0,
      valScore,
      ...(valMetrics ? { valMetrics } : {}),
    });
    return {
      epochsRun: 1,
      bestEpoch: 1,
      losses: [loss],
      valScores: valScore === undefined ? [] : [valScore],
      seconds,
    };
  }

  /** The interaction rows as a dense users x items matrix (EASE has no low-rank site). */
  encodeUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "encodeUsers");
    return batch.rows.toDense();
  }

  /** z B (users x items). */
  decode(z: Matrix, batch?: UserBatch): Matrix {
    this.checkCode(z, "decode", batch);
    return kernels().gemm(false, false, 1, z, this.weights as Matrix, 0, new Matrix(z.rows, this.items));
  }

  /** X B computed sparsely (equal to decode(encodeUsers(batch)) up to float rounding). */
  override scoreUsers(batch: UserBatch): Matrix {
    this.checkBatch(batch, "scoreUsers");
    return kernels().csrMm(batch.rows, this.weights as Matrix);
  }

  /** Saves B as tensor "B". */
  save(dir: string): void {
    this.requireFitted("save");
    saveArtifact(
      dir,
      { model: this.name, config: this.config, nItems: this.items },
      { B: tensorFromMatrix(this.weights as Matrix) },
    );
  }

  /** Rebuilds a fitted model from a saved directory. */
  static fromArtifact(config: EaseConfig, artifact: ModelArtifact): Ease {
    const m = new Ease(config);
    const b = artifact.matrixOfShape("B", artifact.json.nItems, artifact.json.nItems);
    m.weights = b;
    m.items = b.rows;
    return m;
  }
}

/** Users the reported EASE training loss is computed on, at most. */
export const LOSS_SAMPLE_USERS = 2048;

/**
 * Mean over users of the squared error ||x_u - x_u B||^2 (a fit diagnostic): over all users when there
 * are at most `maxUsers`, else over `maxUsers` evenly spaced ones.
 */
export function reconstructionError(x: Csr, b: Matrix, maxUsers = LOSS_SAMPLE_USERS): number {
  const users =
    x.rows <= maxUsers
      ? x
      : x.gatherRows(Array.from({ length: maxUsers }, (_, t) => Math.floor((t * x.rows) / maxUsers)));
  let total = 0;
  const step = 256;
  for (let s = 0; s < users.rows; s += step) {
    const part = users.rowRange(s, Math.min(users.rows, s + step));
    const pred = kernels().csrMm(part, b);
    for (let u = 0; u < part.rows; u++) {
      const row = pred.row(u);
      for (let p = part.indptr[u]; p < part.indptr[u + 1]; p++) row[part.indices[p]] -= part.values[p];
      for (let j = 0; j < row.length; j++) total += row[j] * row[j];
    }
  }
  return total / users.rows;
}

/** Registry entry for EASE. */
export const easeFactory: ModelFactory<EaseConfig> = {
  name: "ease",
  description: "EASE (Steck 2019): closed-form item-item autoencoder; probing site = the item space",
  schema: EaseConfigSchema,
  create: (config) => new Ease(config),
  load: (config, artifact) => Ease.fromArtifact(config, artifact),
};
