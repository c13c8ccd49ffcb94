import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import type { FitContext, FitReport, Recommender, UserBatch } from "./types.js";

/**
 * Shared plumbing for recommenders: fitted-state checks, batch validation and
 * `scoreUsers = decode(encodeUsers(b), b)`. Subclasses implement the model itself.
 */
export abstract class BaseRecommender<C extends object> implements Recommender<C> {
  abstract readonly name: string;
  readonly config: Readonly<C>;
  protected items = 0;

  protected constructor(config: C) {
    this.config = Object.freeze({ ...config });
  }

  /** Number of items; 0 before fit/load. */
  get nItems(): number {
    return this.items;
  }

  abstract get dim(): number;
  abstract fit(train: Csr, ctx: FitContext): Promise<FitReport>;
  abstract encodeUsers(batch: UserBatch): Matrix;
  abstract decode(z: Matrix, batch?: UserBatch): Matrix;
  abstract save(dir: string): void;

  /** decode(encodeUsers(batch), batch). */
  scoreUsers(batch: UserBatch): Matrix {
    return this.decode(this.encodeUsers(batch), batch);
  }

  /** Throws unless the model has been fitted or loaded. */
  protected requireFitted(op: string): void {
    if (this.items === 0)
      throw new Error(`${this.name}.${op}: the model is not fitted (call fit or load it first)`);
  }

  /** Checks the batch has one column per item (and ids aligned with rows). */
  protected checkBatch(batch: UserBatch, op: string): void {
    this.requireFitted(op);
    if (batch.rows.cols !== this.items) {
      throw new RangeError(
        `${this.name}.${op}: batch has ${batch.rows.cols} item columns, the model has ${this.items} items`,
      );
    }
    if (batch.userIds && batch.userIds.length !== batch.rows.rows) {
      throw new RangeError(
        `${this.name}.${op}: ${batch.userIds.length} user ids for ${batch.rows.rows} rows`,
      );
    }
  }

  /** Checks a probing-site matrix has `dim` columns. */
  protected checkCode(z: Matrix, op: string, batch?: UserBatch): void {
    this.requireFitted(op);
    if (z.cols !== this.dim)
      throw new RangeError(`${this.name}.${op}: code is ${z.shape}, expected ${this.dim} columns`);
    if (batch) {
      if (batch.rows.rows !== z.rows)
        throw new RangeError(
          `${this.name}.${op}: code has ${z.rows} rows but the batch has ${batch.rows.rows}`,
        );
      if (batch.rows.cols !== this.items) {
        throw new RangeError(
          `${this.name}.${op}: batch has ${batch.rows.cols} item columns, the model has ${this.items} items`,
        );
      }
    }
  }
}

/** Throws if the training matrix is empty or has invalid values (NaN, infinite, negative). */
export function checkTrainMatrix(name: string, train: Csr): void {
  if (train.rows === 0 || train.cols === 0 || train.nnz === 0) {
    throw new RangeError(
      `${name}.fit: training matrix ${train.shape} with ${train.nnz} interactions is empty`,
    );
  }
  for (let p = 0; p < train.nnz; p++) {
    const v = train.values[p];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(
        `${name}.fit: training matrix value ${v} at entry ${p} (item ${train.indices[p]}) is not a finite non-negative number`,
      );
    }
  }
}
