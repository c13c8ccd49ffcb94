import type { Matrix } from "../tensor/matrix.js";
import { spdSolveSmall } from "../tensor/cholesky.js";
import {
  denseColumns,
  denseGram,
  factoredColumns,
  nnlsActiveSet,
  type GramColumns,
} from "./nnls-active-set.js";

/**
 * Fitted concept directions: instead of picking a concept's neurons by their top items (the
 * "direction" mapping of concept-knobs.ts), choose the non-negative code-space direction w whose
 * decoded score change best matches the concept's item indicator.
 *
 * A shift of the SAE code by w (shift.ts, z' = z + A S w) moves the recommender's representation by
 * A S R^T w (R: neurons x d, the SAE's decoder rows) and, to first order, every item's score by
 * A S J R^T w (J: items x d, the decoder's Jacobian; exact for a linear decoder such as ELSA's).
 * Ranking ignores a common offset, so the fit is done after weighted centring over the items:
 *
 *   min_{w >= 0}  sum_i omega_i ((J_c R^T w)_i - y_c,i)^2 + lambda |w|^2,
 *
 * y = the concept's 0/1 item indicator, omega = item weights summing to 1 (e.g. popularity: the
 * items that compete for a top-20 matter most), J_c / y_c = J / y minus their omega-weighted mean over
 * the items, lambda = ridge * trace(Q) / n with Q = R M R^T, M = J_c^T Omega J_c. The normal
 * equations live in the d-dimensional representation space (M, m = J_c^T Omega y_c), so the cost is
 * O(d^2 items + n d^2) once per recommender. The non-negative least squares problem is solved by the
 * active-set method of Lawson and Hanson (nnls-active-set.ts) on the n x n Gram matrix Q = R M R^T,
 * formed once per system and shared by all concepts (O(n^2 d); columns on demand above
 * {@link DENSE_GRAM_MAX} candidates), stopped once `maxNeurons` latents are positive: the exact optimum
 * over the latents entered greedily (steepest descent first). The full ridge optimum spreads over
 * hundreds of near-duplicate latents (820-860 of 1,901 on ml-latest-small-2018 ELSA tags), so solving it
 * exactly costs seconds per concept. The first solver ("coordinate": cyclic coordinate descent, O(n d)
 * per sweep, 500 sweeps, not converged) solved over all latents, kept the `maxNeurons` heaviest
 * (by w_n sqrt(Q_nn)) and refitted on them. Either way the weights are finally scaled to sum to 1 (the shift's calibration sets
 * the amount). Everything is fitted from item metadata at labelling time, like the labels: serving
 * needs only the stored direction.
 */

/** The score response of the recommender to the SAE's latents, in factored form. */
export interface ItemResponse {
  /** Candidate latents (rows of `basis`), ascending. */
  readonly neurons: Int32Array;
  /** Representation change per unit of each candidate latent (neurons x d): its decoder row. */
  readonly basis: Matrix;
  /** Score change per unit of representation (items x d): the decoder's Jacobian. */
  readonly jacobian: Matrix;
}

/** Options of {@link fitDirection}. */
export interface FitDirectionOptions {
  /** Ridge strength relative to the mean diagonal of the Gram matrix (default 1e-3). */
  readonly ridge: number;
  /** Most neurons kept (default 32; labels.json allows up to 64). */
  readonly maxNeurons: number;
  /** Coordinate-descent sweeps (default 500; solver "coordinate" only). */
  readonly sweeps: number;
  /** Stop when the projected gradient is at most tol times max |b| (KKT, default 1e-9). */
  readonly tol: number;
  /** "active-set" (Lawson-Hanson, exact; default) or "coordinate" (cyclic coordinate descent). */
  readonly solver: "active-set" | "coordinate";
}

/** Default options of {@link fitDirection}. */
export const DEFAULT_FIT: FitDirectionOptions = {
  ridge: 1e-3,
  maxNeurons: 32,
  sweeps: 500,
  tol: 1e-9,
  solver: "active-set",
};

/** Most candidate latents whose Gram matrix is formed densely (n^2 float64: 128 MiB at 4,096). */
export const DENSE_GRAM_MAX = 4096;

const gramCache = new WeakMap<ResponseSystem, GramColumns>();

/** The Gram matrix Q = R M R^T of a system by column: dense and cached per system up to {@link DENSE_GRAM_MAX}. */
export function systemGram(sys: ResponseSystem): GramColumns {
  let g = gramCache.get(sys);
  if (!g) {
    g =
      sys.n <= DENSE_GRAM_MAX
        ? denseColumns(denseGram(sys.basis, sys.basisMetric, sys.n, sys.d), sys.n)
        : factoredColumns(sys.basis, sys.basisMetric, sys.n, sys.d);
    gramCache.set(sys, g);
  }
  return g;
}

