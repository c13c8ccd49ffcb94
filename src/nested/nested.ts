import type { Recommender, UserBatch } from "../models/types.js";
import { Matrix } from "../tensor/matrix.js";
import type { Sae, SparseCode } from "../sae/types.js";

/**
 * One batch pushed through the first half of the nested model: the probing-site representation
 * z = E_c(x), its SAE code E_s(z) and the code's reconstruction D_s(E_s(z)). Everything needed to
 * add the SAE's reconstruction error e = z - D_s(E_s(z)) back after the code has been edited.
 */
export interface NestedEncoding {
  /** Probing-site representation (users x dim), as the recommender produced it. */
  readonly z: Matrix;
  /** SAE code of z. */
  readonly code: SparseCode;
  /** D_s(code) in the caller's space (users x dim). */
  readonly reconstruction: Matrix;
}

/** Options of {@link NestedRecommender.scoresFromCode}. */
export interface NestedScoreOptions {
  /**
   * Adds the SAE's reconstruction error back so that unedited rows score exactly as the original
   * recommender. Two forms:
   * - a {@link NestedEncoding} of the same batch (preferred). Row r of the representation handed to
   *   the recommender's decoder is z_r itself when row r of `code` holds the same entries as the
   *   encoding's code (order ignored, same per-row statistics), bit for bit; otherwise
   *   z_r + (D_s(code)_r - D_s(E_s(z))_r), which equals D_s(code)_r + e_r in exact arithmetic.
   *   Writing it as a delta from z is what makes the unedited case exact in float32.
   * - a plain error matrix e (users x dim): D_s(code) + e, equal to z for an unedited code only up
   *   to float32 rounding.
   * Without it, the representation is D_s(code) (the pure nested model).
   */
  readonly addError?: NestedEncoding | Matrix;
}

/**
 * The nested model D_c(D_s(E_s(E_c(x)))) (Knots to Knobs): a recommender (E_c = encodeUsers,
 * D_c = decode) with a frozen SAE (E_s, D_s) spliced in at its probing site. Steering edits the
 * SAE code between E_s and D_s.
 */
export class NestedRecommender {
  /** `sae.dIn` must equal `model.dim` (the model must be fitted). */
  constructor(
    readonly model: Recommender,
    readonly sae: Sae,
  ) {
    if (model.dim === 0) throw new Error(`NestedRecommender: model "${model.name}" is not fitted (dim 0)`);
    if (sae.dIn !== model.dim) {
      throw new RangeError(
        `NestedRecommender: SAE input width ${sae.dIn} does not match ${model.name}'s probing site width ${model.dim}`,
      );
    }
  }

  /** SAE code of the batch's probing-site representation, E_s(E_c(x)). */
  encode(batch: UserBatch): SparseCode {
    return this.sae.encode(this.model.encodeUsers(batch));
  }

  /** z, its code and its reconstruction (see {@link NestedEncoding}). */
  encodeWithError(batch: UserBatch): NestedEncoding {
    const z = this.model.encodeUsers(batch);
    const code = this.sae.encode(z);
    return { z, code, reconstruction: this.sae.decode(code) };
  }

  /** The reconstruction error e = z - D_s(E_s(z)) of an encoding (users x dim, new matrix). */
  static reconstructionError(enc: NestedEncoding): Matrix {
    const e = new Matrix(enc.z.rows, enc.z.cols);
    for (let t = 0; t < e.data.length; t++) e.data[t] = enc.z.data[t] - enc.reconstruction.data[t];
    return e;
  }

