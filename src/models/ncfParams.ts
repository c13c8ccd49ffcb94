import type { Tape } from "../tensor/autograd/tape.js";
import { param, type Variable } from "../tensor/autograd/variable.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import type { MfSamples } from "./mfLoss.js";
import { ncfLogits, type NcfHead } from "./ncfHead.js";

/** Trainable NeuMF parameters: four embedding tables and the head. */
export interface NcfParams {
  /** users x gmfDim */
  readonly userGmf: Variable;
  /** items x gmfDim */
  readonly itemGmf: Variable;
  /** users x mlpDim */
  readonly userMlp: Variable;
  /** items x mlpDim */
  readonly itemMlp: Variable;
  readonly head: NcfHead<Variable>;
}

/** Shape settings of the parameters. */
export interface NcfShape {
  readonly gmfDim: number;
  readonly mlpDim: number;
  readonly layers: readonly number[];
}

/** Names and shapes of every tensor, in a fixed order (for init, save and load). */
export function ncfTensorShapes(s: NcfShape, users: number, items: number): [string, number, number][] {
  const out: [string, number, number][] = [
    ["userGmf", users, s.gmfDim],
    ["itemGmf", items, s.gmfDim],
    ["userMlp", users, s.mlpDim],
    ["itemMlp", items, s.mlpDim],
  ];
  let width = 2 * s.mlpDim;
  s.layers.forEach((h, k) => {
    out.push([`mlpW${k}`, width, h], [`mlpB${k}`, 1, h]);
    width = h;
  });
  out.push(["outW", s.gmfDim + width, 1], ["outB", 1, 1]);
  return out;
}

/** Builds the parameter set from named matrices (shapes as in `ncfTensorShapes`). */
export function ncfParamsFrom(s: NcfShape, named: ReadonlyMap<string, Matrix>): NcfParams {
  const get = (name: string): Variable => {
    const m = named.get(name);
    if (!m) throw new Error(`ncf: missing tensor "${name}"`);
    return param(m, name);
  };
  return {
    userGmf: get("userGmf"),
    itemGmf: get("itemGmf"),
    userMlp: get("userMlp"),
    itemMlp: get("itemMlp"),
    head: {
      gmfDim: s.gmfDim,
      mlpDim: s.mlpDim,
      weights: s.layers.map((_, k) => get(`mlpW${k}`)),
      biases: s.layers.map((_, k) => get(`mlpB${k}`)),
      out: get("outW"),
      outBias: get("outB"),
    },
  };
}

/**
 * Fresh parameters: embeddings N(0, initStd^2) (He et al. use 0.01), MLP and output weights
 * Glorot-uniform, biases 0.
 */
export function initNcfParams(
  s: NcfShape,
  users: number,
  items: number,
  initStd: number,
  rng: Rng,
): NcfParams {
  const named = new Map<string, Matrix>();
  for (const [name, rows, cols] of ncfTensorShapes(s, users, items)) {
    const m = new Matrix(rows, cols);
    if (name.endsWith("Gmf") || name.endsWith("Mlp")) rng.fillNormal(m.data, 0, initStd);
    else if (name.startsWith("mlpW") || name === "outW") {
      const b = Math.sqrt(6 / (rows + cols));
      rng.fillUniform(m.data, -b, b);
    }
    named.set(name, m);
  }
  return ncfParamsFrom(s, named);
}

/** Every parameter Variable: the four tables first, then the head. */
export function ncfParamList(p: NcfParams): Variable[] {
  return [p.userGmf, p.itemGmf, p.userMlp, p.itemMlp, ...ncfHeadList(p.head)];
}

/** The head's Variables. */
export function ncfHeadList(h: NcfHead<Variable>): Variable[] {
  return [...h.weights, ...h.biases, h.out, h.outBias];
}

/**
 * NeuMF's objective for a batch of labelled pairs (MfSamples with `labels`):
 *
 *   mean_s BCE(logit(u_s, i_s), y_s) + reg/2 * mean_s (|[g_u | m_u]|^2 + |[g_i | m_i]|^2)
 *
 * with the representations gathered from the tables (the L2 term touches only the batch's rows).
 */
export function ncfLoss(t: Tape, p: NcfParams, samples: MfSamples, reg: number): Variable {
  const labels = samples.labels;
  if (!labels) throw new Error("ncfLoss: samples need labels (pointwise BCE)");
  const n = samples.users.length;
  if (samples.items.length !== n || labels.length !== n)
    throw new RangeError(`ncfLoss: ${n} users, ${samples.items.length} items and ${labels.length} labels`);
  const users = t.concatCols([t.embedding(p.userGmf, samples.users), t.embedding(p.userMlp, samples.users)]);
  const items = t.concatCols([t.embedding(p.itemGmf, samples.items), t.embedding(p.itemMlp, samples.items)]);
  const bce = t.bceWithLogits(ncfLogits(t, p.head, users, items), new Matrix(n, 1, labels));
  if (reg === 0) return bce;
  const sq = t.add(t.sum(t.square(users)), t.sum(t.square(items)));
  return t.add(bce, t.scale(sq, reg / (2 * n)));
}
