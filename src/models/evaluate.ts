import { evaluateRanking, type RankingReport } from "../eval/ranking.js";
import type { Csr } from "../tensor/csr.js";
import { partBatch, type Recommender, type Validation } from "./types.js";

/** Held-out users to score: the interactions the model sees and those it must find. */
export interface HeldOutUsers {
  /** users x items given to the model (and excluded from the ranking). */
  readonly foldIn: Csr;
  /** users x items to retrieve. */
  readonly target: Csr;
  /** Rows of the model's training matrix (leave-k-out): id-based models use their learned user vectors. */
  readonly userIds?: Int32Array;
  /** Each row's history in time order (leave-one-out), for sequential models. */
  readonly sequences?: readonly Int32Array[];
}

/**
 * Held-out evaluation: each user is encoded from their fold-in rows (as an unseen user, which MF
 * folds in, unless the part carries `userIds`), scored over all items with the fold-in items
 * excluded, and the target ranked (both recalls: recall@K = hits / |target| as RecBole, recall_trunc@K = hits / min(K, |target|); nDCG@K binary gains).
 */
export function evaluateHeldOut(
  model: Recommender,
  part: HeldOutUsers,
  opts: {
    ks?: readonly number[];
    batchSize?: number;
    itemPopularity?: ArrayLike<number>;
    fullRanking?: boolean;
    /** Keep each user's metric values (`report.perUser`), e.g. for paired comparisons. */
    keepPerUser?: boolean;
  } = {},
): RankingReport {
  return evaluateRanking(part.target, (s, e) => model.scoreUsers(partBatch(part, s, e)), {
    ks: opts.ks ?? [20],
    exclude: part.foldIn,
    batchSize: opts.batchSize ?? 512,
    fullRanking: opts.fullRanking ?? false,
    keepPerUser: opts.keepPerUser ?? false,
    ...(opts.itemPopularity ? { itemPopularity: opts.itemPopularity } : {}),
  });
}

/**
 * An early-stopping callback that scores `metric` (e.g. "ndcg@20") on held-out validation users;
 * Recall and nDCG at the metric's cut-off of the latest call are kept for progress lines.
 */
export function heldOutValidation(part: HeldOutUsers, metric = "ndcg@20", patience = 5): Validation {
  const k = Number(/@(\d+)$/.exec(metric)?.[1] ?? 20);
  let last: Record<string, number> = {};
  return {
    patience,
    evaluate: (model) => {
      const report = evaluateHeldOut(model, part, { ks: [k] });
      const m = report.metrics[metric];
      if (!m)
        throw new Error(
          `heldOutValidation: unknown metric "${metric}" (have ${Object.keys(report.metrics).join(", ")})`,
        );
      last = Object.fromEntries(
        Object.entries(report.metrics)
          .filter(([name]) => name.startsWith("recall_trunc@") || name.startsWith("ndcg@"))
          .map(([name, v]) => [name, v.mean]),
      );
      return m.mean;
    },
    lastMetrics: () => last,
  };
}
