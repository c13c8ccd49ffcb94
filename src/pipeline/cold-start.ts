import { BadInput } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNItems, topNScores, topNUnseen } from "../nested/nested-rank.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { Csr } from "../tensor/csr.js";
import { checkListLength, steeringOps, type ResolvedSpec } from "./steering.js";
import { scaleSteering, type StrengthScales } from "./strength-scale.js";

/**
 * The cold-start service (POST /api/cold-start, `reclens cold-start` and the panel's "new user"
 * mode): recommendations for a user with NO history, built from concept knobs alone.
 *
 * Definition. The user picks knobs (neuron j, strength s_j in [0, 1], the strengths summing to at
 * most 1): the SAME people's scale as a boost (pipeline/steering.ts; 0 = unchanged, 1 = the concept
 * dominates). The knobs are bound to the serving operator exactly as a boost is
 * (strength-scale.ts scaleSteering: one calibrated amount A for the total strength, from the
 * single-neuron table for one neuron and the direction table for several), and the shift's
 * per-neuron amounts a_j = A * s_j / sum(s) are applied to an empty code whose scale is a typical
 * user's (level_j, the median activation mass of real users' codes, which the caller passes):
 *   z_j = a_j * level_j   for the chosen neurons, 0 for every other neuron,
 * i.e. what the shift adds to a typical user's code (z_j += a_j * S), without the user's own taste.
 * A neuron that never fires has no level and is refused (unless its strength is 0). The code is
 * decoded by the SAE (D_s(z) = W_dec^T z + b_dec, with the reference per-sample statistics when the
 * SAE normalises per sample) and the recommender's decoder turns that representation into item
 * scores for an empty history: scores = D_c(D_s(z)). Nothing is excluded (there is no history) and
 * the top n are taken (ties: lower item index). No reconstruction error is added: a new user has
 * no representation to take one from, so this is the pure nested model D_c(D_s(z)).
 * Strength 0 (every knob) leaves the code empty: the list of the decoder biases alone (b_dec, the
 * recommender's item bias), i.e. plain popularity, the "unchanged" list of a new user.
 */

/** A chosen knob: neuron id and strength in [0, 1] (the boost scale). */
export interface ColdStartKnob {
  readonly neuron: number;
  readonly strength: number;
}

/** Per-sample statistics a hand-built code decodes with (SAEs that normalise per sample). */
export interface CodeReference {
  readonly rowMean: number;
  readonly rowScale: number;
}

/** A cold-start request (knobs already resolved to neuron ids). */
export interface ColdStartRequest {
  readonly knobs: readonly ColdStartKnob[];
  /** List length. */
  readonly n: number;
  /** The SAE's strength scales (strength-scale.ts); only called when some strength is above 0. */
  readonly scales: () => StrengthScales;
  /** What each knob reference resolved to, in order (merges overlapping concept directions). */
  readonly resolved?: readonly ResolvedSpec[];
}

/** The cold-start list and the code it was decoded from. */
export interface ColdStartResult {
  /** Item columns, best first. */
  readonly items: Int32Array;
  readonly scores: Float32Array;
  /** The code: each chosen neuron, its shift amount a_j and activation a_j * level_j, in request order. */
  readonly code: { readonly neuron: number; readonly amount: number; readonly activation: number }[];
  /** The calibrated amount A of the total strength (0 when every strength is 0). */
  readonly amount: number;
}

/** Most knobs of one cold-start request. */
export const MAX_COLD_START_KNOBS = 32;

/**
 * Checks the knobs (BadInput naming "knobs"): 1..MAX knobs, ids in range, no repeats, each strength
 * in [0, 1] and their sum at most 1 (as a request's boosts).
 */
export function checkColdStartKnobs(knobs: readonly ColdStartKnob[], dSae: number): void {
  if (knobs.length === 0) throw new BadInput("knobs: pick at least one knob", "knobs");
  if (knobs.length > MAX_COLD_START_KNOBS)
    throw new BadInput(`knobs: at most ${MAX_COLD_START_KNOBS} knobs, got ${knobs.length}`, "knobs");
  const seen = new Set<number>();
  let total = 0;
  for (const k of knobs) {
    if (!Number.isInteger(k.neuron) || k.neuron < 0 || k.neuron >= dSae)
      throw new BadInput(`knobs: neuron ${k.neuron} out of range [0, ${dSae})`, "knobs");
    if (seen.has(k.neuron)) throw new BadInput(`knobs: neuron ${k.neuron} appears twice`, "knobs");
    seen.add(k.neuron);
    if (!(k.strength >= 0 && k.strength <= 1))
      throw new BadInput(
        `knobs: strength of neuron ${k.neuron} must be in [0, 1], got ${k.strength}`,
        "knobs",
      );
    total += k.strength;
  }
  if (total > 1 + 1e-9)
    throw new BadInput(`knobs: the strengths sum to ${+total.toFixed(6)}, more than 1`, "knobs");
}

/**
 * The per-neuron shift amounts a_j of the knobs, bound to the serving operator as a boost is
 * (scaleSteering with the shift operator, then steeringOps): same order as `knobs`, 0 for a knob at
 * strength 0; `amount` is the calibrated amount of the total strength.
 */
