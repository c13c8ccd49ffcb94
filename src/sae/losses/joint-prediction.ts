import { Tape, param, type Input, type Variable } from "../../tensor/autograd/index.js";
import { Matrix, assertShape } from "../../tensor/matrix.js";

/**
 * A frozen two-tower scoring function g(e_u, e_i) applied to aligned rows of user and item
 * representations (MF: the dot product; NCF: the whole MLP head). `backwardPairs` returns the
 * gradients with respect to both inputs given d(loss)/d(scores) and never changes the scorer.
 */
export interface PairScorer {
  /** Representation width of both towers. */
  readonly dim: number;
  /** One score per aligned row pair (users.rows === items.rows). */
  scorePairs(users: Matrix, items: Matrix): Float32Array;
  /** d(loss)/d(users) and d(loss)/d(items) for d(loss)/d(scores) = dScores. */
  backwardPairs(users: Matrix, items: Matrix, dScores: Float32Array): { dUsers: Matrix; dItems: Matrix };
}

function checkAligned(op: string, dim: number, users: Matrix, items: Matrix): void {
  if (users.rows !== items.rows || users.cols !== dim || items.cols !== dim)
    throw new RangeError(
      `${op}: user rows ${users.shape} and item rows ${items.shape} must be aligned and ${dim} wide`,
    );
}

/** MF's scorer: g(u, i) = u . i (biases do not depend on the representation and cancel in the loss). */
export class DotPairScorer implements PairScorer {
  /** A dot-product scorer for representations `dim` wide. */
  constructor(readonly dim: number) {}

  /** Row-wise dot products. */
  scorePairs(users: Matrix, items: Matrix): Float32Array {
    checkAligned("DotPairScorer.scorePairs", this.dim, users, items);
    const d = this.dim;
    const out = new Float32Array(users.rows);
    for (let p = 0; p < users.rows; p++) {
      let s = 0;
      for (let q = 0; q < d; q++) s += users.data[p * d + q] * items.data[p * d + q];
      out[p] = s;
    }
    return out;
  }

  /** dU_p = dS_p i_p, dI_p = dS_p u_p. */
  backwardPairs(users: Matrix, items: Matrix, dScores: Float32Array): { dUsers: Matrix; dItems: Matrix } {
    checkAligned("DotPairScorer.backwardPairs", this.dim, users, items);
    const d = this.dim;
    const dUsers = new Matrix(users.rows, d);
    const dItems = new Matrix(items.rows, d);
    for (let p = 0; p < users.rows; p++) {
      const g = dScores[p];
      for (let q = 0; q < d; q++) {
        dUsers.data[p * d + q] = g * items.data[p * d + q];
        dItems.data[p * d + q] = g * users.data[p * d + q];
      }
    }
    return { dUsers, dItems };
  }
}

/** A scoring function recorded on an autograd tape: (tape, users, items) -> logits (P x 1). */
export type TapeScoreFn = (t: Tape, users: Input, items: Input) => Variable;

/**
 * A frozen scorer given as an autograd function (NCF: `Ncf.scorePairsOnTape`, whose head weights are
 * constants): the backward pass seeds the tape's output with dScores, so gradients reach only the
 * two representation inputs.
 */
export class TapePairScorer implements PairScorer {
  /** `fn` must treat its weights as constants (no Variables of its own with requiresGrad). */
  constructor(
    readonly dim: number,
    private readonly fn: TapeScoreFn,
  ) {}

  /** Scores through the function on an inference tape. */
  scorePairs(users: Matrix, items: Matrix): Float32Array {
    checkAligned("TapePairScorer.scorePairs", this.dim, users, items);
    if (users.rows === 0) return new Float32Array(0);
    return Float32Array.from(this.fn(Tape.inference(), users, items).value.data);
  }

