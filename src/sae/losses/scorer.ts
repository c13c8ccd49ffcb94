import { kernels } from "../../tensor/backend.js";
import { Matrix } from "../../tensor/matrix.js";
import type { FrozenScorer } from "./types.js";

/**
 * A linear frozen scorer: scores = rep A_S^T (+ bias_S) for the sampled items S, with A the item
 * embedding matrix (numItems x dim), as for ELSA's decoder. backward is dRep = dScores A_S.
 */
export class LinearScorer implements FrozenScorer {
  /** `itemEmbeddings`: numItems x dim (not copied); `itemBias`: optional, one per item. */
  constructor(
    readonly itemEmbeddings: Matrix,
    readonly itemBias?: Float32Array,
  ) {
    if (itemBias && itemBias.length !== itemEmbeddings.rows) {
      throw new RangeError(
        `LinearScorer: itemBias has ${itemBias.length} values for ${itemEmbeddings.rows} items`,
      );
    }
  }

  /** Number of items. */
  get numItems(): number {
    return this.itemEmbeddings.rows;
  }

  /** Representation width. */
  get dim(): number {
    return this.itemEmbeddings.cols;
  }

  /** rows x items.length scores. */
  scoreItems(rep: Matrix, items: Int32Array): Matrix {
    this.check(rep, "scoreItems");
    const a = this.itemEmbeddings.gatherRows(items);
    const out = kernels().gemm(false, true, 1, rep, a, 0, new Matrix(rep.rows, items.length));
    if (this.itemBias) {
      const bias = new Float32Array(items.length);
      for (let t = 0; t < items.length; t++) bias[t] = this.itemBias[items[t]];
      kernels().addRowVector(out, bias, out);
    }
    return out;
  }

  /** dRep = dScores A_S (rows x dim). */
  backward(rep: Matrix, items: Int32Array, dScores: Matrix): Matrix {
    this.check(rep, "backward");
    if (dScores.rows !== rep.rows || dScores.cols !== items.length) {
      throw new RangeError(
        `LinearScorer.backward: dScores is ${dScores.shape}, expected ${rep.rows}x${items.length}`,
      );
    }
    const a = this.itemEmbeddings.gatherRows(items);
    return kernels().gemm(false, false, 1, dScores, a, 0, new Matrix(rep.rows, this.dim));
  }

  private check(rep: Matrix, op: string): void {
    if (rep.cols !== this.dim)
      throw new RangeError(
        `LinearScorer.${op}: representation is ${rep.shape}, expected ${this.dim} columns`,
      );
  }
}
