import { indexedAttentionWeights } from "../tensor/autograd/indexed-attention.js";
import { Tape, constant, type Variable } from "../tensor/autograd/index.js";
import { Matrix } from "../tensor/matrix.js";
import { publicIntents, personalSlots } from "./saerec-retrieval.js";
import { branchNames, type Branch } from "./saerec-net.js";
import type { SaeRec } from "./saerec.js";
import { IntentSlotter } from "./saerec-slots.js";
import { emptySequenceState, sasrecForward } from "./sasrec-net.js";
import { packSequences } from "./sequence-batch.js";

/** One retrieved intent of the user and how much it weighs in the fused representation. */
export interface ExplainedIntent {
  /** Library index of the intent. */
  readonly intent: number;
  readonly label: string;
  readonly branch: Branch;
  /** Attention weight of the intent in its branch, averaged over heads (a branch's weights sum to 1). */
  readonly attention: number;
  /** Euclidean norm of the intent's part of the fused representation z. */
  readonly norm: number;
}

/** One intent's part of an item's score. */
export interface IntentScorePart {
  readonly intent: number;
  readonly label: string;
  readonly branch: Branch;
  readonly score: number;
}

/** An item's score split into parts that sum to it (up to float rounding). */
export interface ExplainedItem {
  readonly item: number;
  /** z . e_item: the model's score. */
  readonly score: number;
  /** Part of the sequence branch (SASRec's state through the fusion). */
  readonly sequence: number;
  /** Part of the constant terms (branch output biases, fusion bias). */
  readonly bias: number;
  /** Part of each retrieved intent, largest magnitude first. */
  readonly intents: IntentScorePart[];
}

/** What {@link explainSaerec} returns for one user. */
export interface SaerecExplanation {
  /** The user's retrieved intents (personal, then public), strongest (norm) first within each branch. */
  readonly intents: ExplainedIntent[];
  readonly items: ExplainedItem[];
  /** Intents switched off (never retrieved for this explanation). */
  readonly off: number[];
  /** The fused user representation z (1 x d), equal to encodeUsers with the same intents. */
  readonly z: Float32Array;
}

/** Options of {@link explainSaerec}. */
export interface ExplainSaerecOptions {
  /** Items to explain; default the top `n` items not in the sequence. */
  readonly items?: ArrayLike<number>;
  /** List length when `items` is not given (default 10). */
  readonly n?: number;
  /** Intents switched off: excluded from retrieval (the next-best intents take their slots). */
  readonly off?: Iterable<number>;
}

const linear = (
  t: Tape,
  x: Variable,
  p: Readonly<Record<string, Variable>>,
  w: string,
  b: string,
): Variable => t.add(t.matmul(x, p[w]), p[b]);

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
};

/** v (1 x d) times rows [r0, r0 + d) of W (as a d x d block). */
function timesBlock(v: Float32Array, w: Matrix, r0: number): Float32Array {
  const d = w.cols;
  const out = new Float32Array(d);
  for (let a = 0; a < v.length; a++) {
    const x = v[a];
    if (x === 0) continue;
    const row = w.data.subarray((r0 + a) * d, (r0 + a + 1) * d);
    for (let c = 0; c < d; c++) out[c] += x * row[c];
  }
  return out;
}

/**
 * Explains a SAERec user (their sequence, oldest first) by intents. At the last position the fused
 * representation is exactly a sum of parts, because the fusion is linear in each branch's
 * attention-weighted values once the attention weights and gates are fixed (saerec-net.ts):
 *
 *   c_j = sum_h p_hj (V_j^h Wo^h)           intent j's share of its branch output a_b = sum_j c_j + bo
 *   add:    z = h + sum_j c_j + sum_b bo_b
 *   concat: z = h W_0 + sum_j c_j W_b + (sum_b bo_b W_b + b_f)          (W_b: branch b's block of W_f)
 *   gate:   z = h + sum_j g_b * c_j + sum_b g_b * bo_b                  (g_b: the branch's gate)
 *
 * and an item's score z . e_i splits into the sequence part, one part per retrieved intent and a
 * bias part, which sum to the score. `off` switches intents off for this user: they are left out of
 * retrieval (personal and public), the next-best intents fill the slots, and the items re-rank.
 */
