import { CodeBuilder } from "../sae/code.js";
import type { SparseCode } from "../sae/types.js";

/**
 * One row of a sparse code being edited, values held in float64. Entries keep their original order;
 * new latents are appended; a latent set to 0 is removed (codes store non-zeros only).
 */
export class CodeRow {
  private readonly entries = new Map<number, number>();

  /** The row's entries (latent, value) in stored order. */
  constructor(
    readonly row: number,
    readonly dSae: number,
    indices: ArrayLike<number>,
    values: ArrayLike<number>,
  ) {
    for (let p = 0; p < indices.length; p++) this.entries.set(indices[p], values[p]);
  }

  /** Activation of latent j (0 when inactive). */
  get(j: number): number {
    return this.entries.get(j) ?? 0;
  }

  /** Sets latent j to v (removes it when v is 0). */
  set(j: number, v: number): void {
    if (v === 0) this.entries.delete(j);
    else this.entries.set(j, v);
  }

  /** Multiplies every entry by f. */
  scaleAll(f: number): void {
    for (const [j, v] of this.entries) this.set(j, v * f);
  }

  /** Sum of the activations. */
  sum(): number {
    let s = 0;
    for (const v of this.entries.values()) s += v;
    return s;
  }

  /** Entries in stored order. */
  items(): IterableIterator<[number, number]> {
    return this.entries.entries();
  }

  /** Number of active latents. */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * A new code whose row r is row r of `code` after `edit` has changed it (values are computed in
 * float64 and rounded to float32 once; a row `edit` leaves alone comes out bit for bit the same).
 * `code` is never modified; per-row statistics are copied.
 */
export function mapCodeRows(code: SparseCode, edit: (row: CodeRow) => void): SparseCode {
  const b = new CodeBuilder(code.rows, code.dSae, Math.max(16, code.indptr[code.rows] + code.rows));
  for (let r = 0; r < code.rows; r++) {
    const s = code.indptr[r];
    const e = code.indptr[r + 1];
    const row = new CodeRow(r, code.dSae, code.indices.subarray(s, e), code.values.subarray(s, e));
    edit(row);
    for (const [j, v] of row.items()) {
      const f = Math.fround(v);
      if (f !== 0) b.push(j, f);
    }
    b.endRow();
  }
  return b.build({
    ...(code.rowMean ? { rowMean: code.rowMean.slice() } : {}),
    ...(code.rowScale ? { rowScale: code.rowScale.slice() } : {}),
  });
}

/** Throws unless j is a latent index of a code with dSae latents; `where` names the caller and field. */
export function checkLatent(where: string, j: number, dSae: number): void {
  if (!(Number.isInteger(j) && j >= 0 && j < dSae))
    throw new RangeError(`${where}: latent ${j} is not an integer in [0, ${dSae})`);
}
