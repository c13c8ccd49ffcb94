import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { AliasSampler, Rng } from "../tensor/rng.js";
import { sampleCategorical, sampleDirichlet, synthConceptNames, tagOf } from "./synthSampling.js";
import type { Dataset, ItemConcepts } from "./types.js";

/** Knobs of the planted synthetic data generator. */
export interface SynthOptions {
  readonly users: number;
  readonly items: number;
  /** Number of planted concepts (genres). */
  readonly concepts: number;
  readonly seed: number;
  /** Mean interactions per user (log-normal spread around it, at least `minInteractions`). */
  readonly meanInteractions: number;
  readonly minInteractions: number;
  /** Each user likes 1..maxActiveConcepts concepts (uniform). */
  readonly maxActiveConcepts: number;
  /** Symmetric Dirichlet concentration of a user's weights over their active concepts. */
  readonly dirichletAlpha: number;
  /** Zipf exponent of item weights within a concept (weight of rank r is 1 / r^s). */
  readonly zipfExponent: number;
  /** Share of interactions drawn uniformly from all items, ignoring tastes. */
  readonly noiseRate: number;
  /** Probability that an item also carries a secondary concept. */
  readonly secondaryRate: number;
}

/** Defaults: ~2000 users x 600 items, ~50k interactions, 12 concepts. */
export const DEFAULT_SYNTH_OPTIONS: SynthOptions = {
  users: 2000,
  items: 600,
  concepts: 12,
  seed: 0,
  meanInteractions: 25,
  minInteractions: 5,
  maxActiveConcepts: 3,
  dirichletAlpha: 1,
  zipfExponent: 1,
  noiseRate: 0.05,
  secondaryRate: 0.3,
};

/** The planted answer behind a synthetic dataset. */
export interface SynthTruth {
  readonly conceptNames: string[];
  /** Primary concept of each item. */
  readonly itemConcept: Int32Array;
  /** Secondary concept of each item, -1 when none. */
  readonly itemSecondary: Int32Array;
  /** Zipf weight of each item within its primary concept (1 for the concept's head item). */
  readonly itemWeight: Float64Array;
  /** users x concepts taste weights; each row sums to 1 and is zero outside the active concepts. */
  readonly userMixtures: Matrix;
  /** Concept with the largest weight for each user. */
  readonly userTopConcept: Int32Array;
}

/** A generated dataset and its ground truth. */
export interface SynthResult {
  readonly dataset: Dataset;
  readonly truth: SynthTruth;
}

const NOISE_TAGS = ["classic", "underrated", "overrated", "must-see", "rewatch"];
const SECONDARY_POOL_WEIGHT = 0.5;

function validate(o: SynthOptions): void {
  const int = (name: keyof SynthOptions, min: number): void => {
    const v = o[name];
    if (!Number.isInteger(v) || v < min)
      throw new RangeError(`synth: ${name} must be an integer >= ${min}, got ${v}`);
  };
  int("users", 1);
  int("concepts", 1);
  int("items", o.concepts);
  int("minInteractions", 1);
  int("maxActiveConcepts", 1);
  if (!Number.isFinite(o.seed)) throw new RangeError(`synth: seed must be a finite number, got ${o.seed}`);
  if (o.minInteractions > o.items)
    throw new RangeError(`synth: minInteractions ${o.minInteractions} exceeds items ${o.items}`);
  if (!(o.meanInteractions >= o.minInteractions)) {
    throw new RangeError(
      `synth: meanInteractions must be >= minInteractions (${o.minInteractions}), got ${o.meanInteractions}`,
    );
  }
  for (const name of ["noiseRate", "secondaryRate"] as const) {
    if (!(o[name] >= 0 && o[name] <= 1))
      throw new RangeError(`synth: ${name} must be in [0, 1], got ${o[name]}`);
  }
  for (const name of ["dirichletAlpha", "zipfExponent"] as const) {
    if (!(o[name] >= 0) || !Number.isFinite(o[name]) || (name === "dirichletAlpha" && o[name] === 0)) {
      throw new RangeError(
        `synth: ${name} must be ${name === "dirichletAlpha" ? "> 0" : ">= 0"}, got ${o[name]}`,
      );
    }
  }
}