export function coldStartAmounts(
  knobs: readonly ColdStartKnob[],
  scales: () => StrengthScales,
  resolved: readonly ResolvedSpec[] = [],
): { amounts: number[]; amount: number } {
  const asBoost = (r: ResolvedSpec): ResolvedSpec => ({ ...r, field: "boost" });
  const steering = scaleSteering(
    { boost: knobs.map((k) => ({ neuron: k.neuron, alpha: k.strength })), suppress: [] },
    "shift",
    scales,
    resolved.map(asBoost),
  );
  const byNeuron = new Map<number, number>();
  for (const op of steeringOps(steering))
    if (op.kind === "shift") for (const k of op.knobs) byNeuron.set(k.neuron, k.amount);
  return { amounts: knobs.map((k) => byNeuron.get(k.neuron) ?? 0), amount: steering.amount ?? 0 };
}

/** An empty history of one user over `nItems` items (sequential models get an empty sequence). */
export function emptyUserBatch(nItems: number, sequential: boolean): UserBatch {
  const rows = new Csr(1, nItems, new Int32Array(2), new Int32Array(0), new Float32Array(0));
  return sequential ? { rows, sequences: [new Int32Array(0)] } : { rows };
}

/**
 * The one-row SAE code of the knobs: neuron j at amounts[q] * level(j) (q its place in `knobs`),
 * neurons ascending as a code stores them, zero activations left out.
 */
export function coldStartCode(
  sae: Sae,
  knobs: readonly ColdStartKnob[],
  amounts: readonly number[],
  level: (neuron: number) => number,
  reference?: CodeReference,
): SparseCode {
  checkColdStartKnobs(knobs, sae.dSae);
  const entries: { neuron: number; value: number }[] = [];
  knobs.forEach((k, q) => {
    if (!(amounts[q] > 0)) return;
    const l = level(k.neuron);
    if (!(Number.isFinite(l) && l > 0))
      throw new BadInput(
        `knobs: neuron ${k.neuron} never fires, so it has no typical level to start from`,
        "knobs",
      );
    entries.push({ neuron: k.neuron, value: amounts[q] * l });
  });
  entries.sort((a, b) => a.neuron - b.neuron);
  return {
    rows: 1,
    dSae: sae.dSae,
    indptr: Int32Array.of(0, entries.length),
    indices: Int32Array.from(entries, (e) => e.neuron),
    values: Float32Array.from(entries, (e) => e.value),
    ...(reference
      ? { rowMean: Float32Array.of(reference.rowMean), rowScale: Float32Array.of(reference.rowScale) }
      : {}),
  };
}

/** Top-n items for a new user from the chosen knobs alone (see the definition above). */
export function coldStart(
  model: Recommender,
  sae: Sae,
  req: ColdStartRequest,
  level: (neuron: number) => number,
  reference?: CodeReference,
): ColdStartResult {
  checkListLength(req.n);
  checkColdStartKnobs(req.knobs, sae.dSae);
  const { amounts, amount } = coldStartAmounts(req.knobs, req.scales, req.resolved);
  const code = coldStartCode(sae, req.knobs, amounts, level, reference);
  const representation = sae.decode(code);
  const scores = model.decode(representation, emptyUserBatch(model.nItems, model.sequential === true));
  const lists = topNUnseen(scores, null, req.n);
  const byNeuron = new Map(Array.from(code.indices, (j, p) => [j, code.values[p]]));
  return {
    items: Int32Array.from(topNItems(lists, 0)),
    scores: Float32Array.from(topNScores(lists, 0)),
    code: req.knobs.map((k, q) => ({
      neuron: k.neuron,
      amount: amounts[q],
      activation: byNeuron.get(k.neuron) ?? 0,
    })),
    amount,
  };
}

/**
 * The reference per-sample statistics of an SAE that normalises per sample: the medians of the
 * rowMean / rowScale of a sample of real users' codes (undefined when the codes carry none).
 */
export function codeReference(codes: SparseCode): CodeReference | undefined {
  if (!codes.rowMean || !codes.rowScale || codes.rows === 0) return undefined;
  const median = (a: Float32Array): number => {
    const s = Float64Array.from(a).sort();
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  return { rowMean: median(codes.rowMean), rowScale: median(codes.rowScale) };
}

/** The scale of hand-built codes: a typical user's activation mass and per-sample statistics. */
export interface CodeScale {
  /** Median over the users of the sum of their code's activations. */
  readonly mass: number;
  /** Per-sample statistics (SAEs that normalise per sample). */
  readonly reference?: CodeReference;
}

/**
 * The code scale over sample users' batches (the server and `reclens cold-start` pass up to 1024
 * evenly spaced users): each batch is encoded by the model and the SAE; the median of the codes'
 * activation sums (0 without users) and the first batch's reference statistics.
 */
export function measureCodeScale(model: Recommender, sae: Sae, batches: Iterable<UserBatch>): CodeScale {
  const masses: number[] = [];
  let reference: CodeReference | undefined;
  for (const batch of batches) {
    const code = sae.encode(model.encodeUsers(batch));
    for (let r = 0; r < code.rows; r++) {
      let m = 0;
      for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) m += code.values[p];
      masses.push(m);
    }
    reference ??= codeReference(code);
  }
  masses.sort((a, b) => a - b);
  const m = masses.length >> 1;
  const mass = masses.length === 0 ? 0 : masses.length % 2 ? masses[m] : (masses[m - 1] + masses[m]) / 2;
  return { mass, ...(reference ? { reference } : {}) };
}