/** A fitted direction and how well its score change matches the concept. */
export interface FittedDirection {
  /** Latents with weights > 0 summing to 1, by latent ascending (empty when nothing fits). */
  readonly direction: { neuron: number; weight: number }[];
  /** 1 - weighted residual / weighted variance of the centred indicator, at the fitted scale. */
  readonly r2: number;
}

/**
 * The centred normal equations of a response, shared by all concepts, kept in factored form
 * Q = R M R^T (never formed): R (n x d), M = J_c^T Omega J_c (d x d), RM = R M, diag(Q), and the
 * d x items map P = J_c^T Omega that turns an indicator y into m = P y (b = R m).
 */
export interface ResponseSystem {
  readonly neurons: Int32Array;
  readonly n: number;
  readonly d: number;
  /** R (n x d), row-major float64. */
  readonly basis: Float64Array;
  /** M (d x d). */
  readonly metric: Float64Array;
  /** R M (n x d). */
  readonly basisMetric: Float64Array;
  /** Q_pp = R_p . (R M)_p. */
  readonly diag: Float64Array;
  /** J_c^T Omega (d x items), row-major. */
  readonly project: Float64Array;
  /** The item weights omega (sum 1). */
  readonly weights: Float64Array;
}

/**
 * Builds the {@link ResponseSystem} of a response under item weights `itemWeights` (>= 0, not all 0;
 * normalised to sum 1 here). Throws on mismatched shapes or bad weights.
 */
export function responseSystem(resp: ItemResponse, itemWeights: ArrayLike<number>): ResponseSystem {
  const { basis, jacobian, neurons } = resp;
  const n = basis.rows;
  const d = basis.cols;
  const items = jacobian.rows;
  if (neurons.length !== n)
    throw new RangeError(`responseSystem: ${neurons.length} neurons for ${n} basis rows`);
  if (jacobian.cols !== d)
    throw new RangeError(`responseSystem: basis is ${n}x${d} but the jacobian is ${jacobian.shape}`);
  if (itemWeights.length !== items)
    throw new RangeError(`responseSystem: ${itemWeights.length} item weights for ${items} items`);
  let total = 0;
  for (let i = 0; i < items; i++) {
    const v = itemWeights[i];
    if (!(v >= 0 && Number.isFinite(v)))
      throw new RangeError(`responseSystem: item weight ${i} is ${v}, not a finite number >= 0`);
    total += v;
  }
  if (!(total > 0)) throw new RangeError("responseSystem: the item weights are all 0");
  const w = Float64Array.from(itemWeights, (v) => v / total);
  // weighted column means of J, then P = (J - 1 mean^T)^T Omega
  const mean = new Float64Array(d);
  for (let i = 0; i < items; i++) for (let j = 0; j < d; j++) mean[j] += w[i] * jacobian.data[i * d + j];
  const project = new Float64Array(d * items);
  const centred = new Float64Array(d);
  const metric = new Float64Array(d * d);
  for (let i = 0; i < items; i++) {
    for (let j = 0; j < d; j++) {
      centred[j] = jacobian.data[i * d + j] - mean[j];
      project[j * items + i] = w[i] * centred[j];
    }
    if (w[i] === 0) continue;
    // M += w_i c c^T (upper triangle, mirrored below)
    for (let a = 0; a < d; a++) {
      const pa = w[i] * centred[a];
      if (pa === 0) continue;
      for (let b = a; b < d; b++) metric[a * d + b] += pa * centred[b];
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) metric[a * d + b] = metric[b * d + a];
  const r = Float64Array.from(basis.data);
  const rm = new Float64Array(n * d);
  const diag = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    for (let a = 0; a < d; a++) {
      const ra = r[p * d + a];
      if (ra === 0) continue;
      for (let b = 0; b < d; b++) rm[p * d + b] += ra * metric[a * d + b];
    }
    let s = 0;
    for (let a = 0; a < d; a++) s += rm[p * d + a] * r[p * d + a];
    diag[p] = s;
  }
  return {
    neurons: Int32Array.from(neurons),
    n,
    d,
    basis: r,
    metric,
    basisMetric: rm,
    diag,
    project,
    weights: w,
  };
}

