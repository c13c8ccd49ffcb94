import type { HitMetric } from "../nested/nested-eval.js";
import type { SplitSettings } from "./run-split.js";
import { protocolOf } from "./train-run.js";

/**
 * How the nested model (SAE spliced into the recommender) is evaluated on a run: the cut-off, the
 * hit metric beside nDCG and whether every item is ranked (MRR reported too).
 */
export interface NestedProtocol {
  readonly k: number;
  readonly hitMetric: HitMetric;
  readonly fullRanking: boolean;
}

/**
 * The nested-evaluation protocol of a run's split, following the run's own evaluation
 * (`protocolOf`): leave-one-out runs report HR@10 and NDCG@10 (the cut-off early stopping watched)
 * with the full ranking and MRR; held-out-users and leave-k-out runs Recall_trunc@20 and nDCG@20.
 * `k` overrides the cut-off.
 */
export function nestedProtocolOf(split: SplitSettings, k?: number): NestedProtocol {
  const p = protocolOf(split);
  const cutoff = Number(/@(\d+)$/.exec(p.earlyStopping)?.[1] ?? 20);
  if (k !== undefined && !(Number.isInteger(k) && k >= 1))
    throw new RangeError(`nested protocol: k must be a positive integer, got ${k}`);
  return {
    k: k ?? cutoff,
    hitMetric: split.kind === "leaveOneOut" ? "hr" : "recall_trunc",
    fullRanking: p.fullRanking,
  };
}
