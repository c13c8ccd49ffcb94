import { indexedAttention, type AttentionSlots } from "../tensor/autograd/indexed-attention.js";
import { constant, param, type Tape, type Variable } from "../tensor/autograd/index.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import type { ParamSpec } from "./sasrec-net.js";

/** Intent branches: personal (per user and position) and public (the same for everyone). */
export type Branch = "personal" | "public";

/** How the sequence state and the intent branches are fused into the user representation. */
export type Fusion = "add" | "concat" | "gate";

/** What the intent part of the network needs to know. */
export interface IntentNetConfig {
  readonly dim: number;
  readonly heads: number;
  readonly dropout: number;
  readonly fusion: Fusion;
}

/** Weight names of one branch. */
export const branchNames = (b: Branch) =>
  ({
    wq: `${b}.attn.wq`,
    bq: `${b}.attn.bq`,
    wk: `${b}.attn.wk`,
    bk: `${b}.attn.bk`,
    wv: `${b}.attn.wv`,
    bv: `${b}.attn.bv`,
    wo: `${b}.attn.wo`,
    bo: `${b}.attn.bo`,
    gateW: `${b}.gate.w`,
    gateB: `${b}.gate.b`,
  }) as const;

/**
 * The intent weights in a fixed order (after SASRec's): the shared projection of intent vectors to
 * the hidden width (`intent.proj` dText x d, `intent.bias`), per branch the attention projections
 * (x W + b), and the fusion weights: `concat` one map of [h | a_1 | ...] ((1 + branches) d x d,
 * `fusion.w` / `fusion.b`); `gate` per branch `gate.w` (2d x d) and `gate.b`; `add` none.
 */
export function intentParamSpecs(
  dText: number,
  branches: readonly Branch[],
  c: IntentNetConfig,
): ParamSpec[] {
  if (branches.length === 0) return [];
  const d = c.dim;
  const vec = (name: string): ParamSpec => ({ name, rows: 1, cols: d, init: "zeros" });
  const mat = (name: string, rows = d): ParamSpec => ({ name, rows, cols: d, init: "xavier" });
  const specs: ParamSpec[] = [mat("intent.proj", dText), vec("intent.bias")];
  for (const b of branches) {
    const n = branchNames(b);
    specs.push(mat(n.wq), vec(n.bq), mat(n.wk), vec(n.bk), mat(n.wv), vec(n.bv), mat(n.wo), vec(n.bo));
    if (c.fusion === "gate") specs.push(mat(n.gateW, 2 * d), vec(n.gateB));
  }
  if (c.fusion === "concat") specs.push(mat("fusion.w", (1 + branches.length) * d), vec("fusion.b"));
  return specs;
}

/** Fresh weights for `specs` (Xavier-normal matrices, zero vectors), drawn from `rng` in order. */
export function initSpecs(specs: readonly ParamSpec[], rng: Rng, into: Record<string, Variable>): void {
  for (const s of specs) {
    const m = new Matrix(s.rows, s.cols);
    if (s.init === "xavier") rng.fillNormal(m.data, 0, Math.sqrt(2 / (s.rows + s.cols)));
    else if (s.init === "ones") m.data.fill(1);
    into[s.name] = param(m, s.name);
  }
}

/** The intents one forward pass attends to. */
export interface IntentInputs {
  /** Raw vectors of the intents used in this batch (used x dText), compact order. */
  readonly vectors: Matrix;
  /** Per branch: the slots of every row into the compact order. */
  readonly slots: { personal?: AttentionSlots; public?: AttentionSlots };
}

const linear = (t: Tape, x: Variable, p: Record<string, Variable>, w: string, b: string): Variable =>
  t.add(t.matmul(x, p[w]), p[b]);

/** One branch's output a_b = Attn(h Wq, E Wk, E Wv) Wo + bo (rows x d), before fusion. */
export function branchOutput(
  t: Tape,
  p: Record<string, Variable>,
  b: Branch,
  h: Variable,
  e: Variable,
  slots: AttentionSlots,
  heads: number,
): Variable {
  const n = branchNames(b);
  const att = indexedAttention(
    t,
    linear(t, h, p, n.wq, n.bq),
    linear(t, e, p, n.wk, n.bk),
    linear(t, e, p, n.wv, n.bv),
    slots,
    heads,
  );
  return linear(t, att, p, n.wo, n.bo);
}

/** Gate of branch b: sigmoid([h | a_b] Wg + bg) (rows x d). */
export function branchGate(
  t: Tape,
  p: Record<string, Variable>,
  b: Branch,
  h: Variable,
  a: Variable,
): Variable {
  const n = branchNames(b);
  return t.sigmoid(linear(t, t.concatCols([h, a]), p, n.gateW, n.gateB));
}

/**
 * The fused user representation from the sequence states `h` (rows x d, SASRec's output) and the
 * intent branches:
 *
 *   E = V_intents W_proj + b_proj                         (the used intents, projected)
 *   a_b = dropout(Attn_b(h, E, slots_b) Wo_b + bo_b)      per branch
 *   add:    z = h + sum_b a_b
 *   concat: z = [h | a_1 | ...] W_f + b_f
 *   gate:   z = h + sum_b sigmoid([h | a_b] W_gb + b_gb) * a_b   (elementwise gates)
 *
 * No normalisation follows the fusion, so z is linear in each branch's attention-weighted values
 * for fixed attention weights and gates: that is what makes the explanation split exact.
 */
export function fuseIntents(
  t: Tape,
  p: Record<string, Variable>,
  h: Variable,
  inputs: IntentInputs,
  branches: readonly Branch[],
  c: IntentNetConfig,
  rng?: Rng,
): Variable {
  if (branches.length === 0) return h;
  const e = linear(t, constant(inputs.vectors), p, "intent.proj", "intent.bias");
  const outs = branches.map((b) => {
    const slots = inputs.slots[b];
    if (!slots) throw new Error(`saerec: no slots for the ${b} branch`);
    const a = branchOutput(t, p, b, h, e, slots, c.heads);
    return rng && c.dropout > 0 ? t.dropout(a, c.dropout, rng) : a;
  });
  if (c.fusion === "concat") return linear(t, t.concatCols([h, ...outs]), p, "fusion.w", "fusion.b");
  let z = h;
  branches.forEach((b, i) => {
    z = t.add(z, c.fusion === "gate" ? t.mul(branchGate(t, p, b, h, outs[i]), outs[i]) : outs[i]);
  });
  return z;
}
