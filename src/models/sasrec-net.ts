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
  /** Block layout: "kang" (pre-LN, the original and its PyTorch port) or "s3rec" (post-LN, see below). */
  readonly variant: "kang" | "s3rec";
}

/** SASRec weights by name (see `paramSpecs`). */
export type SasRecParams = Record<string, Variable>;

/** How a weight is initialised ("normal": N(0, 0.02^2), the S3-Rec code's initializer_range). */
type Init = "xavier" | "normal" | "zeros" | "ones";

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
 * (x W + b, W stored in x out) and the two feed-forward layers, and one more layer norm:
 * - "kang": feed-forward d -> d -> d (as the original), the final layer norm `final.gain` / `final.bias`;
 * - "s3rec": feed-forward d -> 4d -> d, the embedding layer norm `emb.gain` / `emb.bias`, every
 *   matrix and table drawn from N(0, 0.02^2).
 */
export function paramSpecs(items: number, c: SasRecNetConfig): ParamSpec[] {
  const d = c.dim;
  const s3rec = c.variant === "s3rec";
  const init: Init = s3rec ? "normal" : "xavier";
  const inner = s3rec ? 4 * d : d;
  const specs: ParamSpec[] = [
    { name: "item", rows: items, cols: d, init },
    { name: "pos", rows: c.maxLen, cols: d, init },
  ];
  const vec = (name: string, fill: Init, cols = d): ParamSpec => ({ name, rows: 1, cols, init: fill });
  const mat = (name: string, rows = d, cols = d): ParamSpec => ({ name, rows, cols, init });
  if (s3rec) specs.push(vec("emb.gain", "ones"), vec("emb.bias", "zeros"));
  for (let i = 0; i < c.blocks; i++) {
    const n = blockNames(i);
    specs.push(vec(n.ln1Gain, "ones"), vec(n.ln1Bias, "zeros"));
    specs.push(mat(n.wq), vec(n.bq, "zeros"), mat(n.wk), vec(n.bk, "zeros"));
    specs.push(mat(n.wv), vec(n.bv, "zeros"), mat(n.wo), vec(n.bo, "zeros"));
    specs.push(vec(n.ln2Gain, "ones"), vec(n.ln2Bias, "zeros"));
    specs.push(mat(n.w1, d, inner), vec(n.b1, "zeros", inner), mat(n.w2, inner, d), vec(n.b2, "zeros"));
  }
  if (!s3rec) specs.push(vec("final.gain", "ones"), vec("final.bias", "zeros"));
  return specs;
}

/**
 * The state a sequence with no position gets (users x d row of the probing site): the output layer
 * norm of a zero input, i.e. its bias ("kang": the final layer norm; "s3rec": the last block's
 * second one).
 */
export function emptySequenceState(p: SasRecParams, c: SasRecNetConfig): Float32Array {
  const name = c.variant === "s3rec" ? blockNames(c.blocks - 1).ln2Bias : "final.bias";
  return p[name].value.data;
}

/**
 * Fresh weights: "kang" draws Xavier-normal matrices (std sqrt(2 / (rows + cols)), as the PyTorch
 * port's xavier_normal_ on every matrix, embeddings included), "s3rec" N(0, 0.02^2) (the S3-Rec
 * code's init_weights); zero biases, unit layer-norm gains. Draws from `rng` in `paramSpecs` order.
 */
export function initParams(items: number, c: SasRecNetConfig, rng: Rng): SasRecParams {
  const p: SasRecParams = {};
  for (const s of paramSpecs(items, c)) {
    const m = new Matrix(s.rows, s.cols);
    if (s.init === "xavier") rng.fillNormal(m.data, 0, Math.sqrt(2 / (s.rows + s.cols)));
    else if (s.init === "normal") rng.fillNormal(m.data, 0, 0.02);
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
 * The SASRec network on packed sequences; returns the hidden state of every row (rows x d), the
 * probing site. "kang" (Kang & McAuley 2018, as the common PyTorch port computes it):
 *
 *   x = dropout(E[item] * sqrt(d) + P[position])
 *   per block:  q = LN1(x);  x = q + Wo(Attn(q Wq, x Wk, x Wv))   (causal, within each sequence)
 *               x = LN2(x);  x = x + dropout(W2(dropout(act(W1 x))))
 *   out = LNfinal(x)
 *
 * As in the original (and its port) the queries and the residual come from the normalised input
 * while keys and values use the un-normalised one. "s3rec" (the SASRec of the S3-Rec code base,
 * which the CoSeRec/ICSRec papers' baseline rows come from; a BERT-style post-LN encoder):
 *
 *   x = dropout(LNemb(E[item] + P[position]))
 *   per block:  x = LN1(x + dropout(Wo(Attn(x Wq, x Wk, x Wv))))
 *               x = LN2(x + dropout(W2(act(W1 x))))          (W1: d -> 4d)
 *   out = x
 *
 * Padding never appears: the rows are the non-padding positions only, and attention stays within
 * each sequence's segment. Dropout (also on the attention weights) is active when `rng` is given
 * and the tape is in training mode.
 */
export function sasrecForward(
  t: Tape,
  p: SasRecParams,
  batch: PackedSequences,
  c: SasRecNetConfig,
  rng?: Rng,
): Variable {
  const drop = (x: Variable): Variable => (rng && c.dropout > 0 ? t.dropout(x, c.dropout, rng) : x);
  const attention = (q: Variable, kv: Variable, n: ReturnType<typeof blockNames>): Variable =>
    linear(
      t,
      causalAttention(
        t,
        linear(t, q, p, n.wq, n.bq),
        linear(t, kv, p, n.wk, n.bk),
        linear(t, kv, p, n.wv, n.bv),
        batch,
        { heads: c.heads, dropout: rng ? c.dropout : 0, ...(rng ? { rng } : {}) },
      ),
      p,
      n.wo,
      n.bo,
    );
  const act = (x: Variable): Variable => (c.activation === "gelu" ? t.gelu(x) : t.relu(x));
  const items = t.embedding(p.item, batch.items);
  const positions = t.embedding(p.pos, batch.positions);
  if (c.variant === "s3rec") {
    const eps = 1e-12;
    let x = drop(t.layerNorm(t.add(items, positions), p["emb.gain"], p["emb.bias"], eps));
    for (let i = 0; i < c.blocks; i++) {
      const n = blockNames(i);
      x = t.layerNorm(t.add(x, drop(attention(x, x, n))), p[n.ln1Gain], p[n.ln1Bias], eps);
      const ffn = linear(t, act(linear(t, x, p, n.w1, n.b1)), p, n.w2, n.b2);
      x = t.layerNorm(t.add(x, drop(ffn)), p[n.ln2Gain], p[n.ln2Bias], eps);
    }
    return x;
  }
  let x = drop(t.add(t.scale(items, Math.sqrt(c.dim)), positions));
  for (let i = 0; i < c.blocks; i++) {
    const n = blockNames(i);
    const q = t.layerNorm(x, p[n.ln1Gain], p[n.ln1Bias], 1e-8);
    x = t.add(q, attention(q, x, n));
    x = t.layerNorm(x, p[n.ln2Gain], p[n.ln2Bias], 1e-8);
    x = t.add(x, drop(linear(t, act(drop(linear(t, x, p, n.w1, n.b1))), p, n.w2, n.b2)));
  }
  return t.layerNorm(x, p["final.gain"], p["final.bias"], 1e-8);
}
