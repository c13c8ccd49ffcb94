import type { SparseCode } from "../sae/types.js";
import { checkLatent, mapCodeRows, type CodeRow } from "./code-row.js";

/** One knob of a boost: latent `neuron` receives share `alpha` of the row's activation mass. */
export interface Knob {
  readonly neuron: number;
  /** In [0, 1]; the alphas of one boost sum to at most 1. */
  readonly alpha: number;
}

/** Boost operator (Knots to Knobs): see {@link boostRow}. */
export interface BoostOp {
  readonly kind: "boost";
  readonly knobs: readonly Knob[];
}

/** Throws a clear error unless the knobs are valid for a code with dSae latents. */
export function validateKnobs(knobs: readonly Knob[], dSae: number, where = "boost"): void {
  let total = 0;
  const seen = new Set<number>();
  knobs.forEach((k, q) => {
    checkLatent(`${where}: knobs[${q}].neuron`, k.neuron, dSae);
    if (!(k.alpha >= 0 && k.alpha <= 1))
      throw new RangeError(`${where}: knobs[${q}].alpha must be in [0, 1], got ${k.alpha}`);
    if (seen.has(k.neuron)) throw new RangeError(`${where}: knobs[${q}] repeats neuron ${k.neuron}`);
    seen.add(k.neuron);
    total += k.alpha;
  });
  if (total > 1 + 1e-9) throw new RangeError(`${where}: the knobs' alphas sum to ${total}, more than 1`);
}

/**
 * Boosts one code row towards the knobs' latents (Knots to Knobs): with S = sum of the row's
 * activations, z_bar = z / S (unit sum) and A = sum of the alphas,
 *   z' = S * [(1 - A) z_bar + sum_j alpha_j e_j] = (1 - A) z + S sum_j alpha_j e_j.
 * Multiplying back by S keeps the row's total activation S unchanged (z' sums to S), so a boosted
 * code stays on the scale the SAE decoder was trained on, and a neuron pushed to share alpha_j
 * gets an activation comparable to the row's existing ones. The second form is what is computed
 * (in float64): no division, so alpha = 0 returns the row bit for bit. Activations must be
 * non-negative (ReLU-family SAEs); a row whose sum is 0 (no active latent) has no scale to restore
 * and is left unchanged.
 */
export function boostRow(row: CodeRow, knobs: readonly Knob[]): void {
  let s = 0;
  for (const [j, v] of row.items()) {
    if (!(v >= 0))
      throw new RangeError(
        `boost: row ${row.row} has activation ${v} at latent ${j}; boosting needs non-negative activations`,
      );
    s += v;
  }
  if (s === 0) return;
  let a = 0;
  for (const k of knobs) a += k.alpha;
  if (a === 0) return;
  row.scaleAll(1 - a);
  for (const k of knobs) row.set(k.neuron, row.get(k.neuron) + k.alpha * s);
}

/** A new code with every row boosted by the same knobs ({@link boostRow}); `code` is not modified. */
export function boostCode(code: SparseCode, knobs: readonly Knob[]): SparseCode {
  validateKnobs(knobs, code.dSae);
  return mapCodeRows(code, (row) => boostRow(row, knobs));
}
