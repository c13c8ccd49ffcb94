import type { Matrix } from "../tensor/matrix.js";

/**
 * Shannon entropy in nats of a probability vector: H(p) = -sum_k p_k ln p_k (0 ln 0 = 0). A uniform
 * vector of length n gives ln n, a one-hot vector 0. `p` must be non-negative and sum to 1 (1e-6).
 */
export function entropy(p: ArrayLike<number>): number {
  checkDistribution(p, "entropy");
  let h = 0;
  for (let k = 0; k < p.length; k++) if (p[k] > 0) h -= p[k] * Math.log(p[k]);
  return h;
}

/**
 * Kullback-Leibler divergence in nats, KL(p || q) = sum_k p_k ln(p_k / q_k) (terms with p_k = 0 are
 * 0). Throws when q_k = 0 where p_k > 0 (the divergence is infinite) or when either is not a
 * distribution.
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length)
    throw new RangeError(`klDivergence: lengths differ (${p.length} vs ${q.length})`);
  checkDistribution(p, "klDivergence p");
  checkDistribution(q, "klDivergence q");
  let d = 0;
  for (let k = 0; k < p.length; k++) {
    if (p[k] > 0) {
      if (!(q[k] > 0))
        throw new RangeError(`klDivergence: q[${k}] = 0 where p[${k}] = ${p[k]}; the divergence is infinite`);
      d += p[k] * Math.log(p[k] / q[k]);
    }
  }
  return Math.max(0, d);
}

function checkDistribution(p: ArrayLike<number>, what: string): void {
  let s = 0;
  for (let k = 0; k < p.length; k++) {
    if (!(p[k] >= 0) || p[k] === Infinity)
      throw new RangeError(`${what}: entry ${k} is ${p[k]}; probabilities must be finite and >= 0`);
    s += p[k];
  }
  if (Math.abs(s - 1) > 1e-6) throw new RangeError(`${what}: entries sum to ${s}, not 1`);
}

/**
 * Selectivity of one axis of M (tags x neurons): for each unit u (a neuron or a tag) with positive
 * mass its distribution over the other axis, d_u = M[., u] / sum M[., u] (or the row for tags), then
 *   entropy(u) = H(d_u)                      (low: the unit concentrates on few partners)
 *   kl(u)      = KL(d_u || mean_v d_v)       (high: the unit differs from the average unit)
 * where the mean runs over the units with positive mass (always > 0 where d_u > 0, so kl is finite).
 * `normalisedEntropy` = entropy / ln(partners), in [0, 1] (0 when there is a single partner).
 * Arrays are aligned with `ids` (units of zero mass, e.g. dead neurons, are left out).
 */
export interface Selectivity {
  readonly ids: Int32Array;
  readonly entropy: Float64Array;
  readonly normalisedEntropy: Float64Array;
  readonly kl: Float64Array;
}

/** Per-neuron selectivity: each live neuron's distribution over tags (columns of M). */
export function neuronSelectivity(m: Matrix): Selectivity {
  return axisSelectivity(m, "neuron");
}

/** Per-tag selectivity: each tag's distribution over neurons (rows of M). */
export function tagSelectivity(m: Matrix): Selectivity {
  return axisSelectivity(m, "tag");
}

function axisSelectivity(m: Matrix, axis: "neuron" | "tag"): Selectivity {
  const { rows, cols, data } = m;
  const units = axis === "neuron" ? cols : rows;
  const partners = axis === "neuron" ? rows : cols;
  const at =
    axis === "neuron"
      ? (u: number, k: number) => data[k * cols + u]
      : (u: number, k: number) => data[u * cols + k];
  const mass = new Float64Array(units);
  for (let u = 0; u < units; u++) {
    let s = 0;
    for (let k = 0; k < partners; k++) {
      const v = at(u, k);
      if (!(v >= 0) || v === Infinity)
        throw new RangeError(`selectivity: M has entry ${v}; M must be finite and non-negative`);
      s += v;
    }
    mass[u] = s;
  }
  const ids: number[] = [];
  for (let u = 0; u < units; u++) if (mass[u] > 0) ids.push(u);
  const mean = new Float64Array(partners);
  for (const u of ids) for (let k = 0; k < partners; k++) mean[k] += at(u, k) / mass[u] / ids.length;
  const ent = new Float64Array(ids.length);
  const norm = new Float64Array(ids.length);
  const kl = new Float64Array(ids.length);
  const logPartners = Math.log(partners);
  ids.forEach((u, r) => {
    let h = 0;
    let d = 0;
    for (let k = 0; k < partners; k++) {
      const p = at(u, k) / mass[u];
      if (p > 0) {
        h -= p * Math.log(p);
        d += p * Math.log(p / mean[k]);
      }
    }
    ent[r] = h;
    norm[r] = partners > 1 ? h / logPartners : 0;
    kl[r] = Math.max(0, d);
  });
  return { ids: Int32Array.from(ids), entropy: ent, normalisedEntropy: norm, kl };
}
