import { Unavailable } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { linearItemMatrix } from "../pipeline/linear-decoder.js";
import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";

/**
 * The recommender's decoder around one representation r (1 x dim), for a few items:
 * score_i(r) = grad_i . r + itemTerm_i + nonLinear_i, where
 * - exact (affine decoders: ELSA, MF, LightGCN, SASRec, GRU4Rec): grad_i is the item's row of the
 *   decoder matrix, itemTerm_i the decoder's constant (MF's item bias, ELSA's "- x" on seen items)
 *   and nonLinear_i = 0 for every r;
 * - gradient (MultVAE's [d -> hidden (tanh) -> items] decoder): grad_i = d score_i / d r at r,
 *   itemTerm_i the final layer's bias b2_i (exact), nonLinear_i = score_i - b2_i - grad_i . r (what a
 *   first-order split through the tanh layer leaves over).
 */
export interface DecoderLinearisation {
  readonly method: "exact" | "gradient";
  /** items.length x dim: row t is grad of item items[t]. */
  readonly grad: Matrix;
  /** Per item (float64): the decoder's constant term. */
  readonly itemTerm: Float64Array;
}

/** A MultVAE-style decoder: logits = tanh(z w1 + b1) w2 + b2 (see MultVae.decoderWeights). */
export interface TanhMlpDecoder {
  decoderWeights(): { w1: Matrix; b1: Matrix; w2: Matrix; b2: Matrix };
}

function isTanhMlp(model: Recommender): model is Recommender & TanhMlpDecoder {
  return typeof (model as Partial<TanhMlpDecoder>).decoderWeights === "function";
}

/** Decoder matrices of affine models, read once per model (d + 2 decodes over every item). */
const itemMatrices = new WeakMap<Recommender, Matrix | Error>();

function affineItemMatrix(model: Recommender): Matrix {
  let m = itemMatrices.get(model);
  if (m === undefined) {
    try {
      m = linearItemMatrix(model);
    } catch (err) {
      m = err instanceof Error ? err : new Error(String(err));
    }
    itemMatrices.set(model, m);
  }
  if (m instanceof Error)
    throw new Unavailable(
      `"why this item" needs a decoder linear in the representation (ELSA, MF, LightGCN, SASRec, GRU4Rec) or MultVAE's; ${model.name}'s is neither`,
      "explain",
    );
  return m;
}

function checkItems(model: Recommender, items: Int32Array): void {
  for (const i of items)
    if (!(Number.isInteger(i) && i >= 0 && i < model.nItems))
      throw new RangeError(`explain: item ${i} out of range [0, ${model.nItems})`);
}

/**
 * Linearises the decoder of `model` at representation `r` (1 x dim) for `items`; `batch` (one row)
 * is the batch r was encoded from (the affine decoders' constant may depend on it, e.g. ELSA).
 * A decoder that is neither affine nor MultVAE's (NCF's MLP head, EASE) is Unavailable.
 */
export function linearise(
  model: Recommender,
  r: Matrix,
  batch: UserBatch,
  items: Int32Array,
): DecoderLinearisation {
  if (r.rows !== 1 || r.cols !== model.dim)
    throw new RangeError(`explain: representation is ${r.shape}, expected 1x${model.dim}`);
  checkItems(model, items);
  const d = model.dim;
  const n = items.length;
  if (isTanhMlp(model)) {
    const { w1, b1, w2, b2 } = model.decoderWeights();
    const h = w1.cols;
    const pre = kernels().gemm(false, false, 1, r, w1, 0, new Matrix(1, h));
    // a[t, k] = (1 - tanh(pre_k)^2) w2[k, items[t]]; grad = a w1^T
    const a = new Matrix(n, h);
    for (let k = 0; k < h; k++) {
      const t1 = Math.tanh(pre.data[k] + b1.data[k]);
      const slope = 1 - t1 * t1;
      for (let t = 0; t < n; t++) a.data[t * h + k] = slope * w2.data[k * w2.cols + items[t]];
    }
    const grad = kernels().gemm(false, true, 1, a, w1, 0, new Matrix(n, d));
    return { method: "gradient", grad, itemTerm: Float64Array.from(items, (i) => b2.data[i]) };
  }
  const m = affineItemMatrix(model);
  const grad = new Matrix(n, d);
  items.forEach((i, t) => grad.data.set(m.data.subarray(i * d, (i + 1) * d), t * d));
  const constant = model.decode(new Matrix(1, d), batch);
  return { method: "exact", grad, itemTerm: Float64Array.from(items, (i) => constant.data[i]) };
}
