import { causalAttention } from "../tensor/autograd/attention.js";
import { param, type Tape, type Variable } from "../tensor/autograd/index.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import type { PackedSequences } from "./sequence-batch.js";

/** The architecture hyperparameters the network needs. */
export interface SasRecNetConfig {
  readonly dim: number;
  readonly blocks: number;
  readonly heads: number;
  readonly maxLen: number;
  readonly dropout: number;
  readonly activation: "relu" | "gelu";
}

/** SASRec weights by name (see `paramSpecs`). */
export type SasRecParams = Record<string, Variable>;

/** How a weight is initialised. */
type Init = "xavier" | "zeros" | "ones";

/** One weight: name, shape and initialisation. */
export interface ParamSpec {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  readonly init: Init;
}

/** Names of the weights of block i. */
const blockNames = (i: number) =>
  ({
    ln1Gain: `block${i}.ln1.gain`,
    ln1Bias: `block${i}.ln1.bias`,
    wq: `block${i}.attn.wq`,
    bq: `block${i}.attn.bq`,
    wk: `block${i}.attn.wk`,
    bk: `block${i}.attn.bk`,
    wv: `block${i}.attn.wv`,
    bv: `block${i}.attn.bv`,
    wo: `block${i}.attn.wo`,
    bo: `block${i}.attn.bo`,
    ln2Gain: `block${i}.ln2.gain`,
    ln2Bias: `block${i}.ln2.bias`,
    w1: `block${i}.ffn.w1`,
    b1: `block${i}.ffn.b1`,
    w2: `block${i}.ffn.w2`,
    b2: `block${i}.ffn.b2`,
  }) as const;

/**
 * Every weight in a fixed order: the item table `item` (items x d, shared by input and output),
 * position table `pos` (maxLen x d), per block the two layer norms, the attention projections
 * (x W + b, W stored in x out) and the two feed-forward layers (d -> d -> d, as the original), and
 * the final layer norm `final.gain` / `final.bias`.
 */
export function paramSpecs(items: number, c: SasRecNetConfig): ParamSpec[] {
  const d = c.dim;
  const specs: ParamSpec[] = [
    { name: "item", rows: items, cols: d, init: "xavier" },
    { name: "pos", rows: c.maxLen, cols: d, init: "xavier" },
  ];
  for (let i = 0; i < c.blocks; i++) {
    const n = blockNames(i);
    const vec = (name: string, init: Init): ParamSpec => ({ name, rows: 1, cols: d, init });
    const mat = (name: string): ParamSpec => ({ name, rows: d, cols: d, init: "xavier" });
    specs.push(vec(n.ln1Gain, "ones"), vec(n.ln1Bias, "zeros"));
    specs.push(mat(n.wq), vec(n.bq, "zeros"), mat(n.wk), vec(n.bk, "zeros"));
    specs.push(mat(n.wv), vec(n.bv, "zeros"), mat(n.wo), vec(n.bo, "zeros"));
    specs.push(vec(n.ln2Gain, "ones"), vec(n.ln2Bias, "zeros"));
    specs.push(mat(n.w1), vec(n.b1, "zeros"), mat(n.w2), vec(n.b2, "zeros"));
  }
  specs.push({ name: "final.gain", rows: 1, cols: d, init: "ones" });
  specs.push({ name: "final.bias", rows: 1, cols: d, init: "zeros" });
  return specs;
}

/**
 * Fresh weights: Xavier-normal matrices (std sqrt(2 / (rows + cols)), as the PyTorch port's
 * xavier_normal_ on every matrix, embeddings included), zero biases, unit layer-norm gains. Draws
 * from `rng` in `paramSpecs` order.
 */
export function initParams(items: number, c: SasRecNetConfig, rng: Rng): SasRecParams {
  const p: SasRecParams = {};
  for (const s of paramSpecs(items, c)) {
    const m = new Matrix(s.rows, s.cols);
    if (s.init === "xavier") rng.fillNormal(m.data, 0, Math.sqrt(2 / (s.rows + s.cols)));
    else if (s.init === "ones") m.data.fill(1);
    p[s.name] = param(m, s.name);
  }
  return p;
}

/** x W + b. */
function linear(t: Tape, x: Variable, p: SasRecParams, w: string, b: string): Variable {
  return t.add(t.matmul(x, p[w]), p[b]);
}

/**
 * The SASRec network (Kang & McAuley 2018, as the common PyTorch port computes it) on packed
 * sequences; returns the hidden state of every row after the final layer norm (rows x d):
 *
 *   x = dropout(E[item] * sqrt(d) + P[position])
 *   per block:  q = LN1(x);  x = q + Wo(Attn(q Wq, x Wk, x Wv))   (causal, within each sequence)
 *               x = LN2(x);  x = x + dropout(W2(dropout(act(W1 x))))
 *   out = LNfinal(x)
 *
 * As in the original (and its port) the queries and the residual come from the normalised input
 * while keys and values use the un-normalised one. Padding never appears: the rows are the
 * non-padding positions only, and attention stays within each sequence's segment. Dropout (also on
 * the attention weights) is active when `rng` is given and the tape is in training mode.
 */
export function sasrecForward(
  t: Tape,
  p: SasRecParams,
  batch: PackedSequences,
  c: SasRecNetConfig,
  rng?: Rng,
): Variable {
  const drop = (x: Variable): Variable => (rng && c.dropout > 0 ? t.dropout(x, c.dropout, rng) : x);
  let x = t.add(
    t.scale(t.embedding(p.item, batch.items), Math.sqrt(c.dim)),
    t.embedding(p.pos, batch.positions),
  );
  x = drop(x);
  for (let i = 0; i < c.blocks; i++) {
    const n = blockNames(i);
    const q = t.layerNorm(x, p[n.ln1Gain], p[n.ln1Bias], 1e-8);
    const att = causalAttention(
      t,
      linear(t, q, p, n.wq, n.bq),
      linear(t, x, p, n.wk, n.bk),
      linear(t, x, p, n.wv, n.bv),
      batch,
      {
        heads: c.heads,
        dropout: rng ? c.dropout : 0,
        ...(rng ? { rng } : {}),
      },
    );
    x = t.add(q, linear(t, att, p, n.wo, n.bo));
    x = t.layerNorm(x, p[n.ln2Gain], p[n.ln2Bias], 1e-8);
    const hid = linear(t, x, p, n.w1, n.b1);
    const act = c.activation === "gelu" ? t.gelu(drop(hid)) : t.relu(drop(hid));
    x = t.add(x, drop(linear(t, act, p, n.w2, n.b2)));
  }
  return t.layerNorm(x, p["final.gain"], p["final.bias"], 1e-8);
}
