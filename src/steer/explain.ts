import { servedScores } from "../index/serving.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { NestedRecommender } from "../nested/nested.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { linearise } from "./explain-decoder.js";
import { splitReconstruction } from "./explain-split.js";
import { steerCode, type SteerPlan } from "./ops.js";

/** One active neuron's part of an item's score. */
export interface NeuronContribution {
  readonly neuron: number;
  /** Its activation in the (steered) code. */
  readonly activation: number;
  /** Its additive part of the score (exact for affine decoders; gradient x activation for MultVAE). */
  readonly contribution: number;
}

/**
 * An item's served score split into parts that sum to it:
 * score = sum(neurons[].contribution) + decoderBias + error + itemTerm + nonLinear.
 * With r the representation handed to the recommender's decoder (the SAE reconstruction of the
 * steered code plus, when served so, the reconstruction error) and g the item's decoder row
 * (affine decoders) or the gradient of its score at r (MultVAE):
 * - neuron j: g . (c_j W_j), with the SAE's input normalisation undone (see explain-split.ts);
 * - decoderBias: g . b_dec (normalisation undone: scale * b_dec + mean);
 * - error: g . (r - D_s(code)), the reconstruction error added back (the unsteered code's
 *   z - D_s(E_s(z)); only float32 rounding when the error is not added back);
 * - itemTerm: the decoder's constant (MF's item bias, ELSA's "- x" on seen items, MultVAE's b2);
 * - nonLinear: 0 for affine decoders; for MultVAE score - itemTerm - g . r, what the first-order
 *   split through the tanh layer does not attribute.
 */
export interface ItemScoreSplit {
  readonly item: number;
  /** The served score of the item (the nested model's, float32). */
  readonly score: number;
  readonly method: "exact" | "gradient";
  /** Every active neuron of the code, by |contribution| descending (ties: lower neuron first). */
  readonly neurons: NeuronContribution[];
  readonly decoderBias: number;
  readonly error: number;
  readonly itemTerm: number;
  readonly nonLinear: number;
}

/** Options of {@link explainItems}. */
export interface ExplainOptions {
  /** Steering ops applied to the code before it is decoded (as steer/recommend.ts does). */
  readonly steer?: SteerPlan;
  /** Add the SAE's reconstruction error back (default true, as steer/recommend.ts serves). */
  readonly addError?: boolean;
}

/** What {@link explainItems} returns: the (steered) code explained and one split per item. */
export interface ItemsExplanation {
  readonly code: SparseCode;
  readonly items: ItemScoreSplit[];
}

function dot(g: Float32Array, v: ArrayLike<number>): number {
  let s = 0;
  for (let c = 0; c < g.length; c++) s += g[c] * v[c];
  return s;
}

/**
 * "Why this item": splits the nested model's score of each of `items` for the one user of `batch`
 * over the active neurons of their (optionally steered) SAE code, plus the bias, reconstruction
 * error, item and non-linear terms (see {@link ItemScoreSplit}). Scores are formed exactly as
 * steer/recommend.ts forms them (same encoding, steering and error handling), so `score` is the
 * score of the served list. Float64 sums over float32 weights; the parts of an affine decoder sum to
 * the score up to float32 rounding.
 */
export function explainItems(
  model: Recommender,
  sae: Sae,
  batch: UserBatch,
  items: Int32Array,
  opts: ExplainOptions = {},
): ItemsExplanation {
  if (batch.rows.rows !== 1)
    throw new RangeError(`explainItems: the batch must hold one user, got ${batch.rows.rows}`);
  const nested = new NestedRecommender(model, sae);
  const enc = nested.encodeWithError(batch);
  const code = opts.steer ? steerCode(enc.code, opts.steer) : enc.code;
  const rep = nested.representationFromCode(code, (opts.addError ?? true) ? { addError: enc } : {});
  const scores = servedScores(model, rep, batch); // what serving ranks by (index/serving.ts)
  const split = splitReconstruction(sae, code, 0);
  const d = rep.cols;
  const error = Float64Array.from(rep.data, (v, c) => v - split.reconstruction[c]);
  const lin = linearise(model, rep, batch, items);
  const out = Array.from(items, (item, t): ItemScoreSplit => {
    const g = lin.grad.data.subarray(t * d, (t + 1) * d);
    const score = scores.data[item];
    const neurons = Array.from(split.neurons, (neuron, q): NeuronContribution => ({
      neuron,
      activation: split.activations[q],
      contribution: dot(g, split.parts[q]),
    })).sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || a.neuron - b.neuron);
    const itemTerm = lin.itemTerm[t];
    return {
      item,
      score,
      method: lin.method,
      neurons,
      decoderBias: dot(g, split.bias),
      error: dot(g, error),
      itemTerm,
      nonLinear: lin.method === "exact" ? 0 : score - itemTerm - dot(g, rep.data),
    };
  });
  return { code, items: out };
}