/**
 * Generates implicit feedback with a planted concept structure. Items are dealt evenly to concepts
 * (primary), some get a random secondary concept; within a concept items have Zipf weights. Each user
 * likes 1..maxActiveConcepts concepts with Dirichlet weights; each interaction is, with probability
 * noiseRate, a uniform item, otherwise an item of a concept drawn from the user's mixture (items
 * whose secondary concept it is join its pool at half weight), repeated until the user has their
 * count of distinct items. Timestamps follow the draw order. Concept families: "genre" (primary and
 * secondary flags) and "tag" (counts growing with item popularity, plus a few noise tags).
 */
export function generateSynthetic(options: Partial<SynthOptions> = {}): SynthResult {
  const o: SynthOptions = { ...DEFAULT_SYNTH_OPTIONS, ...options };
  validate(o);
  const root = new Rng(o.seed);
  const itemRng = root.fork();
  const userRng = root.fork();
  const drawRng = root.fork();
  const names = synthConceptNames(o.concepts);

  // Items: balanced primary concepts, random order within each concept gives the Zipf rank.
  const itemConcept = new Int32Array(o.items);
  const itemSecondary = new Int32Array(o.items).fill(-1);
  const itemWeight = new Float64Array(o.items);
  const perm = itemRng.permutation(o.items);
  for (let p = 0; p < o.items; p++) {
    const i = perm[p];
    itemConcept[i] = p % o.concepts;
    itemWeight[i] = 1 / Math.pow(Math.floor(p / o.concepts) + 1, o.zipfExponent);
  }
  for (let i = 0; i < o.items; i++) {
    if (o.concepts > 1 && itemRng.uniform() < o.secondaryRate) {
      const s = itemRng.int(o.concepts - 1);
      itemSecondary[i] = s >= itemConcept[i] ? s + 1 : s;
    }
  }
  const pools: { items: number[]; sampler: AliasSampler }[] = [];
  for (let c = 0; c < o.concepts; c++) {
    const items: number[] = [];
    const weights: number[] = [];
    for (let i = 0; i < o.items; i++) {
      const w =
        itemConcept[i] === c
          ? itemWeight[i]
          : itemSecondary[i] === c
            ? SECONDARY_POOL_WEIGHT * itemWeight[i]
            : 0;
      if (w > 0) {
        items.push(i);
        weights.push(w);
      }
    }
    pools.push({ items, sampler: new AliasSampler(weights) });
  }

  // Users: sparse mixtures and interaction counts.
  const mixtures = new Matrix(o.users, o.concepts);
  const userTopConcept = new Int32Array(o.users);
  const sigma = 0.6;
  const rowPtr = new Int32Array(o.users + 1);
  const drawn: Int32Array[] = [];
  const stamp = new Int32Array(o.items).fill(-1);
  for (let u = 0; u < o.users; u++) {
    const k = 1 + userRng.int(Math.min(o.maxActiveConcepts, o.concepts));
    const active = userRng.permutation(o.concepts).slice(0, k);
    const w = sampleDirichlet(userRng, o.dirichletAlpha, k);
    let top = 0;
    for (let a = 0; a < k; a++) {
      mixtures.set(u, active[a], w[a]);
      if (w[a] > w[top]) top = a;
    }
    userTopConcept[u] = active[top];
    const spread = Math.exp(sigma * userRng.normal() - (sigma * sigma) / 2);
    const n = Math.min(
      o.items,
      Math.max(
        o.minInteractions,
        Math.round(o.minInteractions + (o.meanInteractions - o.minInteractions) * spread),
      ),
    );
    const seq = new Int32Array(n);
    let got = 0;
    let attempts = 0;
    while (got < n && attempts < 50 * n) {
      attempts++;
      const item =
        drawRng.uniform() < o.noiseRate
          ? drawRng.int(o.items)
          : drawFromConcept(active[sampleCategorical(drawRng, w)]);
      if (stamp[item] !== u) {
        stamp[item] = u;
        seq[got++] = item;
      }
    }
    // Saturated pools (a user wanting more items than their concepts hold): fill uniformly.
    if (got < n) {
      for (const item of drawRng.permutation(o.items)) {
        if (got === n) break;
        if (stamp[item] !== u) {
          stamp[item] = u;
          seq[got++] = item;
        }
      }
    }
    drawn.push(seq);
    rowPtr[u + 1] = rowPtr[u] + n;
  }
  function drawFromConcept(c: number): number {
    const pool = pools[c];
    return pool.items[pool.sampler.sample(drawRng)];
  }

  // CSR with timestamps in draw order: a per-user start time plus exponential gaps (~1 day).
  const indices = new Int32Array(rowPtr[o.users]);
  const timestamps = new Float64Array(rowPtr[o.users]);
  for (let u = 0; u < o.users; u++) {
    const seq = drawn[u];
    const times = new Float64Array(seq.length);
    let t = 1_600_000_000 + userRng.int(365 * 86400);
    for (let p = 0; p < seq.length; p++) {
      t += Math.max(1, Math.round(-Math.log(1 - userRng.uniform()) * 86400));
      times[p] = t;
    }
    const order = Array.from(seq.keys()).sort((a, b) => seq[a] - seq[b]);
    order.forEach((p, q) => {
      indices[rowPtr[u] + q] = seq[p];
      timestamps[rowPtr[u] + q] = times[p];
    });
  }
  const matrix = new Csr(o.users, o.items, rowPtr, indices, new Float32Array(indices.length).fill(1));
  const truth: SynthTruth = {
    conceptNames: names,
    itemConcept,
    itemSecondary,
    itemWeight,
    userMixtures: mixtures,
    userTopConcept,
  };
  return { dataset: buildDataset(o, matrix, timestamps, truth, itemRng), truth };
}

