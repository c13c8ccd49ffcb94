import type { SparseCode } from "../sae/types.js";
import { checkLatent, mapCodeRows, type CodeRow } from "./code-row.js";

/** Suppression: multiply latents by `factor` (default 0: switch them off). */
export interface SuppressOp {
  readonly kind: "suppress";
  readonly neurons: readonly number[];
  /** Finite and >= 0; 0 removes the latents, values in (0, 1) weaken them. */
  readonly factor?: number;
}

/** Throws a clear error unless the suppression is valid for a code with dSae latents. */
export function validateSuppress(
  neurons: readonly number[],
  factor: number,
  dSae: number,
  where = "suppress",
): void {
  neurons.forEach((j, q) => checkLatent(`${where}: neurons[${q}]`, j, dSae));
  if (!(factor >= 0 && Number.isFinite(factor)))
    throw new RangeError(`${where}: factor must be a finite number >= 0, got ${factor}`);
}

/** z'_j = factor * z_j for each listed latent j (other latents untouched; inactive ones stay 0). */
export function suppressRow(row: CodeRow, neurons: readonly number[], factor = 0): void {
  for (const j of new Set(neurons)) row.set(j, row.get(j) * factor);
}

/** A new code with the latents suppressed in every row ({@link suppressRow}); `code` is not modified. */
export function suppressCode(code: SparseCode, neurons: readonly number[], factor = 0): SparseCode {
  validateSuppress(neurons, factor, code.dSae);
  return mapCodeRows(code, (row) => suppressRow(row, neurons, factor));
}
