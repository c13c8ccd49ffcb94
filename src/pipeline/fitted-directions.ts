import { eligibleNeurons, neuronActivity } from "../concepts/activations.js";
import {
  fitDirection,
  responseSystem,
  type FitDirectionOptions,
  type FittedDirection,
  type ItemResponse,
  type ResponseSystem,
} from "../concepts/fitted-direction.js";
import type { ConceptKnob } from "../concepts/labels.js";
import type { ItemConcepts } from "../data/types.js";
import type { Recommender } from "../models/types.js";
import type { Sae, SparseCode } from "../sae/types.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { ENCODE_BATCH, encodeRows } from "./representations.js";
import type { ModelRunContext } from "./run-context.js";

/**
 * Fitted concept directions of a run (concepts/fitted-direction.ts) from the recommender, its SAE
 * and the item metadata: the response of the scores to each latent, linearised at a representative
 * user (the mean representation of sample users), then one non-negative fit per concept.
 */

/** A code with one row per latent in `neurons`, value 1 on it (no per-row statistics: mean 0, scale 1). */
function unitCodes(neurons: Int32Array, dSae: number): SparseCode {
  const n = neurons.length;
  return {
    rows: n,
    dSae,
    indptr: Int32Array.from({ length: n + 1 }, (_, r) => r),
    indices: Int32Array.from(neurons),
    values: new Float32Array(n).fill(1),
  };
}

/**
 * The item response (neurons x d decoder rows, items x d Jacobian) of `model` with `sae` spliced in:
 * basis row p = sae.decode(e_{neurons[p]}) - sae.decode(0) (the representation change per unit of
 * the latent), Jacobian column j = (decode(at + h e_j) - decode(at - h e_j)) / 2h (central
 * differences of the decoder at `at`, the anchor representation; exact for a linear decoder), with
 * h = step * (root mean square of `at`, or 1 when it is 0).
 */
export function itemResponse(
  model: Recommender,
  sae: Sae,
  at: Float32Array,
  neurons: Int32Array,
  step = 1e-2,
): ItemResponse {
  const d = model.dim;
  if (at.length !== d)
    throw new RangeError(`itemResponse: anchor has ${at.length} values, the model's dim is ${d}`);
  if (sae.dIn !== d)
    throw new RangeError(`itemResponse: the SAE reads ${sae.dIn} values, the model gives ${d}`);
  const ones = sae.decode(unitCodes(neurons, sae.dSae));
  const zeroRow = sae
    .decode({
      rows: 1,
      dSae: sae.dSae,
      indptr: new Int32Array(2),
      indices: new Int32Array(0),
      values: new Float32Array(0),
    })
    .row(0);
  const basis = new Matrix(neurons.length, d);
  for (let p = 0; p < neurons.length; p++)
    for (let j = 0; j < d; j++) basis.data[p * d + j] = ones.data[p * d + j] - zeroRow[j];
  let ss = 0;
  for (const v of at) ss += v * v;
  const h = step * (ss > 0 ? Math.sqrt(ss / d) : 1);
  const probe = new Matrix(2 * d, d);
  for (let j = 0; j < d; j++) {
    probe.row(2 * j).set(at);
    probe.row(2 * j + 1).set(at);
    probe.data[2 * j * d + j] += h;
    probe.data[(2 * j + 1) * d + j] -= h;
  }
  const s = model.decode(probe);
  const items = s.cols;
  const jac = new Matrix(items, d);
  for (let j = 0; j < d; j++)
    for (let i = 0; i < items; i++)
      jac.data[i * d + j] = (s.data[2 * j * items + i] - s.data[(2 * j + 1) * items + i]) / (2 * h);
  return { neurons: Int32Array.from(neurons), basis, jacobian: jac };
}

/** Options of {@link fittedConceptDirections}. */
export interface FittedDirectionsOptions {
  /** Candidate latents: those firing on at least this many items of `z` (default 20). */
  readonly minSupport: number;
  /** Candidate latents given explicitly (overrides `minSupport`). */
  readonly candidates?: Int32Array;
  /** Item weight = (training interactions + 1)^popularityPower (default 1; 0: every item alike). */
  readonly popularityPower: number;
  readonly fit: Partial<FitDirectionOptions>;
  /** Only these concepts are fitted (default all): `wanted(kind, index)`. */
  readonly wanted?: (kind: string, index: number) => boolean;
}

/**
 * The response system the fits share (concepts/fitted-direction.ts responseSystem): the response
 * linearised at the mean of `anchorRows` (users x d representations, e.g. training users), over the
 * latents of `z` (items x neurons, the item activations) with enough support, item weights from the
 * training interactions `train` (users x items). Null when no latent qualifies or there is no anchor.
 */
export function conceptResponseSystem(
  model: Recommender,
  sae: Sae,
  anchorRows: Matrix,
  z: Matrix,
  train: Csr,
  opts: Partial<Pick<FittedDirectionsOptions, "minSupport" | "candidates" | "popularityPower">> = {},
): ResponseSystem | null {
  const minSupport = opts.minSupport ?? 20;
  const power = opts.popularityPower ?? 1;
  const neurons: number[] = [];
  if (opts.candidates) neurons.push(...opts.candidates);
  else
    eligibleNeurons(neuronActivity(z).support, minSupport).forEach((ok, j) => {
      if (ok) neurons.push(j);
    });
  if (neurons.length === 0 || anchorRows.rows === 0) return null;
  const d = anchorRows.cols;
  const at = new Float32Array(d);
  for (let r = 0; r < anchorRows.rows; r++)
    for (let j = 0; j < d; j++) at[j] += anchorRows.data[r * d + j] / anchorRows.rows;
  const resp = itemResponse(model, sae, at, Int32Array.from(neurons));
  const items = resp.jacobian.rows;
  if (train.cols !== items)
    throw new RangeError(
      `conceptResponseSystem: training matrix has ${train.cols} items, the model scores ${items}`,
    );
  const pop = new Float64Array(items);
  for (const i of train.indices) pop[i]++;
  return responseSystem(
    resp,
    Array.from(pop, (c) => (c + 1) ** power),
  );
}

