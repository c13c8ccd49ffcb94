import type { SparseCode } from "../sae/types.js";
import type { Rng } from "../tensor/rng.js";

/**
 * Latent activations over sequences (RecSAE on sequential recommenders): the SAE code of the hidden
 * state at every encoded position of every sequence. A latent "fires on a sequence" when it is
 * active at one of its positions; the sequence's activation is its largest one, at the *firing
 * position*. Positions are indices into the full sequence (the model encodes only its last maxLen
 * items, so the first encoded position is `length - encoded`).
 */

/** One firing: the latent's largest activation on a sequence and where it happened. */
export interface Firing {
  /** Index of the sequence. */
  readonly sequence: number;
  /** Index in the full sequence of the position where the latent fires most (ties: the earliest). */
  readonly position: number;
  readonly value: number;
}

/** A random window used as a negative: a sequence and the position its window ends at. */
export interface SequenceWindow {
  readonly sequence: number;
  readonly position: number;
}

/** A random position kept as a negative candidate, with the latents active there. */
export interface NegativeCandidate extends SequenceWindow {
  /** Latents active at that position (sorted ascending). */
  readonly active: Int32Array;
}

/** Per-latent activation distribution over sequences and its top-activating sequences. */
export interface SequenceActivations {
  readonly dSae: number;
  readonly sequences: number;
  readonly positions: number;
  /** Sequences on which each latent fires. */
  readonly sequenceSupport: Int32Array;
  /** Positions at which each latent fires. */
  readonly positionSupport: Int32Array;
  /** Per latent: the per-sequence maxima over the sequences it fires on, in sequence order. */
  readonly perSequenceMax: Float32Array[];
  /** Per latent: the top firings (one per sequence), by value descending (ties: lower sequence first). */
  readonly top: Firing[][];
  /** Random positions (seeded), the pool that every latent's negatives are drawn from. */
  readonly negatives: NegativeCandidate[];
}

/** Options of {@link SequenceActivationAccumulator}. */
export interface SequenceActivationOptions {
  /** Top firings kept per latent (default 40). */
  readonly top?: number;
  /** Random positions kept as negative candidates (default 2000). */
  readonly negativePool?: number;
  /** Draws the negative candidates (reservoir sampling over positions). */
  readonly rng: Rng;
}

/**
 * Accumulates sequence activations chunk by chunk (so the codes of all positions never need to be
 * in memory at once): `add` takes the code of a chunk's positions, `offsets` (chunk sequences + 1
 * entries, positions of sequence s are rows offsets[s]..offsets[s+1]) and each sequence's full
 * length; `result` gives the {@link SequenceActivations}.
 */
export class SequenceActivationAccumulator {
  private readonly k: number;
  private readonly poolSize: number;
  private readonly rng: Rng;
  private readonly seqSupport: Int32Array;
  private readonly posSupport: Int32Array;
  private readonly maxima: number[][];
  private readonly firings: Firing[][];
  private readonly pool: NegativeCandidate[] = [];
  private seen = 0;
  private sequences = 0;
  private positions = 0;

  constructor(
    readonly dSae: number,
    opts: SequenceActivationOptions,
  ) {
    this.k = opts.top ?? 40;
    this.poolSize = opts.negativePool ?? 2000;
    if (!(Number.isInteger(this.k) && this.k >= 1))
      throw new RangeError(`sequence activations: top must be a positive integer, got ${this.k}`);
    if (!(Number.isInteger(this.poolSize) && this.poolSize >= 0))
      throw new RangeError(
        `sequence activations: negativePool must be an integer >= 0, got ${this.poolSize}`,
      );
    this.rng = opts.rng;
    this.seqSupport = new Int32Array(dSae);
    this.posSupport = new Int32Array(dSae);
    this.maxima = Array.from({ length: dSae }, () => []);
    this.firings = Array.from({ length: dSae }, () => []);
  }

