import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/**
 * The steering operators that `reclens steer-eval` compares side by side, each driven by one
 * strength in [0, 1] (0 is the model's own list for all of them):
 * - "k2k": Knots to Knobs' published operator, the convex blend of the unit-sum code with
 *   one-hot(j) (boostRow), alpha = strength;
 * - "shift": the additive shift of latent j (shiftRow), the strength mapped to an amount by the
 *   SAE's metadata-free calibration (calibration.ts);
 * - "knob": re-ranking by the knob's own items, metadata-free: the user's scores min-max normalised
 *   over their unseen items plus strength times the neuron's item activation scaled to [0, 1]
 *   ({@link knobWeights}, {@link rerankScores}); measured weaker than "shift" (docs/quality-knobs.md);
 * - "rerank": metadata re-ranking reference, the same with the segment's 0/1 indicator in place of
 *   the neuron's activations; it needs item metadata at serving time, so it is the reference to
 *   approach, not a competitor;
 * - "inject": history injection, the segment's most popular items added to the user's input
 *   ({@link injectHistory}); only for models that encode an interaction history;
 * - "direction": reclens's default ({@link DEFAULT_OPERATOR}), the shift along the concept's
 *   direction mapping (several selective neurons with weights summing to 1, personal.ts
 *   directionKnobs), its own calibration;
 * - "personal": the shift along the unit-sum mean SAE code of the user's best-scored items among
 *   the knob's items (personal.ts personalDirection), its own calibration; metadata-free.
 */
export type OperatorName = "k2k" | "shift" | "knob" | "rerank" | "inject" | "direction" | "personal";

/** Every operator, in the order of the report. */
export const OPERATOR_NAMES: readonly OperatorName[] = [
  "k2k",
  "shift",
  "knob",
  "rerank",
  "inject",
  "direction",
  "personal",
];

/**
 * reclens's default steering operator (chosen by the frontier measurements in docs/quality-knobs.md): the
 * calibrated shift along the concept's direction, what `reclens recommend --boost` and the API serve.
 */
export const DEFAULT_OPERATOR: OperatorName = "direction";

/** Display titles of the operators. */
export const OPERATOR_TITLES: Readonly<Record<OperatorName, string>> = {
  k2k: "(a) Knots to Knobs blend",
  shift: "reclens shift, one neuron (calibrated)",
  knob: "knob re-rank (item activations)",
  rerank: "(c) metadata re-rank (reference)",
  inject: "(d) history injection",
  direction: "(b) reclens shift along the concept direction (calibrated, default)",
  personal: "personal shift (user's nearest knob items)",
};

/** Parses an operator name; throws listing the known ones. */
export function operatorName(v: string): OperatorName {
  if ((OPERATOR_NAMES as readonly string[]).includes(v)) return v as OperatorName;
  throw new RangeError(`unknown steering operator "${v}" (known: ${OPERATOR_NAMES.join(", ")})`);
}

/**
 * Re-ranking: row r of the result is row r of `scores` min-max normalised to [0, 1] over the items
 * not in row r of `seen` (and with a finite score), plus alpha * weight(r)[i]: the segment's 0/1
 * indicator (metadata re-ranking) or a knob's item weights in [0, 1] ({@link knobWeights}). Seen and
 * non-finite items get -Infinity (never ranked). A row whose unseen scores are all equal normalises
 * to 0. alpha 0 keeps every row's order.
 */