/** The 0/1 item indicator of every concept of `fam` that `wanted` keeps (all by default), by concept index. */
export function conceptIndicators(
  fam: ItemConcepts,
  wanted: (index: number) => boolean = () => true,
): Map<number, Float64Array> {
  const items = fam.matrix.rows;
  const indicators = new Map<number, Float64Array>();
  for (let t = 0; t < fam.matrix.cols; t++) if (wanted(t)) indicators.set(t, new Float64Array(items));
  for (let i = 0; i < items; i++)
    for (let p = fam.matrix.indptr[i]; p < fam.matrix.indptr[i + 1]; p++) {
      const y = fam.matrix.values[p] !== 0 ? indicators.get(fam.matrix.indices[p]) : undefined;
      if (y) y[i] = 1;
    }
  return indicators;
}

/**
 * One fitted direction per concept of each family (key `${kind}\u0000${index}`) on the system of
 * {@link conceptResponseSystem}. Concepts without any item are left out.
 */
export function fittedConceptDirections(
  model: Recommender,
  sae: Sae,
  anchorRows: Matrix,
  z: Matrix,
  train: Csr,
  families: readonly ItemConcepts[],
  opts: Partial<FittedDirectionsOptions> = {},
): Map<string, FittedDirection> {
  const out = new Map<string, FittedDirection>();
  const sys = conceptResponseSystem(model, sae, anchorRows, z, train, opts);
  if (!sys) return out;
  const items = sys.weights.length;
  for (const fam of families) {
    if (fam.matrix.rows !== items)
      throw new RangeError(
        `fittedConceptDirections: family "${fam.kind}" has ${fam.matrix.rows} items, the model scores ${items}`,
      );
    // indicators of the wanted concepts only (a tag family can hold thousands of concepts)
    const wanted = opts.wanted;
    for (const [t, y] of conceptIndicators(fam, wanted ? (t) => wanted(fam.kind, t) : undefined)) {
      if (!y.some((v) => v !== 0)) continue;
      const f = fitDirection(sys, y, opts.fit ?? {});
      if (f.direction.length > 0) out.set(`${fam.kind}\u0000${t}`, f);
    }
  }
  return out;
}

/** Widest representation `reclens label` fits directions for (the normal equations are d x d). */
export const FITTED_MAX_DIM = 1024;

/** Training users the anchor representation is averaged over (the first ones). */
export const ANCHOR_USERS = 2048;

/** The representations of the first {@link ANCHOR_USERS} training users, the fits' anchor rows. */
export function anchorRepresentations(ctx: ModelRunContext): Matrix {
  const train = ctx.split.train;
  const n = Math.min(ANCHOR_USERS, train.rows);
  return encodeRows(
    ctx.model,
    train.rowRange(0, n),
    Int32Array.from({ length: n }, (_, r) => r),
    ENCODE_BATCH,
    ctx.split.trainSequences?.slice(0, n),
  );
}

/**
 * The labels' concept knobs with each `direction` replaced by its fitted direction (labelling time,
 * `reclens label`): fitted over the latents firing on >= minSupport items of `z`, linearised at the
 * mean representation of the first {@link ANCHOR_USERS} training users, items weighted by the square
 * root of their training popularity (the settings measured in docs/quality-knobs.md, issue 18 part 5). Each replaced knob gets
 * `directionFit` (method "fitted" and the fit's R^2); a concept without a fitted direction keeps the
 * selective one of concept-knobs.ts.
 */
export function withFittedDirections(
  ctx: ModelRunContext,
  sae: Sae,
  z: Matrix,
  concepts: readonly ConceptKnob[],
  minSupport: number,
): ConceptKnob[] {
  if (concepts.length === 0) return [...concepts];
  const train = ctx.split.train;
  const anchor = anchorRepresentations(ctx);
  const keys = new Set(concepts.map((c) => `${c.kind}\u0000${c.index}`));
  const fitted = fittedConceptDirections(ctx.model, sae, anchor, z, train, ctx.dataset.concepts, {
    minSupport,
    ...FITTED_DEFAULTS,
    wanted: (kind, index) => keys.has(`${kind}\u0000${index}`),
  });
  return concepts.map((c) => {
    const f = fitted.get(`${c.kind}\u0000${c.index}`);
    if (!f || f.direction.length === 0) return c;
    return { ...c, direction: f.direction, directionFit: { method: "fitted", r2: +f.r2.toFixed(4) } };
  });
}

/** The fitted-direction settings of `reclens label` (chosen on ML-1M validation users). */
export const FITTED_DEFAULTS: Pick<FittedDirectionsOptions, "popularityPower" | "fit"> = {
  popularityPower: 0.5,
  fit: { ridge: 1e-3, maxNeurons: 64 },
};