  /** Adds the codes of one chunk of sequences (see the class comment). */
  add(code: SparseCode, offsets: Int32Array, lengths: ArrayLike<number>): void {
    if (code.dSae !== this.dSae)
      throw new RangeError(`sequence activations: code has ${code.dSae} latents, expected ${this.dSae}`);
    const n = offsets.length - 1;
    if (lengths.length !== n)
      throw new RangeError(`sequence activations: ${lengths.length} lengths for ${n} sequences`);
    if (offsets[n] !== code.rows)
      throw new RangeError(
        `sequence activations: offsets end at ${offsets[n]}, the code has ${code.rows} rows`,
      );
    const best = new Float32Array(this.dSae);
    const bestPos = new Int32Array(this.dSae);
    const touched: number[] = [];
    for (let s = 0; s < n; s++) {
      const seq = this.sequences + s;
      const encoded = offsets[s + 1] - offsets[s];
      const start = lengths[s] - encoded;
      if (start < 0)
        throw new RangeError(
          `sequence activations: sequence ${seq} has ${encoded} encoded positions but length ${lengths[s]}`,
        );
      touched.length = 0;
      for (let r = offsets[s]; r < offsets[s + 1]; r++) {
        const position = start + r - offsets[s];
        for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) {
          const v = code.values[p];
          if (!(v > 0)) continue;
          const j = code.indices[p];
          this.posSupport[j]++;
          if (best[j] === 0) touched.push(j);
          if (v > best[j]) {
            best[j] = v;
            bestPos[j] = position;
          }
        }
        this.sample(seq, position, code, r);
      }
      for (const j of touched) {
        this.seqSupport[j]++;
        this.maxima[j].push(best[j]);
        this.keepTop(j, { sequence: seq, position: bestPos[j], value: best[j] });
        best[j] = 0;
      }
    }
    this.sequences += n;
    this.positions += code.rows;
  }

  /** Reservoir sampling of negative candidates over all positions. */
  private sample(sequence: number, position: number, code: SparseCode, r: number): void {
    this.seen++;
    let slot = this.pool.length;
    if (slot >= this.poolSize) {
      slot = this.rng.int(this.seen);
      if (slot >= this.poolSize) return;
    }
    const active = Int32Array.from(
      Array.from(code.indices.subarray(code.indptr[r], code.indptr[r + 1])).filter(
        (_, q) => code.values[code.indptr[r] + q] > 0,
      ),
    ).sort();
    this.pool[slot] = { sequence, position, active };
  }

  /** Keeps the k best firings of latent j (value descending, lower sequence first on ties). */
  private keepTop(j: number, f: Firing): void {
    const list = this.firings[j];
    if (list.length === this.k && !(f.value > list[list.length - 1].value)) return;
    let at = list.length;
    while (at > 0 && list[at - 1].value < f.value) at--;
    list.splice(at, 0, f);
    if (list.length > this.k) list.pop();
  }

  /** The accumulated activations. */
  result(): SequenceActivations {
    return {
      dSae: this.dSae,
      sequences: this.sequences,
      positions: this.positions,
      sequenceSupport: this.seqSupport.slice(),
      positionSupport: this.posSupport.slice(),
      perSequenceMax: this.maxima.map((m) => Float32Array.from(m)),
      top: this.firings.map((l) => l.slice()),
      negatives: this.pool.slice(),
    };
  }
}

/** Summary of a latent's activation distribution over sequences. */
export interface ActivationDistribution {
  /** Share of the sequences on which the latent fires. */
  readonly firingRate: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly max: number;
}

/** Nearest-rank quantile q in [0, 1] of ascending values (0 when empty). */
function quantile(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The distribution of latent j's per-sequence maxima over the sequences it fires on. */
export function activationDistribution(a: SequenceActivations, j: number): ActivationDistribution {
  const v = a.perSequenceMax[j].slice().sort();
  let sum = 0;
  for (const x of v) sum += x;
  return {
    firingRate: a.sequences > 0 ? a.sequenceSupport[j] / a.sequences : 0,
    mean: v.length > 0 ? sum / v.length : 0,
    p50: quantile(v, 0.5),
    p90: quantile(v, 0.9),
    max: v.length > 0 ? v[v.length - 1] : 0,
  };
}
