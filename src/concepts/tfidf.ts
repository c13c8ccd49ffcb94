import type { ItemConcepts } from "../data/types.js";
import { kernels } from "../tensor/backend.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";

/**
 * How the tag-item distribution P is formed from the item-concept counts c(i, t):
 * - "joint": p(t, i) = c(i, t) / sum_{i', t'} c(i', t')  (Knots to Knobs 3.2; the default)
 * - "conditional": p(i | t) = c(i, t) / sum_{i'} c(i', t), so every tag carries the same mass.
 */
export type TagDistribution = "joint" | "conditional";

/**
 * The tag-item distribution P as an items x tags Csr (the layout of ItemConcepts.matrix, so
 * M = P^T Z is one csrTMm). Throws on negative or non-finite counts, naming the entry.
 */
export function tagItemDistribution(concepts: ItemConcepts, mode: TagDistribution = "joint"): Csr {
  const { matrix, kind, names } = concepts;
  if (names.length !== matrix.cols) {
    throw new RangeError(`concept family "${kind}": ${names.length} names for ${matrix.cols} columns`);
  }
  const vals = matrix.values;
  const colSum = new Float64Array(matrix.cols);
  let total = 0;
  for (let i = 0; i < matrix.rows; i++) {
    for (let p = matrix.indptr[i]; p < matrix.indptr[i + 1]; p++) {
      const v = vals[p];
      if (!(v >= 0) || v === Infinity) {
        throw new RangeError(
          `concept family "${kind}": count of item ${i}, tag "${names[matrix.indices[p]]}" is ${v}; counts must be finite and >= 0`,
        );
      }
      colSum[matrix.indices[p]] += v;
      total += v;
    }
  }
  const out = new Float32Array(vals.length);
  for (let p = 0; p < vals.length; p++) {
    const denom = mode === "joint" ? total : colSum[matrix.indices[p]];
    out[p] = denom > 0 ? vals[p] / denom : 0;
  }
  return new Csr(matrix.rows, matrix.cols, matrix.indptr, matrix.indices, out);
}

/**
 * The tag-by-neuron matrix M = P^T Z (tags x neurons): M[t, n] = sum_i p(t, i) z[i, n], computed with
 * the csrTMm kernel (no dense items x tags x neurons loop).
 */
export function tagNeuronMatrix(p: Csr, z: Matrix): Matrix {
  if (p.rows !== z.rows) throw new RangeError(`tagNeuronMatrix: P has ${p.rows} items but Z has ${z.rows}`);
  return kernels().csrTMm(p, z);
}

/**
 * TF-IDF of M in both orientations, both stored tags x neurons. With T the tags of non-zero mass and
 * N the live neurons (non-zero column of M):
 *
 * Tags as documents, neurons as terms (`byTag`):
 *   tf(t, n) = M[t, n] / sum_n' M[t, n']
 *   df(n)    = #{t : M[t, n] > 0}
 *   idf(n)   = ln((1 + T) / (1 + df(n))) + 1
 *   byTag[t, n] = tf(t, n) * idf(n)
 *
 * Neurons as documents, tags as terms (`byNeuron`):
 *   tf(n, t) = M[t, n] / sum_t' M[t', n]
 *   df(t)    = #{n live : M[t, n] > 0}
 *   idf(t)   = ln((1 + N) / (1 + df(t))) + 1
 *   byNeuron[t, n] = tf(n, t) * idf(t)
 *
 * The IDF is the smoothed form of scikit-learn's TfidfTransformer (smooth_idf=True), as used by the
 * public Knots-to-Knobs labelling code; the paper's own formula text was not retrievable, so this is
 * the formulation chosen here. Dead neurons and empty tags score 0 everywhere.
 */
export interface TfIdf {
  readonly tags: number;
  readonly neurons: number;
  /** Tags as documents (tf normalised per tag, IDF over neurons). */
  readonly byTag: Matrix;
  /** Neurons as documents (tf normalised per neuron, IDF over tags). */
  readonly byNeuron: Matrix;
  /** idf(n) of each neuron as a term (0 for dead neurons). */
  readonly neuronIdf: Float64Array;
  /** idf(t) of each tag as a term (0 for empty tags). */
  readonly tagIdf: Float64Array;
}

