import { BadInput } from "../errors.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNItems, topNScores, topNUnseen } from "../nested/nested-rank.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { Csr } from "../tensor/csr.js";
import { checkListLength } from "./steering.js";

/**
 * The cold-start service (POST /api/cold-start and the panel's "new user" mode): recommendations for
 * a user with NO history, built from concept knobs alone.
 *
 * Definition. The user picks knobs (neuron j, strength s_j in (0, 1]). Their SAE code is
 *   z_j = s_j * level_j   for the chosen neurons, 0 for every other neuron,
 * where level_j is the neuron's typical activation level (the caller passes it; the server uses the
 * median total activation of a real user's code, so a strength is the share of a typical user's
 * activation mass the neuron gets: the same scale as boost's alpha, 1 = the concept dominates; a
 * neuron that never fires has no level and is refused). The code is
 * decoded by the SAE (D_s(z) = W_dec^T z + b_dec, with the reference per-sample statistics when the
 * SAE normalises per sample) and the recommender's decoder turns that representation into item
 * scores for an empty history: scores = D_c(D_s(z)). Nothing is excluded (there is no history) and
 * the top n are taken (ties: lower item index). No reconstruction error is added: a new user has
 * no representation to take one from, so this is the pure nested model D_c(D_s(z)).
 * Smaller strengths scale the code down against the decoder biases (b_dec, the recommender's item
 * bias), i.e. towards plain popularity; several knobs mix their decoder atoms by strength.
 */

/** A chosen knob: neuron id and strength in (0, 1]. */
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
}

/** The cold-start list and the code it was decoded from. */
export interface ColdStartResult {
  /** Item columns, best first. */
  readonly items: Int32Array;
  readonly scores: Float32Array;
  /** The code: each chosen neuron and its activation s_j * level_j, in request order. */
  readonly code: { readonly neuron: number; readonly activation: number }[];
}

/** Most knobs of one cold-start request. */
export const MAX_COLD_START_KNOBS = 32;

/** Checks the knobs (BadInput naming "knobs"): 1..MAX knobs, ids in range, no repeats, strength in (0, 1]. */
export function checkColdStartKnobs(knobs: readonly ColdStartKnob[], dSae: number): void {
  if (knobs.length === 0) throw new BadInput("knobs: pick at least one knob", "knobs");
  if (knobs.length > MAX_COLD_START_KNOBS)
    throw new BadInput(`knobs: at most ${MAX_COLD_START_KNOBS} knobs, got ${knobs.length}`, "knobs");
  const seen = new Set<number>();
  for (const k of knobs) {
    if (!Number.isInteger(k.neuron) || k.neuron < 0 || k.neuron >= dSae)
      throw new BadInput(`knobs: neuron ${k.neuron} out of range [0, ${dSae})`, "knobs");
    if (seen.has(k.neuron)) throw new BadInput(`knobs: neuron ${k.neuron} appears twice`, "knobs");
    seen.add(k.neuron);
    if (!(k.strength > 0 && k.strength <= 1))
      throw new BadInput(
        `knobs: strength of neuron ${k.neuron} must be in (0, 1], got ${k.strength}`,
        "knobs",
      );
  }
}

/** An empty history of one user over `nItems` items (sequential models get an empty sequence). */
export function emptyUserBatch(nItems: number, sequential: boolean): UserBatch {
  const rows = new Csr(1, nItems, new Int32Array(2), new Int32Array(0), new Float32Array(0));
  return sequential ? { rows, sequences: [new Int32Array(0)] } : { rows };
}

/** The one-row SAE code of the chosen knobs at their levels (neurons ascending, as a code stores them). */
export function coldStartCode(
  sae: Sae,
  knobs: readonly ColdStartKnob[],
  level: (neuron: number) => number,
  reference?: CodeReference,
): SparseCode {
  checkColdStartKnobs(knobs, sae.dSae);
  const sorted = [...knobs].sort((a, b) => a.neuron - b.neuron);
  const values = new Float32Array(sorted.length);
  sorted.forEach((k, p) => {
    const l = level(k.neuron);
    if (!(Number.isFinite(l) && l > 0))
      throw new BadInput(
        `knobs: neuron ${k.neuron} never fires, so it has no typical level to start from`,
        "knobs",
      );
    values[p] = k.strength * l;
  });
  return {
    rows: 1,
    dSae: sae.dSae,
    indptr: Int32Array.of(0, sorted.length),
    indices: Int32Array.from(sorted, (k) => k.neuron),
    values,
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
  const code = coldStartCode(sae, req.knobs, level, reference);
  const representation = sae.decode(code);
  const scores = model.decode(representation, emptyUserBatch(model.nItems, model.sequential === true));
  const lists = topNUnseen(scores, null, req.n);
  const byNeuron = new Map(Array.from(code.indices, (j, p) => [j, code.values[p]]));
  return {
    items: Int32Array.from(topNItems(lists, 0)),
    scores: Float32Array.from(topNScores(lists, 0)),
    code: req.knobs.map((k) => ({ neuron: k.neuron, activation: byNeuron.get(k.neuron) ?? 0 })),
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
