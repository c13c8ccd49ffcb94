import { z } from "zod";
import { BadInput } from "../errors.js";
import { rankBiasedOverlap, kendallTauTopN } from "../eval/fidelity.js";
import type { Recommender } from "../models/types.js";
import { topNItems, topNUnseen, type TopNLists } from "../nested/nested-rank.js";
import { makeSaeConfig } from "../sae/config.js";
import {
  DotPairScorer,
  JointBatch,
  TapePairScorer,
  type PairScorer,
} from "../sae/losses/joint-prediction.js";
import type { LossConfig } from "../sae/losses/types.js";
import { SparseAutoencoder } from "../sae/model.js";
import { trainSae, type TrainReport } from "../sae/trainer.js";
import type { SaeConfig } from "../sae/types.js";
import type { Tape } from "../tensor/autograd/tape.js";
import type { Input, Variable } from "../tensor/autograd/variable.js";
import { kernels } from "../tensor/backend.js";
import type { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { parseWith } from "../store/validation.js";
import { trainingRepresentations } from "./representations.js";
import { firingRates } from "./sae-metrics.js";
import { auxkTerm, defaultAuxkWeight } from "./sae-settings.js";

/**
 * Settings of one joint SAE over both towers of a two-tower model (Arviv et al. 2025): ReLU,
 * embedding MSE + beta x prediction MSE + KL sparsity. The paper uses 22 latents over 20-d ML-1M
 * embeddings (70 over 100-d Last.FM); the defaults here are the setting measured to keep top-30 RBO
 * >= 0.8 on ML-1M MF (docs/quality-monosemanticity4rec.md, "Monosemanticity4Rec"): 64 latents, per-sample input
 * normalisation, 32 users per step with their top-30 items, KL 0.01, 20 epochs.
 */
export const JointSaeSettingsSchema = z
  .object({
    /** "relu" (with KL / L1 sparsity, the paper's), "topk", or "matryoshka" (4 nested quarters, TopK). */
    architecture: z.enum(["relu", "topk", "matryoshka"]).default("relu"),
    /** Number of latents (bottleneck neurons). */
    latents: z.number().int().min(1).default(64),
    /** Active latents per row (topk, matryoshka). */
    k: z.number().int().min(1).default(4),
    /** Weight beta of the prediction-level loss; 0 is the paper's ablation. */
    beta: z.number().min(0).finite().default(10),
    /** Weight of the embedding-level MSE. */
    alpha: z.number().positive().finite().default(1),
    /** KL sparsity weight (0 disables) and target firing rate rho. */
    kl: z.number().min(0).finite().default(0.01),
    klTarget: z.number().gt(0).lt(1).default(0.05),
    /** L1 weight on the activations (0 disables). */
    l1: z.number().min(0).finite().default(0),
    /** AuxK dead-latent loss weight (TopK family; default 1/32 as in `sae train`, 0 disables; relu: 0). */
    auxk: z.number().min(0).finite().optional(),
    /** Tied decoder W_dec = W_enc^T, as in the paper's public code (default: untied). */
    tied: z.boolean().optional(),
    /** Pairs per user and step: the user's top unseen items by the original model ... */
    topItems: z.number().int().min(0).default(30),
    /** ... and every item row of the batch (uniform random items, each item once per epoch). */
    usersPerBatch: z.number().int().min(1).default(32),
    epochs: z.number().int().min(1).default(20),
    lr: z.number().positive().finite().default(3e-3),
    /** Learning-rate schedule after the constant start: constant, or cosine / linear decay to 5%. */
    lrDecay: z.enum(["constant", "cosine", "linear"]).default("constant"),
    /**
     * Input handling: "none", or "per-sample" (each row centred and scaled by its own std, undone on
     * decode with the row's statistics: the paper's code, `normalize=True`).
     */
    normalisation: z.enum(["none", "per-sample"]).default("per-sample"),
    seed: z.number().int().default(42),
  })
  .strict();

/** Complete joint SAE settings. */
export type JointSaeSettings = z.output<typeof JointSaeSettingsSchema>;
/** Joint SAE settings as given. */
export type JointSaeSettingsInput = z.input<typeof JointSaeSettingsSchema>;

/** Validates and completes joint SAE settings (errors name the field and value). */
export function resolveJointSettings(
  input: JointSaeSettingsInput = {},
  where = "joint SAE settings",
): JointSaeSettings {
  return parseWith(JointSaeSettingsSchema, input, where);
}

/** A two-tower model's frozen scoring head: the pair scorer for the loss and full ranking scores. */
export interface TwoTowerHead {
  readonly scorer: PairScorer;
  /** users x items scores for user rows `users` against item rows `items` (both model.dim wide). */
  scoreAll(users: Matrix, items: Matrix): Matrix;
}

/** MF's head: scores u . i (+ a per-item bias in full scoring only). */
export function dotProductHead(dim: number, itemBias?: Float32Array): TwoTowerHead {
  return {
    scorer: new DotPairScorer(dim),
    scoreAll: (u, i) => {
      const out = kernels().gemm(false, true, 1, u, i, 0, new Matrix(u.rows, i.rows));
      if (itemBias) kernels().addRowVector(out, itemBias, out);
      return out;
    },
  };
}

interface NcfLike extends Recommender {
  scorePairs(users: Matrix, items: Matrix): Matrix;
  scorePairsOnTape(t: Tape, users: Input, items: Input): Variable;
}

function isNcfLike(m: Recommender): m is NcfLike {
  const c = m as Partial<NcfLike>;
  return typeof c.scorePairs === "function" && typeof c.scorePairsOnTape === "function";
}

/**
 * The frozen head of a two-tower run: MF's dot product (plus its item bias, read as decode(0), in
 * full scoring; a per-item constant cancels in the loss) or NCF's whole MLP head (autograd version).
 */
export function twoTowerHeadOf(model: Recommender): TwoTowerHead {
  const d = model.dim;
  if (model.name === "mf") return dotProductHead(d, model.decode(new Matrix(1, d)).data.slice());
  if (isNcfLike(model)) {
    const fn = (t: Tape, u: Input, i: Input): Variable => model.scorePairsOnTape(t, u, i);
    return {
      scorer: new TapePairScorer(d, fn),
      scoreAll: (u, i) => {
        const out = new Matrix(u.rows, i.rows);
        const chunk = Math.max(1, Math.floor(32768 / Math.max(1, i.rows)));
        for (let s = 0; s < u.rows; s += chunk) {
          const e = Math.min(u.rows, s + chunk);
          const rows = new Int32Array((e - s) * i.rows);
          const cols = new Int32Array((e - s) * i.rows);
          for (let r = s; r < e; r++)
            for (let c = 0; c < i.rows; c++) {
              rows[(r - s) * i.rows + c] = r;
              cols[(r - s) * i.rows + c] = c;
            }
          out.data.set(model.scorePairs(u.gatherRows(rows), i.gatherRows(cols)).data, s * i.rows);
        }
        return out;
      },
    };
  }
  throw new BadInput(
    `joint SAE: model "${model.name}" is not a two-tower model with a frozen pair scorer (mf, ncf)`,
  );
}

/** The rows a joint SAE trains on and what fidelity is measured against. */
export interface JointSaeData {
  /** Training users' embeddings (users x dim) and every item's (items x dim). */
  readonly users: Matrix;
  readonly items: Matrix;
  /** Training interactions (users x items), excluded from every list. */
  readonly seen: Csr;
  /** Each user's top `n` unseen items by the original model (the reference lists). */
  readonly reference: TopNLists;
  readonly n: number;
  readonly head: TwoTowerHead;
}

/** Users, items, the frozen head and the original top-n lists of a two-tower model fitted on `train`. */
export function jointSaeData(model: Recommender, train: Csr, n = 30): JointSaeData {
  if (typeof model.encodeItems !== "function")
    throw new BadInput(`joint SAE: model "${model.name}" has no item tower (encodeItems)`);
  return jointDataOf(
    trainingRepresentations(model, train),
    model.encodeItems(),
    train,
    twoTowerHeadOf(model),
    n,
  );
}

/** JointSaeData from the two towers' embeddings, the seen interactions and the frozen head. */
export function jointDataOf(
  users: Matrix,
  items: Matrix,
  seen: Csr,
  head: TwoTowerHead,
  n = 30,
): JointSaeData {
  if (users.cols !== items.cols || seen.rows !== users.rows || seen.cols !== items.rows)
    throw new RangeError(
      `jointDataOf: users ${users.shape}, items ${items.shape} and seen ${seen.rows}x${seen.cols} do not match`,
    );
  const reference = topNUnseen(head.scoreAll(users, items), seen, n);
  return { users, items, seen, reference, n, head };
}

/**
 * Per-epoch joint batches: users in a seeded random order, `usersPerBatch` at a time, each batch
 * with the matching slice of a random item order (so every item is a row once per epoch) plus the
 * batch users' top items; pairs = each user x (its `topItems` reference items + every slice item).
 */
export function jointBatches(
  data: JointSaeData,
  settings: JointSaeSettings,
): (epoch: number) => Iterable<JointBatch> {
  const nU = data.users.rows;
  const nI = data.items.rows;
  const d = data.users.cols;
  const steps = Math.ceil(nU / settings.usersPerBatch);
  const topK = Math.min(settings.topItems, data.n);
  return function* (epoch: number) {
    const rng = new Rng(settings.seed * 7919 + epoch * 104729 + 3);
    const uOrder = rng.permutation(nU);
    const iOrder = rng.permutation(nI);
    for (let b = 0; b < steps; b++) {
      const us = uOrder.subarray(b * settings.usersPerBatch, Math.min(nU, (b + 1) * settings.usersPerBatch));
      const slice = iOrder.subarray(Math.floor((b * nI) / steps), Math.floor(((b + 1) * nI) / steps));
      const itemRow = new Map<number, number>();
      const itemIds: number[] = [];
      const rowOf = (item: number): number => {
        let r = itemRow.get(item);
        if (r === undefined) {
          r = us.length + itemIds.length;
          itemRow.set(item, r);
          itemIds.push(item);
        }
        return r;
      };
      for (const i of slice) rowOf(i);
      const pu: number[] = [];
      const pi: number[] = [];
      for (let r = 0; r < us.length; r++) {
        const top = topNItems(data.reference, us[r]);
        for (let t = 0; t < Math.min(topK, top.length); t++) {
          pu.push(r);
          pi.push(rowOf(top[t]));
        }
        for (const i of slice) {
          pu.push(r);
          pi.push(itemRow.get(i) as number);
        }
      }
      const rows = us.length + itemIds.length;
      const x = new Float32Array(rows * d);
      for (let r = 0; r < us.length; r++) x.set(data.users.row(us[r]), r * d);
      for (let t = 0; t < itemIds.length; t++) x.set(data.items.row(itemIds[t]), (us.length + t) * d);
      yield new JointBatch(rows, d, x, { users: Int32Array.from(pu), items: Int32Array.from(pi) });
    }
  };
}

/** The SaeConfig of joint settings for inputs `dIn` wide (Matryoshka: 4 nested quarters, TopK). */
export function jointSaeConfig(s: JointSaeSettings, dIn: number): SaeConfig {
  const base = {
    normalisation: s.normalisation,
    bDecInit: "mean" as const,
    ...(s.tied ? { tied: true } : {}),
  };
  if (s.architecture === "relu") return makeSaeConfig("relu", dIn, s.latents, base);
  if (s.k > s.latents) throw new BadInput(`joint SAE: k = ${s.k} exceeds the ${s.latents} latents`);
  if (s.architecture === "topk") return makeSaeConfig("topk", dIn, s.latents, { ...base, k: s.k });
  const q = s.latents / 4;
  const prefixes = [...new Set([1, 2, 3, 4].map((f) => Math.max(1, Math.round(f * q))))];
  if (prefixes.length !== 4 || prefixes[3] !== s.latents)
    throw new BadInput(`joint SAE: matryoshka needs at least 4 latents for 4 quarters, got ${s.latents}`);
  return makeSaeConfig("matryoshka", dIn, s.latents, {
    ...base,
    k: s.k,
    prefixes,
    matryoshkaActivation: "topk",
  });
}

/**
 * The loss of joint settings: alpha MSE + beta joint prediction + KL/L1 sparsity (when > 0), and for
 * TopK/Matryoshka the AuxK dead-latent loss (a latent is dead after `rows` samples without firing).
 */
export function jointLossConfig(s: JointSaeSettings, scorer: PairScorer, rows: number): LossConfig {
  const loss: LossConfig = { l2: { weight: s.alpha } };
  const auxk = s.auxk ?? defaultAuxkWeight(s.architecture);
  if (auxk > 0) {
    if (s.architecture === "relu")
      throw new BadInput(`joint SAE: auxk = ${auxk} needs a TopK-family architecture, got relu`);
    loss.auxk = auxkTerm(auxk, rows, "least-squares");
  }
  if (s.beta > 0) loss.jointPrediction = { weight: s.beta, scorer };
  if (s.kl > 0) loss.kl = { weight: s.kl, target: s.klTarget };
  if (s.l1 > 0) loss.l1 = { weight: s.l1, decoderNormWeighted: true };
  return loss;
}

/** A trained joint SAE and its training report. */
export interface FittedJointSae {
  readonly sae: SparseAutoencoder;
  readonly config: SaeConfig;
  readonly settings: JointSaeSettings;
  readonly training: TrainReport;
  readonly seconds: number;
}

/** Trains one SAE over the users and items of `data` with the joint loss (Adam, seeded). */
export async function fitJointSae(data: JointSaeData, settings: JointSaeSettings): Promise<FittedJointSae> {
  const started = Date.now();
  const config = jointSaeConfig(settings, data.users.cols);
  const sae = new SparseAutoencoder(config, settings.seed);
  const all = stack(data.users, data.items);
  sae.initialise(all, { atoms: "data", seed: settings.seed });
  const losses = jointLossConfig(settings, data.head.scorer, all.rows);
  const training = await trainSae(sae, jointBatches(data, settings), losses, {
    epochs: settings.epochs,
    lr: settings.lr,
    seed: settings.seed,
    patience: 0,
    decay: settings.lrDecay,
    minLrFactor: 0.05,
    stepsPerEpoch: Math.ceil(data.users.rows / settings.usersPerBatch),
    deadAfter: all.rows,
    progress: "never",
  });
  return { sae, config, settings, training, seconds: (Date.now() - started) / 1000 };
}

/** Users then items in one matrix. */
export function stack(a: Matrix, b: Matrix): Matrix {
  const out = new Matrix(a.rows + b.rows, a.cols);
  out.data.set(a.data, 0);
  out.data.set(b.data, a.data.length);
  return out;
}

/**
 * RBO as the paper's public code computes it (Monosemanticity4Rec `utils.ipynb`, `rbo`): the
 * truncated sum (1 - p) sum_{d=1..D} p^(d-1) |a[:d] & b[:d]| / d over D = the longer list's length,
 * with no extrapolation, so two identical top-30 lists score 1 - 0.9^30 = 0.958, not 1. Always <= the
 * extrapolated RBO of `rankBiasedOverlap` on lists of equal length.
 */
export function truncatedRbo(a: ArrayLike<number>, b: ArrayLike<number>, p = 0.9): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`truncatedRbo: p must be in (0, 1), got ${p}`);
  const depth = Math.max(a.length, b.length);
  const inA = new Set<number>();
  const inB = new Set<number>();
  let overlap = 0;
  let sum = 0;
  let w = 1;
  for (let d = 1; d <= depth; d++) {
    const x = d <= a.length ? a[d - 1] : undefined;
    const y = d <= b.length ? b[d - 1] : undefined;
    if (x !== undefined && y !== undefined && x === y) overlap++;
    else {
      if (x !== undefined && inB.has(x)) overlap++;
      if (y !== undefined && inA.has(y)) overlap++;
    }
    if (x !== undefined) inA.add(x);
    if (y !== undefined) inB.add(y);
    sum += (w * overlap) / d;
    w *= p;
  }
  return (1 - p) * sum;
}

