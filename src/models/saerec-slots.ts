import { Matrix } from "../tensor/matrix.js";
import type { Branch, IntentInputs } from "./saerec-net.js";
import { personalSlots, type IntentPriors } from "./saerec-retrieval.js";
import type { PackedSequences } from "./sequence-batch.js";

/** Retrieval settings of a fitted SAERec. */
export interface SlotSettings {
  readonly personalK: number;
  readonly publicK: number;
  /** Recency window of the personal retrieval (0: the whole prefix); see `personalSlots`. */
  readonly personalWindow: number;
  /** The random-intents ablation: hashed personal intents instead of retrieved ones. */
  readonly random: boolean;
  readonly branches: readonly Branch[];
}

/** {@link IntentInputs} plus the library index of each compact intent row. */
export interface SlottedInputs extends IntentInputs {
  /** Library intent of each row of `vectors`. */
  readonly used: Int32Array;
}

/**
 * Fills the intent slots of packed rows: personal intents per row (from the sequence's prefix, see
 * `personalSlots`), the same public intents for every row, and a compact table of the intents a
 * batch uses (only those are projected, so the cost does not grow with the library).
 */
export class IntentSlotter {
  private readonly compact: Int32Array;
  private readonly hasPersonal: boolean;
  private readonly hasPublic: boolean;

  /**
   * `publicIds` are the public intents (best first); `exclude` (intents switched off) are never
   * retrieved as personal intents; public ones should already be chosen without them.
   */
  constructor(
    private readonly priors: IntentPriors,
    private readonly idf: Float32Array,
    private readonly publicIds: Int32Array,
    private readonly s: SlotSettings,
    private readonly exclude?: ReadonlySet<number>,
  ) {
    this.compact = new Int32Array(priors.labels.length).fill(-1);
    this.hasPersonal = s.branches.includes("personal");
    this.hasPublic = s.branches.includes("public");
  }

  /** Personal slots of every input position (all but the last item) of every training sequence. */
  trainingCache(seqs: readonly Int32Array[]): Int32Array[] {
    if (!this.hasPersonal) return [];
    const k = this.s.personalK;
    return seqs.map((s) => {
      const n = Math.max(0, s.length - 1);
      const out = new Int32Array(n * k);
      if (n > 0) this.personal(s, 0, n, out);
      return out;
    });
  }

  private personal(seq: Int32Array, from: number, count: number, out: Int32Array): void {
    const mode = this.s.random ? "random" : "retrieved";
    personalSlots(seq, { from, count }, this.priors.activations, this.idf, this.s.personalK, mode, out, {
      exclude: this.exclude,
      window: this.s.personalWindow,
    });
  }

  /** Slots of a packed training batch (rows predict the next item), from the training cache. */
  trainingInputs(
    batch: PackedSequences,
    seqs: readonly Int32Array[],
    pick: ArrayLike<number>,
    cache: readonly Int32Array[],
  ): SlottedInputs {
    const k = this.s.personalK;
    const ids = new Int32Array(this.hasPersonal ? batch.rows * k : 0);
    if (this.hasPersonal) {
      for (let b = 0; b < pick.length; b++) {
        const u = pick[b];
        const n = batch.lengths[b];
        const first = seqs[u].length - n - 1;
        ids.set(cache[u].subarray(first * k, (first + n) * k), batch.starts[b] * k);
      }
    }
    return this.rowsInputs(ids, batch.rows);
  }

  /**
   * Slots of a packed inference batch (the last maxLen items of each picked sequence): personal
   * intents at every row (`all`) or only at each sequence's last row (other rows get none).
   */
  inferenceInputs(
    packed: PackedSequences,
    seqs: readonly Int32Array[],
    pick: ArrayLike<number>,
    all: boolean,
  ): SlottedInputs {
    const k = this.s.personalK;
    const ids = new Int32Array(this.hasPersonal ? packed.rows * k : 0).fill(-1);
    if (this.hasPersonal) {
      for (let b = 0; b < pick.length; b++) {
        const s = seqs[pick[b]];
        const n = packed.lengths[b];
        if (n === 0) continue;
        const o = packed.starts[b];
        if (all) this.personal(s, s.length - n, n, ids.subarray(o * k, (o + n) * k));
        else this.personal(s, s.length - 1, 1, ids.subarray((o + n - 1) * k, (o + n) * k));
      }
    }
    return this.rowsInputs(ids, packed.rows);
  }

  /** Inputs for `rows` rows with the given personal intents (rows x personalK, -1 empty). */
  rowsInputs(personal: Int32Array, rows: number): SlottedInputs {
    const used: number[] = [];
    const map = this.compact;
    const local = (c: number): number => {
      if (c < 0) return -1;
      if (map[c] < 0) {
        map[c] = used.length;
        used.push(c);
      }
      return map[c];
    };
    const slots: IntentInputs["slots"] = {};
    if (this.hasPersonal) slots.personal = { slots: this.s.personalK, ids: personal.map(local) };
    if (this.hasPublic) {
      const kg = this.s.publicK;
      const ids = new Int32Array(rows * kg).fill(-1);
      const pub = Int32Array.from(this.publicIds.subarray(0, kg), local);
      for (let r = 0; r < rows; r++) ids.set(pub, r * kg);
      slots.public = { slots: kg, ids };
    }
    if (used.length === 0) used.push(0); // a table needs a row; no slot names it
    for (const c of used) map[c] = -1;
    const dText = this.priors.vectors.cols;
    const vectors = new Matrix(used.length, dText);
    used.forEach((c, r) => vectors.data.set(this.priors.vectors.row(c), r * dText));
    return { vectors, slots, used: Int32Array.from(used) };
  }
}
