import type { Csr } from "../tensor/csr.js";
import { kernels } from "../tensor/backend.js";
import type { Matrix } from "../tensor/matrix.js";
import { targetRanks } from "./fullRank.js";
import { giniIndex, meanStderr, type MeanStderr } from "./stats.js";

/** The per-user metrics reported at every cut-off K (besides popularity@K, which needs item counts). */
const CUTOFF_METRIC = /^(?:recall|recall_trunc|ndcg|hr|precision)@([1-9]\d*)$/;

/** The cut-off K of a metric name such as `ndcg@10` or `recall_trunc@20`; null for any other name. */
export function metricCutoff(name: string): number | null {
  const m = CUTOFF_METRIC.exec(name);
  return m ? Number(m[1]) : null;
}

/** Options of {@link RankingEvaluator}. */
export interface RankingEvalOptions {
  /** Cut-offs (default [10, 20, 50, 100]); K above the item count is allowed. */
  readonly ks?: readonly number[];
  /** Items never ranked for a row (fold-in / training items), same rows and columns as the target. */
  readonly exclude?: Csr;
  /** Per-item popularity (e.g. training interaction counts, see {@link itemCounts}) for `popularity@K`. */
  readonly itemPopularity?: ArrayLike<number>;
  /** Compute MRR and mean percentile rank, which need each target's full rank (default true). */
  readonly fullRanking?: boolean;
  /** A target item that is also excluded: "error" (default) or "drop" it from the target. */
  readonly targetInExclude?: "error" | "drop";
  /** Dataset user index of each row, used in error messages only. */
  readonly userIds?: ArrayLike<number>;
  /** Keep every user's metric values in the report (for paired comparisons). */
  readonly keepPerUser?: boolean;
}

/** Result of a ranking evaluation. */
export interface RankingReport {
  /** Users evaluated (non-empty target after exclusion handling). */
  readonly users: number;
  /** Rows skipped because their target was empty; they enter no mean. */
  readonly skippedEmptyTarget: number;
  /** Target items dropped because they were also excluded (`targetInExclude: "drop"`). */
  readonly droppedTargetItems: number;
  readonly ks: readonly number[];
  /**
   * Per-user metrics, mean and standard error over evaluated users: `recall@K` (hits / |target|),
   * `recall_trunc@K` (hits / min(K, |target|)), `ndcg@K`, `hr@K`,
   * `precision@K`, `popularity@K` (with itemPopularity), `mrr`, `mpr` (with fullRanking).
   */
  readonly metrics: Record<string, MeanStderr>;
  /** Catalogue-level metrics over all evaluated users' top-K lists: `coverage@K`, `gini@K`. */
  readonly catalogue: Record<string, number>;
  /** With keepPerUser: evaluated row indices and each metric's value per evaluated row. */
  readonly perUser?: { readonly rows: Int32Array; readonly values: Record<string, Float64Array> };
}

const LOWEST_F32 = -3.4028234663852886e38;

/**
 * Full-ranking top-K evaluator fed score batches, so a users x items score matrix never has to
 * exist at once. Conventions:
 * - every item is a candidate except the row's excluded items, whose scores are set to -Infinity
 *   before top-K (a candidate scoring -Infinity is treated as the lowest finite float32 so it still
 *   ranks above excluded items);
 * - ties in score: the lower item index ranks first (top-K, MRR and MPR alike);
 * - NaN scores throw, naming the row (and user);
 * - rows with an empty target are skipped and counted in `skippedEmptyTarget`;
 * - two recalls, named apart: `recall@K` = hits / |target| (RecBole's definition) and
 *   `recall_trunc@K` = hits / min(K, |target|) (Liang et al. 2018, used by Knots to Knobs); nDCG@K uses binary gains with ideal DCG over
 *   min(K, |target|) positions; HR@K = 1 if any hit; precision@K = hits / K (K as requested even
 *   when fewer candidates exist); MRR = 1 / rank of the best-ranked target in the full ranking;
 *   MPR = mean over the user's targets of (rank - 1) / (candidates - 1) (0 best, 1 worst, 0.5
 *   random), then averaged over users; popularity@K = mean item popularity in the top-K;
 *   coverage@K = share of all items in some evaluated user's top-K; gini@K = Gini index of how
 *   often each item (all items, zeros included) is recommended in top-K lists.
 * `addBatch` overwrites excluded and -Infinity entries of the score batch it is given.
 */
export class RankingEvaluator {
  private readonly target: Csr;
  private readonly ks: number[];
  private readonly kTop: number;
  private readonly opts: RankingEvalOptions;
  private readonly fullRanking: boolean;
  private readonly idcg: Float64Array;
  private readonly seen: Uint8Array;
  private readonly evaluated: Uint8Array;
  private readonly values = new Map<string, Float64Array>();
  private readonly recCounts: Float64Array[];
  private readonly excludedMask: Uint8Array;
  private readonly targetMask: Uint8Array;
  private skipped = 0;
  private dropped = 0;