/** m = J_c^T Omega y (centring y is implied: the columns of J_c^T Omega sum to 0 over items). */
function projectIndicator(sys: ResponseSystem, indicator: ArrayLike<number>): Float64Array {
  const { d } = sys;
  const items = sys.weights.length;
  const m = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s = 0;
    for (let i = 0; i < items; i++) s += sys.project[a * items + i] * indicator[i];
    m[a] = s;
  }
  return m;
}

/** The variance of y under item weights w (summing to 1). */
function weightedVariance(w: Float64Array, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < w.length; i++) mean += w[i] * y[i];
  let variance = 0;
  for (let i = 0; i < w.length; i++) variance += w[i] * (y[i] - mean) ** 2;
  return variance;
}

/** Options of {@link nnlsFactored}. */
export interface NnlsOptions {
  /** Most sweeps (default 500). */
  readonly sweeps?: number;
  /** Stop when the projected gradient is at most tol times max |b| (default 1e-9). */
  readonly tol?: number;
  /** Coordinates optimised (default all); the others stay 0. */
  readonly active?: readonly number[];
}

/**
 * Non-negative least squares in factored Gram form by cyclic coordinate descent:
 *   min_{w >= 0}  1/2 w^T (R M R^T + lambda I) w - b^T w,
 * R (n x d), M (d x d) symmetric positive semi-definite, row-major; `rm` = R M. The solver keeps
 * u = M R^T w (d values), so a coordinate costs O(d), not O(n). Returns w (length n).
 */
export function nnlsFactored(
  r: Float64Array,
  rm: Float64Array,
  b: Float64Array,
  n: number,
  d: number,
  lambda: number,
  opts: NnlsOptions = {},
): Float64Array {
  if (r.length !== n * d || rm.length !== n * d || b.length !== n)
    throw new RangeError(
      `nnlsFactored: R has ${r.length}, RM ${rm.length}, b ${b.length} entries for ${n} x ${d}`,
    );
  if (!(lambda >= 0)) throw new RangeError(`nnlsFactored: lambda must be >= 0, got ${lambda}`);
  const sweeps = opts.sweeps ?? 500;
  const tol = opts.tol ?? 1e-9;
  const active = opts.active ?? Array.from({ length: n }, (_, p) => p);
  const diag = new Float64Array(n);
  for (const p of active) {
    let s = 0;
    for (let a = 0; a < d; a++) s += r[p * d + a] * rm[p * d + a];
    diag[p] = s;
  }
  const w = new Float64Array(n);
  const u = new Float64Array(d);
  const grad = (p: number): number => {
    let s = 0;
    for (let a = 0; a < d; a++) s += r[p * d + a] * u[a];
    return s - b[p] + lambda * w[p];
  };
  let scale = 0;
  for (const p of active) scale = Math.max(scale, Math.abs(b[p]));
  for (let s = 0; s < sweeps; s++) {
    for (const p of active) {
      const h = diag[p] + lambda;
      if (!(h > 0)) continue;
      const next = Math.max(0, w[p] - grad(p) / h);
      const delta = next - w[p];
      if (delta === 0) continue;
      w[p] = next;
      for (let a = 0; a < d; a++) u[a] += delta * rm[p * d + a];
    }
    // KKT: the projected gradient vanishes (|g| on the support, no descent direction at 0)
    let worst = 0;
    for (const p of active) {
      const g = grad(p);
      worst = Math.max(worst, w[p] > 0 ? Math.abs(g) : Math.max(0, -g));
    }
    if (worst <= tol * scale) break;
  }
  return w;
}

/**
 * The fitted direction of one concept (see the module comment): `indicator` holds the concept's
 * item weights (0/1), one per item of the system. The fit is reported with its R^2 (weighted, at the
 * least-squares scale, before the weights are scaled to sum 1).
 */
