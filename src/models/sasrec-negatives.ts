import type { Rng } from "../tensor/rng.js";
import type { PackedSequences } from "./sequence-batch.js";

/**
 * Uniform negative sampling for sequential models. `excludingHistory` draws, for every row of a
 * packed training batch, one item uniformly among those NOT in that row's whole training sequence
 * (the original SASRec sampler, `random_neq` over the user's item set), by rejection; the
 * membership marks reuse one buffer across batches.
 */
export class SequenceNegatives {
  private readonly stamp: Int32Array;
  private generation = 0;

  /** A sampler over items [0, nItems). */
  constructor(private readonly nItems: number) {
    this.stamp = new Int32Array(nItems);
  }

  /**
   * One negative per row of `batch` (rows of sequence b avoid every item of seqs[pick[b]]). Throws
   * naming the sequence when it contains every item (no negative exists).
   */
  excludingHistory(
    seqs: readonly Int32Array[],
    pick: ArrayLike<number>,
    batch: PackedSequences,
    rng: Rng,
  ): Int32Array {
    const out = new Int32Array(batch.rows);
    const stamp = this.stamp;
    for (let b = 0; b < pick.length; b++) {
      const n = batch.lengths[b];
      if (n === 0) continue;
      const gen = ++this.generation;
      const s = seqs[pick[b]];
      let distinct = 0;
      for (let j = 0; j < s.length; j++) {
        if (stamp[s[j]] !== gen) {
          stamp[s[j]] = gen;
          distinct++;
        }
      }
      if (distinct >= this.nItems) {
        throw new RangeError(
          `sasrec.fit: sequence ${pick[b]} contains all ${this.nItems} items, so no negative can be sampled for it`,
        );
      }
      const o = batch.starts[b];
      for (let j = 0; j < n; j++) {
        let it = rng.int(this.nItems);
        while (stamp[it] === gen) it = rng.int(this.nItems);
        out[o + j] = it;
      }
    }
    return out;
  }

  /** `count` items drawn uniformly with replacement. */
  uniform(count: number, rng: Rng): Int32Array {
    const out = new Int32Array(count);
    for (let k = 0; k < count; k++) out[k] = rng.int(this.nItems);
    return out;
  }
}