  /** Reverse mode through the function with seed dScores. */
  backwardPairs(users: Matrix, items: Matrix, dScores: Float32Array): { dUsers: Matrix; dItems: Matrix } {
    checkAligned("TapePairScorer.backwardPairs", this.dim, users, items);
    const u = param(users.clone(), "users");
    const i = param(items.clone(), "items");
    if (users.rows === 0) return { dUsers: new Matrix(0, this.dim), dItems: new Matrix(0, this.dim) };
    const t = new Tape();
    const out = this.fn(t, u, i);
    if (out.value.data.length !== dScores.length)
      throw new RangeError(`TapePairScorer: ${out.value.data.length} scores for ${dScores.length} gradients`);
    t.backward(out, new Matrix(out.rows, out.cols, Float32Array.from(dScores)));
    return {
      dUsers: u.grad ?? new Matrix(users.rows, this.dim),
      dItems: i.grad ?? new Matrix(items.rows, this.dim),
    };
  }
}

/**
 * The pairs a joint batch scores: pair p is (row users[p], row items[p]) of the batch, a user row and
 * an item row of the same batch.
 */
export interface BatchPairs {
  readonly users: Int32Array;
  readonly items: Int32Array;
}

/**
 * A batch of SAE rows from both towers (users and items stacked) that carries the (user, item) pairs
 * the joint prediction-aware loss scores. The trainer passes it through unchanged, so the loss term
 * finds the pairs on its input; other batches (plain Matrix) have no pairs and the term is 0.
 */
export class JointBatch extends Matrix {
  /** `data` rows x cols (not copied); `pairs` index rows of this batch. */
  constructor(
    rows: number,
    cols: number,
    data: Float32Array,
    readonly pairs: BatchPairs,
  ) {
    super(rows, cols, data);
    if (pairs.users.length !== pairs.items.length)
      throw new RangeError(`JointBatch: ${pairs.users.length} pair users for ${pairs.items.length} items`);
    for (const arr of [pairs.users, pairs.items])
      for (const r of arr)
        if (!(r >= 0 && r < rows)) throw new RangeError(`JointBatch: pair row ${r} outside [0, ${rows})`);
  }
}

/**
 * Joint prediction-aware loss (Arviv et al. 2025, eq. 7) over the pairs of a JointBatch:
 *   L = 1/|S| sum_{(u,i) in S} (g(e~_u, e~_i) - g(e_u, e_i))^2
 * with BOTH the user and the item representation reconstructed (rows of yhat) and the originals in
 * y. Adds `scale` * dL/dyhat into `dYhat` (user and item rows alike) when given. Returns the unscaled
 * value; 0 for a batch without pairs.
 */
export function jointPredictionLoss(
  y: Matrix,
  yhat: Matrix,
  scorer: PairScorer,
  dYhat: Matrix | null,
  scale: number,
): number {
  assertShape(y.rows === yhat.rows && y.cols === yhat.cols, "jointPredictionLoss", y, yhat);
  const pairs = y instanceof JointBatch ? y.pairs : null;
  if (!pairs || pairs.users.length === 0) return 0;
  const P = pairs.users.length;
  const s0 = scorer.scorePairs(y.gatherRows(pairs.users), y.gatherRows(pairs.items));
  const uh = yhat.gatherRows(pairs.users);
  const ih = yhat.gatherRows(pairs.items);
  const s1 = scorer.scorePairs(uh, ih);
  let sum = 0;
  const dS = new Float32Array(P);
  for (let p = 0; p < P; p++) {
    const d = s1[p] - s0[p];
    sum += d * d;
    dS[p] = (2 * scale * d) / P;
  }
  if (dYhat) {
    const { dUsers, dItems } = scorer.backwardPairs(uh, ih, dS);
    const n = y.cols;
    for (let p = 0; p < P; p++) {
      const ru = pairs.users[p] * n;
      const ri = pairs.items[p] * n;
      for (let q = 0; q < n; q++) {
        dYhat.data[ru + q] += dUsers.data[p * n + q];
        dYhat.data[ri + q] += dItems.data[p * n + q];
      }
    }
  }
  return sum / P;
}
