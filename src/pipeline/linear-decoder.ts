import type { Recommender } from "../models/types.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";

/** Relative tolerance of the affinity check and of matching `encodeItems` (float32 decoders). */
const TOLERANCE = 1e-3;

function maxAbs(a: Float32Array | Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * The item matrix M (items x dim) of a recommender whose decoder is affine in the representation,
 * decode(z) = z M^T + c (c per item, independent of z): ELSA (A), MF (Q, item bias in c), LightGCN
 * and SASRec (the item table E), GRU4Rec (E W^T: its dense layer folded in, b E^T in c). Read off
 * the decoder itself, row j of M^T being decode(e_j) - decode(0); when that equals `encodeItems()`
 * the model's own matrix is returned. A decoder that is not affine (NCF's MLP head: a random probe
 * is not z M^T + c) or a model without item embeddings is refused with a clear error.
 */
export function linearItemMatrix(model: Recommender): Matrix {
  if (!model.encodeItems)
    throw new Error(
      `the prediction-aware loss needs a linear item decoder (encodeItems); model "${model.name}" has none`,
    );
  const d = model.dim;
  const probe = new Matrix(d + 2, d);
  for (let j = 0; j < d; j++) probe.set(j, j, 1);
  new Rng(17).fillNormal(probe.data.subarray((d + 1) * d), 0, 1);
  const s = model.decode(probe);
  const n = s.cols;
  const m = new Matrix(n, d);
  for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) m.data[i * d + j] = s.get(j, i) - s.get(d, i);
  // affinity: decode(z) - decode(0) must equal z M^T for a random z
  const z = probe.row(d + 1);
  const got = new Float64Array(n);
  const want = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    got[i] = s.get(d + 1, i) - s.get(d, i);
    let dot = 0;
    for (let j = 0; j < d; j++) dot += z[j] * m.data[i * d + j];
    want[i] = dot;
  }
  const diff = got.map((g, i) => g - want[i]);
  if (maxAbs(diff) > TOLERANCE * Math.max(1e-6, maxAbs(want)))
    throw new Error(
      `the prediction-aware loss needs a decoder linear in the representation; ${model.name}'s is not (train without --prediction)`,
    );
  const own = model.encodeItems();
  if (own.rows === n && own.cols === d) {
    const gap = own.data.map((v, t) => v - m.data[t]);
    if (maxAbs(gap) <= TOLERANCE * Math.max(1e-6, maxAbs(own.data))) return own;
  }
  return m;
}