/** Fidelity of a joint SAE: lists from reconstructed users AND items against the original lists. */
export interface JointFidelity {
  /** Mean over users of RBO (p = 0.9, extrapolated) and Kendall tau (top-n union) of the top-n lists. */
  readonly rbo: number;
  /** Mean over users of the paper code's truncated RBO ({@link truncatedRbo}; at most 1 - 0.9^n). */
  readonly rboTruncated: number;
  readonly kendall: number;
  readonly n: number;
  readonly users: number;
  /** Mean active latents per row and share of latents that never fire, over users and items. */
  readonly l0: number;
  readonly deadFraction: number;
}

/** Top-n fidelity of `sae` on every training user, plus L0 and dead share over all rows. */
export function jointFidelity(sae: SparseAutoencoder, data: JointSaeData): JointFidelity {
  const uh = sae.reconstruct(data.users);
  const ih = sae.reconstruct(data.items);
  const lists = topNUnseen(data.head.scoreAll(uh, ih), data.seen, data.n);
  let rbo = 0;
  let rboT = 0;
  let tau = 0;
  const nU = data.users.rows;
  for (let u = 0; u < nU; u++) {
    const a = topNItems(data.reference, u);
    const b = topNItems(lists, u);
    rbo += rankBiasedOverlap(a, b);
    rboT += truncatedRbo(a, b);
    tau += kendallTauTopN(a, b);
  }
  const rates = firingRates(sae, stack(data.users, data.items));
  let fired = 0;
  let dead = 0;
  for (const r of rates) {
    fired += r;
    if (r === 0) dead++;
  }
  return {
    rbo: nU ? rbo / nU : 0,
    rboTruncated: nU ? rboT / nU : 0,
    kendall: nU ? tau / nU : 0,
    n: data.n,
    users: nU,
    l0: fired,
    deadFraction: rates.length ? dead / rates.length : 0,
  };
}