export function fitDirection(
  sys: ResponseSystem,
  indicator: ArrayLike<number>,
  opts: Partial<FitDirectionOptions> = {},
): FittedDirection {
  const o: FitDirectionOptions = { ...DEFAULT_FIT, ...opts };
  const { n, d } = sys;
  const items = sys.weights.length;
  if (indicator.length !== items)
    throw new RangeError(`fitDirection: indicator has ${indicator.length} entries for ${items} items`);
  if (!(Number.isInteger(o.maxNeurons) && o.maxNeurons >= 1 && o.maxNeurons <= 64))
    throw new RangeError(`fitDirection: maxNeurons must be an integer in [1, 64], got ${o.maxNeurons}`);
  if (!(o.ridge >= 0)) throw new RangeError(`fitDirection: ridge must be >= 0, got ${o.ridge}`);
  if (o.solver !== "active-set" && o.solver !== "coordinate")
    throw new RangeError(
      `fitDirection: solver must be "active-set" or "coordinate", got ${String(o.solver)}`,
    );
  const m = projectIndicator(sys, indicator);
  const b = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let s = 0;
    for (let a = 0; a < d; a++) s += sys.basis[p * d + a] * m[a];
    b[p] = s;
  }
  let trace = 0;
  for (let p = 0; p < n; p++) trace += sys.diag[p];
  const lambda = n > 0 ? (o.ridge * trace) / n : 0;
  const solve = (active?: readonly number[]): Float64Array =>
    o.solver === "active-set"
      ? nnlsActiveSet(systemGram(sys), b, lambda, {
          tol: o.tol,
          maxSupport: o.maxNeurons,
          ...(active ? { active } : {}),
        })
      : nnlsFactored(sys.basis, sys.basisMetric, b, n, d, lambda, {
          sweeps: o.sweeps,
          tol: o.tol,
          ...(active ? { active } : {}),
        });
  let w = solve();
  const size = (p: number): number => w[p] * Math.sqrt(Math.max(0, sys.diag[p]));
  let support = Array.from({ length: n }, (_, p) => p).filter((p) => w[p] > 0);
  if (support.length > o.maxNeurons) {
    support = support.sort((x, y) => size(y) - size(x) || x - y).slice(0, o.maxNeurons);
    w = solve(support);
  }
  // weighted variance of the indicator, and the residual var - 2 w^T b + v^T M v (v = R^T w)
  const variance = weightedVariance(sys.weights, indicator);
  const v = new Float64Array(d);
  let wb = 0;
  for (let p = 0; p < n; p++) {
    if (w[p] === 0) continue;
    wb += w[p] * b[p];
    for (let a = 0; a < d; a++) v[a] += w[p] * sys.basis[p * d + a];
  }
  let vmv = 0;
  for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) vmv += v[a] * sys.metric[a * d + c] * v[c];
  const r2 = variance > 0 ? 1 - (variance - 2 * wb + vmv) / variance : 0;
  // weights below 1e-6 of the largest are round-off of the solver: dropped
  let top = 0;
  for (let p = 0; p < n; p++) top = Math.max(top, w[p]);
  for (let p = 0; p < n; p++) if (w[p] < 1e-6 * top) w[p] = 0;
  let total = 0;
  for (let p = 0; p < n; p++) total += w[p];
  const direction: { neuron: number; weight: number }[] = [];
  if (total > 0)
    for (let p = 0; p < n; p++)
      if (w[p] > 0) direction.push({ neuron: sys.neurons[p], weight: w[p] / total });
  direction.sort((x, y) => x.neuron - y.neuron);
  return { direction, r2 };
}

/** The best shift of the representation itself for one concept: {@link representationShift}. */
export interface RepresentationShift {
  /** v (d values): the representation change whose score change J v best matches the indicator. */
  readonly vector: Float64Array;
  /** Its R^2, on the same weighted, centred scale as {@link FittedDirection.r2}. */
  readonly r2: number;
}

/**
 * The ceiling of {@link fitDirection} for any SAE: the unconstrained weighted least-squares direction
 * v = M^-1 m in the d-dimensional representation space (any sign, no latents), with the same item
 * weights and centring (M = J_c^T Omega J_c, m = J_c^T Omega y). Every code shift moves the
 * representation by some v, so no fitted direction, of any width or number of neurons, has a larger
 * R^2. M is factored by Cholesky with a jitter of 1e-10 x its mean diagonal (M is singular when the
 * Jacobian has fewer than d independent columns). Throws on a wrong indicator length.
 */
export function representationShift(sys: ResponseSystem, indicator: ArrayLike<number>): RepresentationShift {
  const { d } = sys;
  const items = sys.weights.length;
  if (indicator.length !== items)
    throw new RangeError(`representationShift: indicator has ${indicator.length} entries for ${items} items`);
  const m = projectIndicator(sys, indicator);
  let trace = 0;
  for (let a = 0; a < d; a++) trace += sys.metric[a * d + a];
  const jitter = (1e-10 * trace) / d;
  const shifted = Float64Array.from(sys.metric);
  for (let a = 0; a < d; a++) shifted[a * d + a] += jitter;
  const vector = spdSolveSmall(shifted, d, m, "representationShift", jitter);
  const variance = weightedVariance(sys.weights, indicator);
  // at the least-squares optimum the explained part is m^T v (= |L^-1 m|^2 for M = L L^T)
  let explained = 0;
  for (let a = 0; a < d; a++) explained += m[a] * vector[a];
  return { vector, r2: variance > 0 ? explained / variance : 0 };
}