function buildDataset(
  o: SynthOptions,
  matrix: Csr,
  timestamps: Float64Array,
  truth: SynthTruth,
  rng: Rng,
): Dataset {
  const { itemConcept, itemSecondary, conceptNames: names } = truth;
  const counts = new Float64Array(o.items);
  for (const i of matrix.indices) counts[i]++;
  const genreR: number[] = [];
  const genreC: number[] = [];
  const tagR: number[] = [];
  const tagC: number[] = [];
  const tagV: number[] = [];
  const add = (i: number, concept: number, tagCount: number): void => {
    genreR.push(i);
    genreC.push(concept);
    tagR.push(i);
    tagC.push(concept);
    tagV.push(tagCount);
  };
  for (let i = 0; i < o.items; i++) {
    const primaryCount = 1 + Math.floor(counts[i] / 10);
    add(i, itemConcept[i], primaryCount);
    if (itemSecondary[i] >= 0) add(i, itemSecondary[i], Math.max(1, Math.floor(primaryCount / 2)));
    if (rng.uniform() < 0.15) {
      tagR.push(i);
      tagC.push(o.concepts + rng.int(NOISE_TAGS.length));
      tagV.push(1);
    }
  }
  const genre: ItemConcepts = {
    kind: "genre",
    names: [...names],
    matrix: Csr.fromTriplets(o.items, o.concepts, genreR, genreC),
  };
  const tag: ItemConcepts = {
    kind: "tag",
    names: [...names.map(tagOf), ...NOISE_TAGS],
    matrix: Csr.fromTriplets(o.items, o.concepts + NOISE_TAGS.length, tagR, tagC, tagV),
  };
  const itemTitles = Array.from({ length: o.items }, (_, i) => `Item ${i} (${names[itemConcept[i]]})`);
  const itemText = itemTitles.map((title, i) => {
    const genres =
      itemSecondary[i] >= 0 ? `${names[itemConcept[i]]}, ${names[itemSecondary[i]]}` : names[itemConcept[i]];
    return `${title}. Genres: ${genres}.`;
  });
  return {
    name: "synthetic",
    source: `synth(users=${o.users}, items=${o.items}, concepts=${o.concepts}, seed=${o.seed})`,
    users: Array.from({ length: o.users }, (_, u) => `u${u}`),
    items: Array.from({ length: o.items }, (_, i) => `i${i}`),
    matrix,
    timestamps,
    itemTitles,
    itemText,
    concepts: [genre, tag],
  };
}
