import type { SparseCode } from "../sae/types.js";
import { checkLatent, mapCodeRows, type CodeRow } from "./code-row.js";

/** Clamp: set one latent to a fixed activation, whatever it was. */
export interface ClampOp {
  readonly kind: "clamp";
  readonly neuron: number;
  /** Finite; 0 removes the latent. */
  readonly value: number;
}

/** Throws a clear error unless the clamp is valid for a code with dSae latents. */
export function validateClamp(neuron: number, value: number, dSae: number, where = "clamp"): void {
  checkLatent(`${where}: neuron`, neuron, dSae);
  if (!Number.isFinite(value)) throw new RangeError(`${where}: value must be finite, got ${value}`);
}

/** z'_neuron = value (activated if it was inactive). */
export function clampRow(row: CodeRow, neuron: number, value: number): void {
  row.set(neuron, value);
}

/** A new code with the latent clamped in every row ({@link clampRow}); `code` is not modified. */
export function clampCode(code: SparseCode, neuron: number, value: number): SparseCode {
  validateClamp(neuron, value, code.dSae);
  return mapCodeRows(code, (row) => clampRow(row, neuron, value));
}
