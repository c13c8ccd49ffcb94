import type { Recommender, UserBatch } from "../models/types.js";
import { linearItemMatrix } from "../pipeline/linear-decoder.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { ExactItemIndex } from "./exact.js";

/**
 * A recommender's decoder as an item index: decode(z, batch) = z V^T + b + s * x, with V the item
 * matrix (linearItemMatrix: ELSA's A, MF's Q, LightGCN's and SASRec's item tables, GRU4Rec's E W^T),
 * b the per-item constant (MF's item bias, GRU4Rec's b E^T; null when zero) and s the coefficient
 * of the batch's own interaction values x on their items (ELSA's "- x": -1; others 0).
 */
export interface LinearServingView {
  readonly index: ExactItemIndex;
  readonly seenCoef: 0 | -1;
  /** V is the model's own matrix (encodeItems), so one-row scores equal decode bit for bit. */
  readonly ownMatrix: boolean;
}

/**
 * Reads the linear view of `model`'s decoder, or null when the decoder is not affine in the
 * representation (NCF, MultVAE, EASE) or has a batch term other than s * x with s in {0, -1}.
 * Costs dim + 4 decodes over every item (once per model).
 */
export function linearServingView(model: Recommender): LinearServingView | null {
  if (!model.encodeItems || model.dim === 0) return null;
  let items: Matrix;
  try {
    items = linearItemMatrix(model);
  } catch {
    return null;
  }
  const d = model.dim;
  const n = model.nItems;
  const zero = new Matrix(1, d);
  let c: Float32Array;
  let withSeen: Float32Array;
  try {
    c = model.decode(zero).data;
    const probe: UserBatch = {
      rows: Csr.fromTriplets(1, n, [0], [0], [1]),
      userIds: Int32Array.of(0),
      sequences: [Int32Array.of(0)],
    };
    withSeen = model.decode(zero, probe).data;
  } catch {
    return null;
  }
  if (c.length !== n || withSeen.length !== n) return null;
  for (let i = 1; i < n; i++) if (withSeen[i] !== c[i]) return null;
  const s = withSeen[0] - c[0];
  if (s !== 0 && s !== -1) return null;
  const bias = c.some((v) => v !== 0) ? Float32Array.from(c) : null;
  const own = model.encodeItems();
  return {
    index: new ExactItemIndex(items, bias),
    seenCoef: s === 0 ? 0 : -1,
    ownMatrix: items === own || (items.rows === own.rows && items.data.every((v, t) => v === own.data[t])),
  };
}
