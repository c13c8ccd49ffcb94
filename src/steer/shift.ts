import type { SparseCode } from "../sae/types.js";
import { checkLatent, mapCodeRows, type CodeRow } from "./code-row.js";

/** One knob of a shift: latent `neuron` gains `amount` times the row's activation mass. */
export interface ShiftKnob {
  readonly neuron: number;
  /** Finite and >= 0; 0 changes nothing. A multiple of the row's activation sum S. */
  readonly amount: number;
}

/**
 * Shift operator (reclens's default, additive): see {@link shiftRow}. Unlike the convex blend of
 * {@link boostRow} it leaves every other latent, hence the user's own taste, untouched.
 */
export interface ShiftOp {
  readonly kind: "shift";
  readonly knobs: readonly ShiftKnob[];
}

/** Throws a clear error unless the knobs are valid for a code with dSae latents. */
export function validateShift(knobs: readonly ShiftKnob[], dSae: number, where = "shift"): void {
  const seen = new Set<number>();
  knobs.forEach((k, q) => {
    checkLatent(`${where}: knobs[${q}].neuron`, k.neuron, dSae);
    if (!(k.amount >= 0 && Number.isFinite(k.amount)))
      throw new RangeError(`${where}: knobs[${q}].amount must be a finite number >= 0, got ${k.amount}`);
    if (seen.has(k.neuron)) throw new RangeError(`${where}: knobs[${q}] repeats neuron ${k.neuron}`);
    seen.add(k.neuron);
  });
}

/**
 * Adds to each knob's latent its amount times the row's activation sum S (taken before the shift):
 *   z'_j = z_j + amount_j * S,  every other latent unchanged.
 * The scale S comes from the user's own code, so an amount means the same relative push for a user
 * with a strong or a faint code; through a linear decoder the representation moves by
 * amount * S * (decoder row j) and nothing else, so the user's taste is kept in full while the concept
 * is added (the convex blend instead shrinks the taste by 1 - alpha). Amount 0 returns the row bit
 * for bit. Activations must be non-negative (ReLU-family SAEs); a row whose sum is 0 has no scale
 * and is left unchanged.
 */
export function shiftRow(row: CodeRow, knobs: readonly ShiftKnob[]): void {
  let s = 0;
  for (const [j, v] of row.items()) {
    if (!(v >= 0))
      throw new RangeError(
        `shift: row ${row.row} has activation ${v} at latent ${j}; shifting needs non-negative activations`,
      );
    s += v;
  }
  if (s === 0) return;
  for (const k of knobs) if (k.amount !== 0) row.set(k.neuron, row.get(k.neuron) + k.amount * s);
}

/** A new code with every row shifted by the same knobs ({@link shiftRow}); `code` is not modified. */
export function shiftCode(code: SparseCode, knobs: readonly ShiftKnob[]): SparseCode {
  validateShift(knobs, code.dSae);
  return mapCodeRows(code, (row) => shiftRow(row, knobs));
}
