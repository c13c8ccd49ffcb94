import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import type { ShiftKnob } from "./shift.js";

/**
 * Code-space directions for the shift operator (shift.ts) beyond one neuron, all metadata-free:
 * - a knob direction: several neurons with weights summing to 1 (a concept's "direction" mapping,
 *   concepts/concept-knobs.ts), shifted together: z' = z + A * S * sum_n w_n e_n;
 * - a personal direction: the unit-sum mean SAE code of the user's own best-scored items among the
 *   knob's items ("the concept items nearest the user"), so the shift pulls the user towards the
 *   part of the concept they would like rather than its globally typical items.
 * The knob's items come from the SAE alone: item activations Z (items x neurons, the labeller's
 * E_s(E_c(onehot(i)))), never from item metadata.
 */

/** A direction in code space: latents with non-negative weights summing to 1. */
export type CodeDirection = readonly { readonly neuron: number; readonly weight: number }[];

/** Throws unless `dir` is a non-empty list of distinct latents in [0, dSae) with weights >= 0 summing to 1. */
export function checkDirection(dir: CodeDirection, dSae: number, where = "direction"): void {
  if (dir.length === 0) throw new RangeError(`${where}: no neuron`);
  const seen = new Set<number>();
  let total = 0;
  dir.forEach((d, q) => {
    if (!(Number.isInteger(d.neuron) && d.neuron >= 0 && d.neuron < dSae))
      throw new RangeError(`${where}[${q}].neuron: ${d.neuron} is not a latent in [0, ${dSae})`);
    if (!(d.weight >= 0 && Number.isFinite(d.weight)))
      throw new RangeError(`${where}[${q}].weight must be finite and >= 0, got ${d.weight}`);
    if (seen.has(d.neuron)) throw new RangeError(`${where}[${q}] repeats neuron ${d.neuron}`);
    seen.add(d.neuron);
    total += d.weight;
  });
  if (Math.abs(total - 1) > 1e-6) throw new RangeError(`${where}: weights sum to ${total}, not 1`);
}

/**
 * The mix (1 - share) * a + share * b of two directions (weights still sum to 1), by latent
 * ascending; share 0 returns a's latents, share 1 b's.
 */
export function mixDirections(a: CodeDirection, b: CodeDirection, share: number): CodeDirection {
  if (!(share >= 0 && share <= 1))
    throw new RangeError(`mixDirections: share must be in [0, 1], got ${share}`);
  const w = new Map<number, number>();
  for (const d of a) if (share < 1) w.set(d.neuron, (w.get(d.neuron) ?? 0) + (1 - share) * d.weight);
  for (const d of b) if (share > 0) w.set(d.neuron, (w.get(d.neuron) ?? 0) + share * d.weight);
  return Array.from(w, ([neuron, weight]) => ({ neuron, weight }))
    .filter((d) => d.weight > 0)
    .sort((x, y) => x.neuron - y.neuron);
}

/** The shift knobs of `dir` at amount A: latent n gets amount A * w_n (zero weights dropped). */
export function directionKnobs(dir: CodeDirection, amount: number): ShiftKnob[] {
  return dir.filter((d) => d.weight > 0).map((d) => ({ neuron: d.neuron, amount: amount * d.weight }));
}

/**
 * The knob's items: weight(i) = sum_n w_n Z[i, n] / max_i' Z[i', n] (each neuron's activations
 * scaled to [0, 1]); the `pool` items of largest weight > 0, heaviest first (ties: lower item).
 */
export function knobPool(z: Matrix, knob: CodeDirection, pool: number): Int32Array {
  if (!(Number.isInteger(pool) && pool >= 1))
    throw new RangeError(`knobPool: pool must be a positive integer, got ${pool}`);
  checkDirection(knob, z.cols, "knobPool: knob");
  const n = z.rows;
  const w = new Float64Array(n);
  for (const { neuron, weight } of knob) {
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, z.data[i * z.cols + neuron]);
    if (max > 0)
      for (let i = 0; i < n; i++) w[i] += (weight * Math.max(0, z.data[i * z.cols + neuron])) / max;
  }
  const items: number[] = [];
  for (let i = 0; i < n; i++) if (w[i] > 0) items.push(i);
  items.sort((a, b) => w[b] - w[a] || a - b);
  return Int32Array.from(items.slice(0, pool));
}

/**
 * The personal direction of one user: among `pool` (the knob's items), the `m` items with the
 * highest score in `scores` (the user's unsteered scores, one per item; non-finite ones skipped)
 * that the user has not seen (`seen`: their history, row `row` of a Csr), then the mean of those
 * items' rows of Z, normalised to sum 1. Null when no pool item is left or their codes are all zero
 * (the caller then falls back to the knob's own direction).
 */
export function personalDirection(
  z: Matrix,
  pool: Int32Array,
  scores: ArrayLike<number>,
  seen: Csr,
  row: number,
  m: number,
  within?: CodeDirection,
): CodeDirection | null {
  if (!(Number.isInteger(m) && m >= 1)) throw new RangeError(`personalDirection: m must be >= 1, got ${m}`);
  if (scores.length !== z.rows)
    throw new RangeError(`personalDirection: ${scores.length} scores for ${z.rows} items`);
  const had = new Set(seen.rowIndices(row));
  const cand = Array.from(pool).filter((i) => !had.has(i) && Number.isFinite(scores[i]));
  cand.sort((a, b) => scores[b] - scores[a] || a - b);
  const chosen = cand.slice(0, m);
  if (chosen.length === 0) return null;
  const sum = new Map<number, number>();
  let total = 0;
  const only = within ? new Map(within.map((d) => [d.neuron, d.weight])) : null;
  for (const i of chosen)
    for (let j = 0; j < z.cols; j++) {
      const v = z.data[i * z.cols + j] * (only ? (only.get(j) ?? 0) : 1);
      if (v > 0) {
        sum.set(j, (sum.get(j) ?? 0) + v);
        total += v;
      }
    }
  if (!(total > 0)) return null;
  return Array.from(sum, ([neuron, v]) => ({ neuron, weight: v / total })).sort(
    (a, b) => b.weight - a.weight || a.neuron - b.neuron,
  );
}