  /** `target`: users x items relevance rows; rows are scored in batches with {@link addBatch}. */
  constructor(target: Csr, opts: RankingEvalOptions = {}) {
    const ks = Array.from(new Set(opts.ks ?? [10, 20, 50, 100])).sort((a, b) => a - b);
    if (ks.length === 0) throw new RangeError("RankingEvaluator: ks is empty");
    for (const k of ks)
      if (!Number.isInteger(k) || k < 1)
        throw new RangeError(`RankingEvaluator: K must be a positive integer, got ${k}`);
    const ex = opts.exclude;
    if (ex && (ex.rows !== target.rows || ex.cols !== target.cols)) {
      throw new RangeError(`RankingEvaluator: exclude is ${ex.shape} but target is ${target.shape}`);
    }
    if (opts.itemPopularity && opts.itemPopularity.length !== target.cols) {
      throw new RangeError(
        `RankingEvaluator: itemPopularity has ${opts.itemPopularity.length} entries for ${target.cols} items`,
      );
    }
    if (opts.userIds && opts.userIds.length !== target.rows) {
      throw new RangeError(
        `RankingEvaluator: userIds has ${opts.userIds.length} entries for ${target.rows} rows`,
      );
    }
    this.target = target;
    this.ks = ks;
    this.kTop = Math.min(ks[ks.length - 1], target.cols);
    this.opts = opts;
    this.fullRanking = opts.fullRanking ?? true;
    this.idcg = new Float64Array(this.kTop + 1);
    for (let p = 0; p < this.kTop; p++) this.idcg[p + 1] = this.idcg[p] + 1 / Math.log2(p + 2);
    this.seen = new Uint8Array(target.rows);
    this.evaluated = new Uint8Array(target.rows);
    this.recCounts = ks.map(() => new Float64Array(target.cols));
    this.excludedMask = new Uint8Array(target.cols);
    this.targetMask = new Uint8Array(target.cols);
    const names: string[] = [];
    for (const k of ks) {
      names.push(`recall@${k}`, `recall_trunc@${k}`, `ndcg@${k}`, `hr@${k}`, `precision@${k}`);
      if (opts.itemPopularity) names.push(`popularity@${k}`);
    }
    if (this.fullRanking) names.push("mrr", "mpr");
    for (const n of names) this.values.set(n, new Float64Array(target.rows));
  }

