/** Evaluation: ranking metrics, ranking fidelity, SAE reconstruction and sparsity metrics. */
export {
  evaluateRanking,
  itemCounts,
  RankingEvaluator,
  type RankingEvalOptions,
  type RankingReport,
} from "./ranking.js";
export { ranksAhead, targetRanks } from "./fullRank.js";
export { kendallTauB, kendallTauTopN, rankBiasedOverlap } from "./fidelity.js";
export {
  deadFraction,
  firingRates,
  fractionVarianceExplained,
  LatentActivity,
  meanCosineSimilarity,
  meanL0,
  meanSquaredError,
} from "./sae.js";
export { giniIndex, meanStderr, type MeanStderr } from "./stats.js";