/** Both TF-IDF orientations of a tags x neurons matrix M (see `TfIdf` for the formulas). */
export function tfidf(m: Matrix): TfIdf {
  const { rows: tags, cols: neurons, data } = m;
  const rowSum = new Float64Array(tags);
  const colSum = new Float64Array(neurons);
  const dfNeuron = new Int32Array(neurons);
  const dfTag = new Int32Array(tags);
  for (let t = 0; t < tags; t++) {
    const off = t * neurons;
    for (let n = 0; n < neurons; n++) {
      const v = data[off + n];
      if (!(v >= 0) || v === Infinity)
        throw new RangeError(`tfidf: M[${t}, ${n}] = ${v}; M must be finite and non-negative`);
      if (v > 0) {
        rowSum[t] += v;
        colSum[n] += v;
        dfNeuron[n]++;
        dfTag[t]++;
      }
    }
  }
  let docsT = 0;
  for (let t = 0; t < tags; t++) if (rowSum[t] > 0) docsT++;
  let docsN = 0;
  for (let n = 0; n < neurons; n++) if (colSum[n] > 0) docsN++;
  const neuronIdf = new Float64Array(neurons);
  for (let n = 0; n < neurons; n++)
    if (dfNeuron[n] > 0) neuronIdf[n] = Math.log((1 + docsT) / (1 + dfNeuron[n])) + 1;
  const tagIdf = new Float64Array(tags);
  for (let t = 0; t < tags; t++) if (dfTag[t] > 0) tagIdf[t] = Math.log((1 + docsN) / (1 + dfTag[t])) + 1;
  const byTag = new Matrix(tags, neurons);
  const byNeuron = new Matrix(tags, neurons);
  for (let t = 0; t < tags; t++) {
    const off = t * neurons;
    for (let n = 0; n < neurons; n++) {
      const v = data[off + n];
      if (v > 0) {
        byTag.data[off + n] = (v / rowSum[t]) * neuronIdf[n];
        byNeuron.data[off + n] = (v / colSum[n]) * tagIdf[t];
      }
    }
  }
  return { tags, neurons, byTag, byNeuron, neuronIdf, tagIdf };
}

/**
 * The four TF-IDF matchings (-1 where there is nothing to match: an empty tag, a dead neuron):
 * - tag -> most unique neuron: argmax_n byTag[t, n] (the neuron that dominates the tag's document
 *   after discounting neurons that appear in many tags);
 * - tag -> most representative neuron: argmax_n byNeuron[t, n] (the neuron whose document gives the
 *   tag its largest weight);
 * - neuron -> most distinctive tag: argmax_t byNeuron[t, n] (the default label);
 * - neuron -> most characteristic tag: argmax_t byTag[t, n] (the tag whose document the neuron
 *   dominates).
 * Ties go to the lower index. With `eligible` (see `tfidfMatches`), the two tag -> neuron argmaxes
 * run over the eligible neurons only; the neuron -> tag matches are unaffected.
 */
export interface TfIdfMatches {
  readonly uniqueNeuronOfTag: Int32Array;
  readonly representativeNeuronOfTag: Int32Array;
  readonly distinctiveTagOfNeuron: Int32Array;
  readonly characteristicTagOfNeuron: Int32Array;
}

/**
 * Row-wise and column-wise argmaxes of both TF-IDF matrices (see `TfIdfMatches`). `eligible[n]` = 0
 * removes neuron n from the tag -> neuron candidates (e.g. neurons below a minimum item support,
 * see `eligibleNeurons`): the TF-IDF scores themselves (and the IDF) still count every neuron, only
 * the pick is restricted, so a tag whose neurons are all ineligible maps to -1.
 */
export function tfidfMatches(s: TfIdf, eligible?: Uint8Array): TfIdfMatches {
  if (eligible && eligible.length !== s.neurons)
    throw new RangeError(`tfidfMatches: eligibility for ${eligible.length} neurons, M has ${s.neurons}`);
  return {
    uniqueNeuronOfTag: argmaxRows(s.byTag, eligible),
    representativeNeuronOfTag: argmaxRows(s.byNeuron, eligible),
    distinctiveTagOfNeuron: argmaxCols(s.byNeuron),
    characteristicTagOfNeuron: argmaxCols(s.byTag),
  };
}

/** Column n's tags ranked by score descending (ties: lower tag first), positive scores only, at most `k`. */
export function rankTagsOfNeuron(scores: Matrix, neuron: number, k: number): Int32Array {
  const idx: number[] = [];
  for (let t = 0; t < scores.rows; t++) if (scores.data[t * scores.cols + neuron] > 0) idx.push(t);
  idx.sort((a, b) => scores.data[b * scores.cols + neuron] - scores.data[a * scores.cols + neuron] || a - b);
  return Int32Array.from(idx.slice(0, k));
}

function argmaxRows(s: Matrix, eligible?: Uint8Array): Int32Array {
  const out = new Int32Array(s.rows).fill(-1);
  for (let t = 0; t < s.rows; t++) {
    let best = 0;
    const off = t * s.cols;
    for (let n = 0; n < s.cols; n++) {
      if (s.data[off + n] > best && (!eligible || eligible[n] === 1)) {
        best = s.data[off + n];
        out[t] = n;
      }
    }
  }
  return out;
}

function argmaxCols(s: Matrix): Int32Array {
  const out = new Int32Array(s.cols).fill(-1);
  const best = new Float32Array(s.cols);
  for (let t = 0; t < s.rows; t++) {
    const off = t * s.cols;
    for (let n = 0; n < s.cols; n++) {
      if (s.data[off + n] > best[n]) {
        best[n] = s.data[off + n];
        out[n] = t;
      }
    }
  }
  return out;
}
