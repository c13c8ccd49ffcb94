import type { Csr } from "../tensor/csr.js";
import { AliasSampler, type Rng } from "../tensor/rng.js";
import type { MfSamples } from "./mfLoss.js";

/** Draws this many candidates at most before accepting a negative that is actually a positive. */
const MAX_TRIES = 32;

/**
 * Training samples for MF. Each epoch visits every observed (user, item) pair once in random
 * order. BPR pairs each with one negative drawn uniformly among the user's unobserved items;
 * BCE adds `negatives` label-0 samples per positive, drawn proportionally to
 * popularity^power among the user's unobserved items (rejection sampling with an alias table).
 */
export class MfSampler {
  private readonly rowOf: Int32Array;
  private readonly popular: AliasSampler | undefined;

  /** Prepares sampling for `train` (users x items). */
  constructor(
    private readonly train: Csr,
    private readonly loss: "bpr" | "bce",
    private readonly negatives: number,
    power: number,
  ) {
    this.rowOf = new Int32Array(train.nnz);
    for (let u = 0; u < train.rows; u++) this.rowOf.fill(u, train.indptr[u], train.indptr[u + 1]);
    if (loss === "bce") {
      const counts = new Float64Array(train.cols);
      for (let p = 0; p < train.nnz; p++) counts[train.indices[p]]++;
      // +1 smoothing keeps never-seen items drawable (and the sampler valid).
      this.popular = new AliasSampler(Array.from(counts, (c) => (c + 1) ** power));
    }
  }

  /** True when user u interacted with item j (binary search in the sorted row). */
  isPositive(u: number, j: number): boolean {
    const idx = this.train.indices;
    let lo = this.train.indptr[u];
    let hi = this.train.indptr[u + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = idx[mid];
      if (v === j) return true;
      if (v < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  private negative(u: number, rng: Rng): number {
    let j = 0;
    for (let t = 0; t < MAX_TRIES; t++) {
      j = this.popular ? this.popular.sample(rng) : rng.int(this.train.cols);
      if (!this.isPositive(u, j)) return j;
    }
    return j;
  }

  /** One epoch of batches, each built from up to `batchSize` positives. */
  *epoch(rng: Rng, batchSize: number): Generator<MfSamples> {
    const order = rng.permutation(this.train.nnz);
    const per = this.loss === "bpr" ? 1 : 1 + this.negatives;
    for (let s = 0; s < order.length; s += batchSize) {
      const pos = order.subarray(s, Math.min(order.length, s + batchSize));
      const users = new Int32Array(pos.length * per);
      const items = new Int32Array(pos.length * per);
      if (this.loss === "bpr") {
        const neg = new Int32Array(pos.length);
        for (let t = 0; t < pos.length; t++) {
          const u = this.rowOf[pos[t]];
          users[t] = u;
          items[t] = this.train.indices[pos[t]];
          neg[t] = this.negative(u, rng);
        }
        yield { users, items, negatives: neg };
      } else {
        const labels = new Float32Array(users.length);
        let w = 0;
        for (let t = 0; t < pos.length; t++) {
          const u = this.rowOf[pos[t]];
          users[w] = u;
          items[w] = this.train.indices[pos[t]];
          labels[w++] = 1;
          for (let k = 0; k < this.negatives; k++) {
            users[w] = u;
            items[w++] = this.negative(u, rng);
          }
        }
        yield { users, items, labels };
      }
    }
  }
}