export function explainSaerec(
  model: SaeRec,
  sequence: Int32Array,
  opts: ExplainSaerecOptions = {},
): SaerecExplanation {
  const it = model.internals();
  const c = model.config;
  const p = it.params;
  const nIntents = it.priors.labels.length;
  const off = [...new Set(opts.off ?? [])].sort((a, b) => a - b);
  for (const o of off)
    if (!(Number.isInteger(o) && o >= 0 && o < nIntents))
      throw new RangeError(`saerec.explain: intent ${o} is outside [0, ${nIntents})`);
  for (const item of sequence)
    if (!(item >= 0 && item < model.nItems))
      throw new RangeError(`saerec.explain: item ${item} of the sequence is outside [0, ${model.nItems})`);
  const exclude = new Set(off);
  const random = c.intents === "random";
  const pub =
    off.length === 0
      ? it.publicIds
      : random
        ? it.publicIds.filter((x) => !exclude.has(x))
        : publicIntents(it.stats.df, it.priors.confidence, c.publicK, exclude);
  const settings = {
    personalK: c.personalK,
    publicK: c.publicK,
    personalWindow: c.personalWindow,
    random,
    branches: it.branches,
  };
  const slotter = new IntentSlotter(it.priors, it.stats.idf, pub, settings, exclude);
  const personal = new Int32Array(c.personalK).fill(-1);
  if (sequence.length > 0 && it.branches.includes("personal"))
    personalSlots(
      sequence,
      { from: sequence.length - 1, count: 1 },
      it.priors.activations,
      it.stats.idf,
      c.personalK,
      random ? "random" : "retrieved",
      personal,
      { exclude, window: c.personalWindow },
    );
  const inputs = slotter.rowsInputs(personal, 1);
  const t = Tape.inference();
  const d = c.dim;
  let h: Float32Array;
  if (sequence.length === 0) h = emptySequenceState(p, c).slice();
  else {
    const packed = packSequences([sequence], c.maxLen);
    h = sasrecForward(t, p, packed, c)
      .value.row(packed.rows - 1)
      .slice();
  }
  const hv = constant(new Matrix(1, d, h));
  const e = linear(t, constant(inputs.vectors), p, "intent.proj", "intent.bias");
  const seqVec = c.fusion === "concat" ? timesBlock(h, p["fusion.w"].value, 0) : h.slice();
  const biasVec = c.fusion === "concat" ? p["fusion.b"].value.data.slice() : new Float32Array(d);
  const parts: { intent: number; branch: Branch; attention: number; vec: Float32Array }[] = [];
  it.branches.forEach((b, bi) => {
    const n = branchNames(b);
    const slots = inputs.slots[b];
    if (!slots) return;
    const q = linear(t, hv, p, n.wq, n.bq).value;
    const kMat = linear(t, e, p, n.wk, n.bk).value;
    const vMat = linear(t, e, p, n.wv, n.bv).value;
    const probs = indexedAttentionWeights(q, kMat, slots, c.heads);
    const wo = p[n.wo].value;
    const bo = p[n.bo].value.data;
    const dk = d / c.heads;
    const k = slots.slots;
    const contrib: Float32Array[] = [];
    const a = Float32Array.from(bo);
    for (let j = 0; j < k; j++) {
      const local = slots.ids[j];
      const cj = new Float32Array(d);
      if (local >= 0) {
        for (let hd = 0; hd < c.heads; hd++) {
          const pr = probs[hd * k + j];
          const vh = new Float32Array(d);
          for (let x = hd * dk; x < (hd + 1) * dk; x++) vh[x] = pr * vMat.get(local, x);
          const part = timesBlock(vh, wo, 0);
          for (let x = 0; x < d; x++) cj[x] += part[x];
        }
      }
      contrib.push(cj);
      for (let x = 0; x < d; x++) a[x] += cj[x];
    }
    // The fusion's linear map for this branch.
    let map: (v: Float32Array) => Float32Array = (v) => v;
    if (c.fusion === "concat") map = (v) => timesBlock(v, p["fusion.w"].value, (1 + bi) * d);
    else if (c.fusion === "gate") {
      const g = t.sigmoid(linear(t, t.concatCols([hv, constant(new Matrix(1, d, a))]), p, n.gateW, n.gateB))
        .value.data;
      map = (v) => v.map((x, i) => x * g[i]);
    }
    const mb = map(Float32Array.from(bo));
    for (let x = 0; x < d; x++) biasVec[x] += mb[x];
    for (let j = 0; j < k; j++) {
      const local = slots.ids[j];
      if (local < 0) continue;
      let att = 0;
      for (let hd = 0; hd < c.heads; hd++) att += probs[hd * k + j];
      parts.push({ intent: inputs.used[local], branch: b, attention: att / c.heads, vec: map(contrib[j]) });
    }
  });
  const z = Float32Array.from(seqVec);
  for (const part of parts) for (let x = 0; x < d; x++) z[x] += part.vec[x];
  for (let x = 0; x < d; x++) z[x] += biasVec[x];
  const table = model.encodeItems();
  let items: number[];
  if (opts.items) items = Array.from(opts.items);
  else {
    const seen = new Set(sequence);
    const scored: { i: number; s: number }[] = [];
    for (let i = 0; i < model.nItems; i++) if (!seen.has(i)) scored.push({ i, s: dot(z, table.row(i)) });
    scored.sort((x, y) => y.s - x.s || x.i - y.i);
    items = scored.slice(0, opts.n ?? 10).map((x) => x.i);
  }
  const label = (intent: number): string => it.priors.labels[intent];
  const norm = (v: Float32Array): number => Math.sqrt(dot(v, v));
  return {
    intents: parts
      .map((x) => ({
        intent: x.intent,
        label: label(x.intent),
        branch: x.branch,
        attention: x.attention,
        norm: norm(x.vec),
      }))
      .sort((x, y) => (x.branch === y.branch ? y.norm - x.norm : x.branch === "personal" ? -1 : 1)),
    items: items.map((i) => {
      if (!(Number.isInteger(i) && i >= 0 && i < model.nItems))
        throw new RangeError(`saerec.explain: item ${i} is outside [0, ${model.nItems})`);
      const e_i = table.row(i);
      return {
        item: i,
        score: dot(z, e_i),
        sequence: dot(seqVec, e_i),
        bias: dot(biasVec, e_i),
        intents: parts
          .map((x) => ({
            intent: x.intent,
            label: label(x.intent),
            branch: x.branch,
            score: dot(x.vec, e_i),
          }))
          .sort((x, y) => Math.abs(y.score) - Math.abs(x.score)),
      };
    }),
    off,
    z,
  };
}
