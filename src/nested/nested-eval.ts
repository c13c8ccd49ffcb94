import { kendallTauTopN, rankBiasedOverlap } from "../eval/fidelity.js";
import { RankingEvaluator } from "../eval/ranking.js";
import { LatentActivity, meanCosineSimilarity } from "../eval/sae.js";
import { meanStderr, type MeanStderr } from "../eval/stats.js";
import { partBatch, type Recommender } from "../models/types.js";
import type { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import { codeToCsr } from "../sae/code.js";
import { topNItems, topNUnseen } from "./nested-rank.js";
import { NestedRecommender } from "./nested.js";
import type { Sae } from "../sae/types.js";

/** Held-out users as the evaluation sees them (e.g. `heldOutUsersSplit(...).test`). */
export interface HeldOutRows {
  /** users x items: what the model is given; excluded from rankings. */
  readonly foldIn: Csr;
  /** users x items: what should be recommended. */
  readonly target: Csr;
  /** Rows of the model's training matrix (leave-k-out parts): id-based models use learned user vectors. */
  readonly userIds?: Int32Array;
}

/**
 * The hit metric a protocol reports beside nDCG@k: the truncated recall (held-out users, leave-k-out)
 * or the hit rate (leave-one-out; with one target per user the two are equal).
 */
export type HitMetric = "recall_trunc" | "hr";

/** Options of {@link evaluateNested}. */
export interface NestedEvalOptions {
  /** Cut-off of the hit metric and nDCG (default 20). */
  readonly k?: number;
  /** The hit metric reported (default "recall_trunc"). */
  readonly hitMetric?: HitMetric;
  /**
   * Rank every item and report MRR too (the leave-one-out protocol's evaluator setting; default
   * false). Training items are excluded either way.
   */
  readonly fullRanking?: boolean;
  /** Length of the top lists compared for ranking fidelity (default 30). */
  readonly fidelityN?: number;
  /** Persistence of rank-biased overlap (default 0.9). */
  readonly rboP?: number;
  /** Users per batch (default 512). */
  readonly batchSize?: number;
  /**
   * Add the SAE reconstruction error back in the nested model (default false). With it the nested
   * model IS the original one (every ratio and fidelity is 1), so it is only a sanity check.
   */
  readonly addError?: boolean;
}

/** Ranking quality of one model on the held-out users (mean and standard error over users). */
export interface RankingQuality {
  /** The report's hit metric at k (Recall_trunc@k or HR@k). */
  readonly hit: MeanStderr;
  readonly ndcg: MeanStderr;
  /** Mean reciprocal rank of the first target (with fullRanking). */
  readonly mrr?: MeanStderr;
}

/** Result of {@link evaluateNested}. */
export interface NestedEvalReport {
  /** Users with a non-empty target (those entering Recall/nDCG). */
  readonly users: number;
  readonly k: number;
  /** Which hit metric `hit` holds. */
  readonly hitMetric: HitMetric;
  readonly fidelityN: number;
  readonly rboP: number;
  readonly addError: boolean;
  /** Hit metric at k and nDCG@k (MRR with fullRanking) of the recommender alone. */
  readonly original: RankingQuality;
  /** The same for the nested model D_c(D_s(E_s(E_c(x)))). */
  readonly nested: RankingQuality;
  /** nested mean / original mean; null when the original mean is 0. */
  readonly kept: { readonly hit: number | null; readonly ndcg: number | null; readonly mrr?: number | null };
  /** Agreement of each user's top-fidelityN lists (nested vs original), over all users. */
  readonly fidelity: { readonly rbo: MeanStderr; readonly kendallTau: MeanStderr };
  /**
   * SAE reconstruction of the probing site z over all users: mean row cosine(z, z_hat), fraction of
   * variance explained 1 - SSE/SST (SST about the column means over all users), mean squared error.
   */
  readonly reconstruction: { readonly cosine: number; readonly fve: number; readonly mse: number };
  /** Mean active latents per user and share of latents active for no user. */
  readonly sparsity: { readonly meanL0: number; readonly deadFraction: number };
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`evaluateNested: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Nested model vs the original recommender on held-out users, in batches of users: the hit metric
 * (Recall_trunc@k or HR@k) and nDCG@k of both (ranked over all items, fold-in items excluded; MRR
 * too with fullRanking) and the share kept, RBO (p = rboP) and
 * Kendall tau-b (kendallTauTopN) of the two top-fidelityN lists of each user, SAE reconstruction
 * (cosine, FVE, MSE) and sparsity (mean L0, dead fraction) of the users' codes.
 */
export function evaluateNested(
  model: Recommender,
  sae: Sae,
  part: HeldOutRows,
  opts: NestedEvalOptions = {},
): NestedEvalReport {
  const k = positiveInt("k", opts.k ?? 20);
  const fidelityN = positiveInt("fidelityN", opts.fidelityN ?? 30);
  const batchSize = positiveInt("batchSize", opts.batchSize ?? 512);
  const rboP = opts.rboP ?? 0.9;
  if (!(rboP > 0 && rboP < 1)) throw new RangeError(`evaluateNested: rboP must be in (0, 1), got ${rboP}`);
  const addError = opts.addError ?? false;
  const hitMetric = opts.hitMetric ?? "recall_trunc";
  if (hitMetric !== "recall_trunc" && hitMetric !== "hr")
    throw new RangeError(
      `evaluateNested: hitMetric must be "recall_trunc" or "hr", got ${String(hitMetric)}`,
    );
  const fullRanking = opts.fullRanking ?? false;
  const { foldIn, target } = part;
  if (foldIn.rows !== target.rows || foldIn.cols !== target.cols) {
    throw new RangeError(`evaluateNested: foldIn is ${foldIn.shape} but target is ${target.shape}`);
  }
  if (foldIn.rows === 0) throw new RangeError("evaluateNested: no held-out users");
  const nested = new NestedRecommender(model, sae);
  const evalOpts = { ks: [k], exclude: foldIn, fullRanking };
  const origEval = new RankingEvaluator(target, evalOpts);
  const nestEval = new RankingEvaluator(target, evalOpts);
  const rbo = new Float64Array(foldIn.rows);
  const tau = new Float64Array(foldIn.rows);
  const recon = new ReconstructionStats(sae.dIn);
  const activity = new LatentActivity(sae.dSae);

  for (let s = 0; s < foldIn.rows; s += batchSize) {
    const e = Math.min(foldIn.rows, s + batchSize);
    const batch = partBatch(part, s, e);
    const enc = nested.encodeWithError(batch);
    const orig = model.decode(enc.z, batch);
    const nest = nested.scoresFromCode(enc.code, batch, addError ? { addError: enc } : {});
    const origTop = topNUnseen(orig.clone(), batch.rows, fidelityN);
    const nestTop = topNUnseen(nest.clone(), batch.rows, fidelityN);
    for (let r = 0; r < e - s; r++) {
      const a = topNItems(origTop, r);
      const b = topNItems(nestTop, r);
      rbo[s + r] = rankBiasedOverlap(a, b, rboP);
      tau[s + r] = kendallTauTopN(a, b);
    }
    origEval.addBatch(s, orig);
    nestEval.addBatch(s, nest);
    recon.add(enc.z, enc.reconstruction);
    activity.add(codeToCsr(enc.code));
  }

  const o = origEval.finish();
  const n = nestEval.finish();
  const quality = (m: typeof o.metrics): RankingQuality => ({
    hit: m[`${hitMetric}@${k}`],
    ndcg: m[`ndcg@${k}`],
    ...(fullRanking ? { mrr: m.mrr } : {}),
  });
  const original = quality(o.metrics);
  const nestedQ = quality(n.metrics);
  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
  return {
    users: o.users,
    k,
    hitMetric,
    fidelityN,
    rboP,
    addError,
    original,
    nested: nestedQ,
    kept: {
      hit: ratio(nestedQ.hit.mean, original.hit.mean),
      ndcg: ratio(nestedQ.ndcg.mean, original.ndcg.mean),
      ...(original.mrr && nestedQ.mrr ? { mrr: ratio(nestedQ.mrr.mean, original.mrr.mean) } : {}),
    },
    fidelity: { rbo: meanStderr(rbo), kendallTau: meanStderr(tau) },
    reconstruction: recon.finish(),
    sparsity: { meanL0: activity.meanL0(), deadFraction: activity.deadFraction() },
  };
}

/**
 * Streams reconstruction metrics over batches (float64 accumulators): the summed row cosine, SSE,
 * and per-column sums and sums of squares for SST = sum_c (sumsq_c - sum_c^2 / rows).
 */
class ReconstructionStats {
  private rows = 0;
  private cosineSum = 0;
  private sse = 0;
  private readonly colSum: Float64Array;
  private readonly colSq: Float64Array;

  constructor(private readonly dim: number) {
    this.colSum = new Float64Array(dim);
    this.colSq = new Float64Array(dim);
  }

  add(z: Matrix, zHat: Matrix): void {
    this.cosineSum += meanCosineSimilarity(z, zHat) * z.rows;
    const n = this.dim;
    for (let r = 0; r < z.rows; r++) {
      for (let c = 0; c < n; c++) {
        const v = z.data[r * n + c];
        this.sse += (v - zHat.data[r * n + c]) ** 2;
        this.colSum[c] += v;
        this.colSq[c] += v * v;
      }
    }
    this.rows += z.rows;
  }

  finish(): { cosine: number; fve: number; mse: number } {
    let sst = 0;
    for (let c = 0; c < this.dim; c++) sst += this.colSq[c] - (this.colSum[c] * this.colSum[c]) / this.rows;
    if (!(sst > 0))
      throw new RangeError("evaluateNested: the probing-site representation has no variance over the users");
    return {
      cosine: this.cosineSum / this.rows,
      fve: 1 - this.sse / sst,
      mse: this.sse / (this.rows * this.dim),
    };
  }
}
