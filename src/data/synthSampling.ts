import type { Rng } from "../tensor/rng.js";

/** Fake genre names for planted synthetic data; beyond the list names fall back to "concept-NN". */
const GENRES = [
  "Noir",
  "Space Opera",
  "Cozy Mystery",
  "Heist",
  "Folk Horror",
  "Cyberpunk",
  "Rom-Com",
  "Western",
  "Kaiju",
  "Courtroom",
  "Steampunk",
  "Slasher",
  "Sports Drama",
  "Time Travel",
  "Musical",
  "War Epic",
  "Survival",
  "Spy Thriller",
  "Fairy Tale",
  "Nature Documentary",
  "Road Movie",
  "Martial Arts",
  "Period Drama",
  "Mockumentary",
];

/** `n` distinct concept names: the fake genre list first, then "concept-24", "concept-25", ... */
export function synthConceptNames(n: number): string[] {
  return Array.from({ length: n }, (_, c) =>
    c < GENRES.length ? GENRES[c] : `concept-${String(c).padStart(2, "0")}`,
  );
}

/** Tag form of a concept name: lower case, spaces as hyphens ("Space Opera" -> "space-opera"). */
export function tagOf(name: string): string {
  return name.toLowerCase().replace(/\s+/g, "-");
}

/** Gamma(shape, 1) sample (Marsaglia & Tsang 2000; shape < 1 via the U^(1/shape) boost). */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`sampleGamma: shape must be > 0, got ${shape}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.uniform();
    return sampleGamma(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Symmetric Dirichlet(alpha) sample of length k (normalised gamma draws). */
export function sampleDirichlet(rng: Rng, alpha: number, k: number): Float64Array {
  const out = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < k; i++) {
    out[i] = sampleGamma(rng, alpha);
    total += out[i];
  }
  if (total === 0) {
    out.fill(1 / k);
    return out;
  }
  for (let i = 0; i < k; i++) out[i] /= total;
  return out;
}

/** Index drawn with probability proportional to `weights` (linear scan; for short lists). */
export function sampleCategorical(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let r = rng.uniform() * total;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] > 0) last = i;
    r -= weights[i];
    if (r < 0 && weights[i] > 0) return i;
  }
  if (last < 0) throw new RangeError("sampleCategorical: all weights are zero");
  return last;
}