  /**
   * The representation handed to the recommender's decoder for a (possibly edited) code: D_s(code),
   * with the reconstruction error added back as described in {@link NestedScoreOptions}.
   */
  representationFromCode(code: SparseCode, opts: NestedScoreOptions = {}): Matrix {
    if (code.dSae !== this.sae.dSae)
      throw new RangeError(`NestedRecommender: code has dSae ${code.dSae}, the SAE has ${this.sae.dSae}`);
    const add = opts.addError;
    if (add === undefined) return this.sae.decode(code);
    if (add instanceof Matrix) {
      if (add.rows !== code.rows || add.cols !== this.sae.dIn) {
        throw new RangeError(
          `NestedRecommender: addError is ${add.shape}, expected ${code.rows}x${this.sae.dIn}`,
        );
      }
      const out = this.sae.decode(code);
      for (let t = 0; t < out.data.length; t++) out.data[t] += add.data[t];
      return out;
    }
    if (add.code.rows !== code.rows || add.z.rows !== code.rows) {
      throw new RangeError(
        `NestedRecommender: addError encodes ${add.z.rows} rows but the code has ${code.rows}`,
      );
    }
    const changed = changedRows(add.code, code);
    if (changed.length === 0) return add.z;
    const out = add.z.clone();
    const rec = this.sae.decode(code);
    const n = out.cols;
    for (const r of changed) {
      const o = r * n;
      for (let c = 0; c < n; c++)
        out.data[o + c] = add.z.data[o + c] + (rec.data[o + c] - add.reconstruction.data[o + c]);
    }
    return out;
  }

  /** Item scores (users x items) of a (possibly edited) code: D_c(representationFromCode(code), batch). */
  scoresFromCode(code: SparseCode, batch: UserBatch, opts: NestedScoreOptions = {}): Matrix {
    if (code.rows !== batch.rows.rows)
      throw new RangeError(
        `NestedRecommender.scoresFromCode: code has ${code.rows} rows but the batch has ${batch.rows.rows}`,
      );
    return this.model.decode(this.representationFromCode(code, opts), batch);
  }

  /**
   * Scores of the nested model, D_c(D_s(E_s(E_c(x)))). With `addError` the error is added back,
   * which reproduces `model.scoreUsers(batch)` exactly.
   */
  nestedScores(batch: UserBatch, opts: { readonly addError?: boolean } = {}): Matrix {
    if (opts.addError) {
      const enc = this.encodeWithError(batch);
      return this.scoresFromCode(enc.code, batch, { addError: enc });
    }
    return this.scoresFromCode(this.encode(batch), batch);
  }
}

/**
 * Rows whose entries differ between two codes of the same shape (as sets of (latent, value) pairs,
 * order ignored; per-row statistics compared too), ascending.
 */
export function changedRows(a: SparseCode, b: SparseCode): number[] {
  if (a.rows !== b.rows || a.dSae !== b.dSae)
    throw new RangeError(`changedRows: codes are ${a.rows}x${a.dSae} and ${b.rows}x${b.dSae}`);
  const scratch = new Float64Array(a.dSae);
  const present = new Uint8Array(a.dSae);
  const out: number[] = [];
  for (let r = 0; r < a.rows; r++) {
    const as = a.indptr[r];
    const ae = a.indptr[r + 1];
    const bs = b.indptr[r];
    const be = b.indptr[r + 1];
    let same =
      ae - as === be - bs && sameStat(a.rowMean, b.rowMean, r) && sameStat(a.rowScale, b.rowScale, r);
    if (same) {
      for (let p = as; p < ae; p++) {
        scratch[a.indices[p]] = a.values[p];
        present[a.indices[p]] = 1;
      }
      for (let p = bs; p < be && same; p++) {
        const j = b.indices[p];
        same = present[j] === 1 && scratch[j] === b.values[p];
        if (same) present[j] = 2; // a repeated latent in b cannot match twice
      }
      for (let p = as; p < ae; p++) present[a.indices[p]] = 0;
    }
    if (!same) out.push(r);
  }
  return out;
}

function sameStat(a: Float32Array | undefined, b: Float32Array | undefined, r: number): boolean {
  const x = a ? a[r] : undefined;
  const y = b ? b[r] : undefined;
  return x === y;
}