export function rerankScores(
  scores: Matrix,
  seen: Csr,
  inSegment: (r: number) => ArrayLike<number> | null,
  alpha: number,
): Matrix {
  if (seen.rows !== scores.rows || seen.cols !== scores.cols)
    throw new RangeError(`rerankScores: scores are ${scores.shape} but seen is ${seen.shape}`);
  if (!(alpha >= 0 && Number.isFinite(alpha)))
    throw new RangeError(`rerankScores: alpha must be a finite number >= 0, got ${alpha}`);
  const n = scores.cols;
  const out = new Matrix(scores.rows, n);
  const mask = new Uint8Array(n);
  for (let r = 0; r < scores.rows; r++) {
    const seg = inSegment(r);
    if (seg && seg.length !== n)
      throw new RangeError(`rerankScores: segment mask of row ${r} has ${seg.length} entries for ${n} items`);
    for (const i of seen.rowIndices(r)) mask[i] = 1;
    let lo = Infinity;
    let hi = -Infinity;
    const o = r * n;
    for (let i = 0; i < n; i++) {
      const v = scores.data[o + i];
      if (mask[i] || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < n; i++) {
      const v = scores.data[o + i];
      out.data[o + i] =
        mask[i] || !Number.isFinite(v) ? -Infinity : (v - lo) / span + (seg ? alpha * seg[i] : 0);
    }
    for (const i of seen.rowIndices(r)) mask[i] = 0;
  }
  return out;
}

/**
 * How many segment items history injection adds for a user with `history` items at strength alpha:
 * enough that they make up share alpha of the new input, round(alpha * history / (1 - alpha)), at
 * most `available` (all of them at alpha 1).
 */
export function injectCount(history: number, alpha: number, available: number): number {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`injectCount: alpha must be in [0, 1], got ${alpha}`);
  if (alpha === 1) return available;
  return Math.min(available, Math.round((alpha * history) / (1 - alpha)));
}

/**
 * History injection: a copy of `rows` (users x items, the models' input) where row r also holds the
 * first injectCount(|row r|, alpha, ...) items of popular(r) (the user's segment items by
 * popularity, most popular first) that the row does not hold yet, with value 1. popular(r) = null
 * leaves the row unchanged.
 */
export function injectHistory(rows: Csr, popular: (r: number) => Int32Array | null, alpha: number): Csr {
  const ri: number[] = [];
  const ci: number[] = [];
  const vi: number[] = [];
  for (let r = 0; r < rows.rows; r++) {
    const idx = rows.rowIndices(r);
    const val = rows.rowValues(r);
    const have = new Set(idx);
    for (let p = 0; p < idx.length; p++) {
      ri.push(r);
      ci.push(idx[p]);
      vi.push(val[p]);
    }
    const pop = popular(r);
    if (!pop) continue;
    const fresh = Array.from(pop).filter((i) => !have.has(i));
    const n = injectCount(idx.length, alpha, fresh.length);
    for (let q = 0; q < n; q++) {
      ri.push(r);
      ci.push(fresh[q]);
      vi.push(1);
    }
  }
  return Csr.fromTriplets(rows.rows, rows.cols, ri, ci, vi);
}

/** Items of each tag by training popularity (most popular first, ties by lower item index). */
export function popularItemsByTag(itemTags: Csr, popularity: ArrayLike<number>): (tag: number) => Int32Array {
  if (popularity.length !== itemTags.rows)
    throw new RangeError(
      `popularItemsByTag: ${popularity.length} popularity counts for ${itemTags.rows} items`,
    );
  const cache = new Map<number, Int32Array>();
  return (tag: number): Int32Array => {
    let got = cache.get(tag);
    if (!got) {
      const items: number[] = [];
      for (let i = 0; i < itemTags.rows; i++)
        for (let p = itemTags.indptr[i]; p < itemTags.indptr[i + 1]; p++)
          if (itemTags.indices[p] === tag && itemTags.values[p] !== 0) {
            items.push(i);
            break;
          }
      items.sort((a, b) => popularity[b] - popularity[a] || a - b);
      got = Int32Array.from(items);
      cache.set(tag, got);
    }
    return got;
  };
}

/**
 * A knob's item weights: column `neuron` of the item activations (items x neurons, e.g. one-hot
 * pseudo-users through the encoder and the SAE) divided by its maximum, so the item the neuron
 * fires on most gets 1 and items it does not fire on get 0. All zeros when the neuron never fires.
 */
export function knobWeights(itemActivations: Matrix, neuron: number): Float32Array {
  if (!(Number.isInteger(neuron) && neuron >= 0 && neuron < itemActivations.cols))
    throw new RangeError(`knobWeights: neuron ${neuron} is not in [0, ${itemActivations.cols})`);
  const n = itemActivations.rows;
  const out = new Float32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, itemActivations.data[i * itemActivations.cols + neuron]);
  if (max > 0)
    for (let i = 0; i < n; i++)
      out[i] = Math.max(0, itemActivations.data[i * itemActivations.cols + neuron]) / max;
  return out;
}