  /** Scores rows [firstRow, firstRow + scores.rows) of the target; each row exactly once. */
  addBatch(firstRow: number, scores: Matrix): void {
    const { target } = this;
    if (scores.cols !== target.cols)
      throw new RangeError(
        `RankingEvaluator.addBatch: scores have ${scores.cols} columns for ${target.cols} items`,
      );
    if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow + scores.rows > target.rows) {
      throw new RangeError(
        `RankingEvaluator.addBatch: rows [${firstRow}, ${firstRow + scores.rows}) outside [0, ${target.rows})`,
      );
    }
    for (let r = 0; r < scores.rows; r++) {
      const g = firstRow + r;
      if (this.seen[g])
        throw new RangeError(`RankingEvaluator.addBatch: ${this.rowName(g)} was already scored`);
      const row = scores.row(r);
      for (let j = 0; j < row.length; j++) {
        const s = row[j];
        if (s !== s) throw new RangeError(`RankingEvaluator: NaN score for ${this.rowName(g)}, item ${j}`);
        if (s === -Infinity) row[j] = LOWEST_F32;
      }
      if (this.opts.exclude) for (const j of this.opts.exclude.rowIndices(g)) row[j] = -Infinity;
    }
    const top = kernels().rowTopK(scores, this.kTop);
    for (let r = 0; r < scores.rows; r++) {
      const g = firstRow + r;
      this.seen[g] = 1;
      const off = r * this.kTop;
      this.scoreRow(
        g,
        scores.row(r),
        top.indices.subarray(off, off + this.kTop),
        top.values.subarray(off, off + this.kTop),
      );
    }
  }

  /** Number of target rows not yet scored. */
  get pendingRows(): number {
    let n = 0;
    for (let g = 0; g < this.seen.length; g++) n += this.seen[g] ? 0 : 1;
    return n;
  }

  /** Aggregates; throws if some rows were never scored or no row had a non-empty target. */
  finish(): RankingReport {
    const pending = this.pendingRows;
    if (pending > 0) {
      const first = this.seen.indexOf(0);
      throw new RangeError(
        `RankingEvaluator.finish: ${pending} rows never scored (first: ${this.rowName(first)})`,
      );
    }
    const rows: number[] = [];
    for (let g = 0; g < this.evaluated.length; g++) if (this.evaluated[g]) rows.push(g);
    if (rows.length === 0) throw new RangeError("RankingEvaluator.finish: no row has a non-empty target");
    const metrics: Record<string, MeanStderr> = {};
    const perUser: Record<string, Float64Array> = {};
    for (const [name, all] of this.values) {
      const v = Float64Array.from(rows, (g) => all[g]);
      metrics[name] = meanStderr(v);
      perUser[name] = v;
    }
    const catalogue: Record<string, number> = {};
    this.ks.forEach((k, q) => {
      let covered = 0;
      for (const c of this.recCounts[q]) covered += c > 0 ? 1 : 0;
      catalogue[`coverage@${k}`] = covered / this.target.cols;
      catalogue[`gini@${k}`] = giniIndex(this.recCounts[q]);
    });
    return {
      users: rows.length,
      skippedEmptyTarget: this.skipped,
      droppedTargetItems: this.dropped,
      ks: this.ks,
      metrics,
      catalogue,
      ...(this.opts.keepPerUser ? { perUser: { rows: Int32Array.from(rows), values: perUser } } : {}),
    };
  }

  private rowName(g: number): string {
    return this.opts.userIds ? `row ${g} (user ${this.opts.userIds[g]})` : `row ${g}`;
  }

  private scoreRow(g: number, row: Float32Array, topIdx: Int32Array, topVal: Float32Array): void {
    const excluded = this.opts.exclude ? this.opts.exclude.rowIndices(g) : new Int32Array(0);
    for (const j of excluded) this.excludedMask[j] = 1;
    const targets: number[] = [];
    for (const t of this.target.rowIndices(g)) {
      if (!this.excludedMask[t]) targets.push(t);
      else if (this.opts.targetInExclude === "drop") this.dropped++;
      else {
        for (const j of excluded) this.excludedMask[j] = 0;
        throw new RangeError(
          `RankingEvaluator: target item ${t} of ${this.rowName(g)} is also excluded (set targetInExclude: "drop" to drop it)`,
        );
      }
    }
    if (targets.length === 0) {
      this.skipped++;
      for (const j of excluded) this.excludedMask[j] = 0;
      return;
    }
    this.evaluated[g] = 1;
    for (const t of targets) this.targetMask[t] = 1;
    let listLen = 0;
    while (listLen < topIdx.length && topVal[listLen] !== -Infinity) listLen++;
    const pop = this.opts.itemPopularity;
    const nT = targets.length;
    this.ks.forEach((k, q) => {
      const len = Math.min(k, listLen);
      let hits = 0;
      let dcg = 0;
      let popSum = 0;
      const counts = this.recCounts[q];
      for (let p = 0; p < len; p++) {
        const item = topIdx[p];
        counts[item]++;
        if (pop) popSum += pop[item];
        if (this.targetMask[item]) {
          hits++;
          dcg += 1 / Math.log2(p + 2);
        }
      }
      const ideal = Math.min(k, nT);
      this.set(`recall@${k}`, g, hits / nT);
      this.set(`recall_trunc@${k}`, g, hits / ideal);
      this.set(`ndcg@${k}`, g, dcg / this.idcg[Math.min(ideal, this.kTop)]);
      this.set(`hr@${k}`, g, hits > 0 ? 1 : 0);
      this.set(`precision@${k}`, g, hits / k);
      if (pop) this.set(`popularity@${k}`, g, len > 0 ? popSum / len : 0);
    });
    if (this.fullRanking) {
      const ranks = targetRanks(row, targets, this.opts.exclude ? this.excludedMask : null);
      const candidates = row.length - excluded.length;
      let best = Infinity;
      let pct = 0;
      for (const r of ranks) {
        best = Math.min(best, r);
        pct += candidates > 1 ? (r - 1) / (candidates - 1) : 0;
      }
      this.set("mrr", g, 1 / best);
      this.set("mpr", g, pct / nT);
    }
    for (const t of targets) this.targetMask[t] = 0;
    for (const j of excluded) this.excludedMask[j] = 0;
  }

  private set(name: string, g: number, v: number): void {
    (this.values.get(name) as Float64Array)[g] = v;
  }
}

/**
 * Runs a {@link RankingEvaluator} over all target rows, asking `scoreRows(start, end)` for the
 * scores of rows [start, end) in batches of `batchSize` (default 1024). Each returned matrix is
 * consumed (excluded entries are overwritten), so return a fresh one or a copy.
 */
export function evaluateRanking(
  target: Csr,
  scoreRows: (start: number, end: number) => Matrix,
  opts: RankingEvalOptions & { readonly batchSize?: number } = {},
): RankingReport {
  const batch = opts.batchSize ?? 1024;
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`evaluateRanking: batchSize must be a positive integer, got ${batch}`);
  const ev = new RankingEvaluator(target, opts);
  for (let s = 0; s < target.rows; s += batch) {
    const e = Math.min(target.rows, s + batch);
    const scores = scoreRows(s, e);
    if (scores.rows !== e - s)
      throw new RangeError(`evaluateRanking: scoreRows(${s}, ${e}) returned ${scores.rows} rows`);
    ev.addBatch(s, scores);
  }
  return ev.finish();
}

/** Interactions per item (column counts of stored entries), e.g. training popularity. */
export function itemCounts(m: Csr): Float64Array {
  const out = new Float64Array(m.cols);
  for (let p = 0; p < m.nnz; p++) out[m.indices[p]]++;
  return out;
}
