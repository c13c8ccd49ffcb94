import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { evaluateRanking, itemCounts, metricCutoff, RankingEvaluator } from "./ranking.js";

const csr = (rows: number[][], cols: number): Csr => {
  const r: number[] = [];
  const c: number[] = [];
  rows.forEach((row, i) => row.forEach((j) => (r.push(i), c.push(j))));
  return Csr.fromTriplets(rows.length, cols, r, c);
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const L3 = 1 / Math.log2(3);

describe("RankingEvaluator on a hand example", () => {
  // user 0: item 1 excluded; candidates rank 3 (0.9), 4 (0.5), 2 (0.3), 0 (0.1); targets {2, 3}
  // user 1: all scores tie -> ranking 0, 1, 2, 3, 4 by index; target {4}
  // user 2: empty target (skipped)
  // user 3: target {0, 1, 2, 3} (more than K) ranked 1..4
  const scores = (): Matrix =>
    Matrix.fromRows([
      [0.1, 0.9, 0.3, 0.9, 0.5],
      [0, 0, 0, 0, 0],
      [1, 2, 3, 4, 5],
      [4, 3, 2, 1, 0],
    ]);
  const target = csr([[2, 3], [4], [], [0, 1, 2, 3]], 5);
  const exclude = csr([[1], [], [], []], 5);
  const popularity = [10, 20, 30, 40, 50];
  const run = (batches: number[][]): ReturnType<RankingEvaluator["finish"]> => {
    const ev = new RankingEvaluator(target, {
      ks: [1, 2, 10],
      exclude,
      itemPopularity: popularity,
      keepPerUser: true,
    });
    const s = scores();
    for (const [a, b] of batches) ev.addBatch(a, s.rowRange(a, b).clone());
    return ev.finish();
  };

  it("computes every per-user metric", () => {
    const r = run([[0, 4]]);
    expect(r.users).toBe(3);
    expect(r.skippedEmptyTarget).toBe(1);
    expect(Array.from(r.perUser?.rows ?? [])).toEqual([0, 1, 3]);
    const m = (name: string): number => r.metrics[name].mean;
    // recall_trunc@K = hits / min(K, |target|) (Liang et al.); recall@K = hits / |target| (RecBole)
    expect(m("recall_trunc@1")).toBeCloseTo(mean([1, 0, 1]), 12);
    expect(m("recall_trunc@2")).toBeCloseTo(mean([1 / 2, 0, 1]), 12); // user 3: 2 hits / min(2, 4)
    expect(m("recall_trunc@10")).toBeCloseTo(mean([1, 1, 1]), 12); // K > items
    expect(m("recall@1")).toBeCloseTo(mean([1 / 2, 0, 1 / 4]), 12);
    expect(m("recall@2")).toBeCloseTo(mean([1 / 2, 0, 2 / 4]), 12); // user 3: 2 hits / 4 targets
    expect(m("recall@10")).toBeCloseTo(mean([1, 1, 1]), 12);
    expect(m("ndcg@1")).toBeCloseTo(mean([1, 0, 1]), 12);
    expect(m("ndcg@2")).toBeCloseTo(mean([1 / (1 + L3), 0, 1]), 12);
    expect(m("ndcg@10")).toBeCloseTo(mean([(1 + 1 / 2) / (1 + L3), 1 / Math.log2(6), 1]), 12);
    expect(m("hr@2")).toBeCloseTo(2 / 3, 12);
    expect(m("precision@2")).toBeCloseTo(mean([1 / 2, 0, 1]), 12);
    expect(m("precision@10")).toBeCloseTo(mean([2 / 10, 1 / 10, 4 / 10]), 12);
    expect(m("mrr")).toBeCloseTo(mean([1, 1 / 5, 1]), 12);
    // MPR: user 0 ranks {1, 3} of 4 candidates, user 1 rank 5 of 5, user 3 ranks 1..4 of 5
    expect(m("mpr")).toBeCloseTo(mean([(0 + 2 / 3) / 2, 1, (0 + 1 + 2 + 3) / 4 / 4]), 12);
    expect(m("popularity@1")).toBeCloseTo(mean([40, 10, 10]), 12);
    expect(m("popularity@2")).toBeCloseTo(mean([45, 15, 15]), 12);
    // standard error of recall_trunc@2 over [0.5, 0, 1]: sd 0.5, se 0.5 / sqrt(3)
    expect(r.metrics["recall_trunc@2"].stderr).toBeCloseTo(0.5 / Math.sqrt(3), 12);
  });

  it("computes catalogue metrics", () => {
    const r = run([[0, 4]]);
    // top-1 lists: [3], [0], [0] -> counts [2, 0, 0, 1, 0]
    expect(r.catalogue["coverage@1"]).toBeCloseTo(2 / 5, 12);
    expect(r.catalogue["gini@1"]).toBeCloseTo(10 / 15, 12);
    // top-10 lists: [3, 4, 2, 0], all five, all five -> counts [3, 2, 3, 3, 3]
    expect(r.catalogue["coverage@10"]).toBe(1);
    expect(r.catalogue["gini@10"]).toBeCloseTo(4 / 70, 12);
  });

  it("gives the same result whatever the batching", () => {
    const a = run([[0, 4]]);
    const b = run([
      [2, 3],
      [0, 1],
      [3, 4],
      [1, 2],
    ]);
    expect(b.metrics).toEqual(a.metrics);
    expect(b.catalogue).toEqual(a.catalogue);
  });
});

describe("RankingEvaluator edge cases", () => {
  it("ranks -Infinity candidates above excluded items, ties by index", () => {
    const ev = new RankingEvaluator(csr([[2]], 3), { ks: [1, 2], exclude: csr([[1]], 3) });
    ev.addBatch(0, Matrix.fromRows([[-Infinity, 0, -Infinity]]));
    const r = ev.finish();
    expect(r.metrics["hr@1"].mean).toBe(0);
    expect(r.metrics["hr@2"].mean).toBe(1);
    expect(r.metrics["mrr"].mean).toBe(0.5);
    expect(r.metrics["mpr"].mean).toBe(1);
  });

  it("rejects NaN naming the row and user", () => {
    const ev = new RankingEvaluator(csr([[0], [1]], 3), { userIds: [17, 42] });
    expect(() =>
      ev.addBatch(
        0,
        Matrix.fromRows([
          [1, 2, 3],
          [1, NaN, 3],
        ]),
      ),
    ).toThrow(/NaN score for row 1 \(user 42\), item 1/);
  });

  it("handles targets that are also excluded, missing and repeated rows", () => {
    const target = csr([[0, 1]], 3);
    const exclude = csr([[1]], 3);
    const strict = new RankingEvaluator(target, { exclude, ks: [1] });
    expect(() => strict.addBatch(0, Matrix.fromRows([[1, 2, 3]]))).toThrow(
      /target item 1 of row 0 is also excluded/,
    );
    const lax = new RankingEvaluator(target, { exclude, ks: [1], targetInExclude: "drop" });
    lax.addBatch(0, Matrix.fromRows([[1, 2, 3]]));
    expect(() => lax.addBatch(0, Matrix.fromRows([[1, 2, 3]]))).toThrow(/already scored/);
    const r = lax.finish();
    expect(r.droppedTargetItems).toBe(1);
    expect(r.metrics["mrr"].mean).toBe(1 / 2); // ranking 2, 0
    const partial = new RankingEvaluator(csr([[0], [1]], 3));
    partial.addBatch(1, Matrix.fromRows([[1, 2, 3]]));
    expect(() => partial.finish()).toThrow(/1 rows never scored \(first: row 0\)/);
    const empty = new RankingEvaluator(csr([[]], 3));
    empty.addBatch(0, Matrix.fromRows([[1, 2, 3]]));
    expect(() => empty.finish()).toThrow(/no row has a non-empty target/);
  });

  it("agrees with a naive dense evaluation on random data", () => {
    const rng = new Rng(21);
    const users = 40;
    const items = 30;
    const scores = new Matrix(users, items);
    for (let i = 0; i < scores.data.length; i++) scores.data[i] = rng.int(10); // many ties
    const tRows: number[][] = [];
    const eRows: number[][] = [];
    for (let u = 0; u < users; u++) {
      const perm = Array.from(rng.permutation(items));
      tRows.push(perm.slice(0, rng.int(6)).sort((a, b) => a - b));
      eRows.push(perm.slice(6, 6 + rng.int(8)).sort((a, b) => a - b));
    }
    const target = csr(tRows, items);
    const exclude = csr(eRows, items);
    const ks = [3, 10];
    const rep = evaluateRanking(target, (s, e) => scores.rowRange(s, e).clone(), {
      ks,
      exclude,
      batchSize: 7,
    });
    const want: Record<string, number[]> = {};
    const push = (k: string, v: number): number => (want[k] ??= []).push(v);
    for (let u = 0; u < users; u++) {
      if (tRows[u].length === 0) continue;
      const cands = Array.from({ length: items }, (_, j) => j).filter((j) => !eRows[u].includes(j));
      cands.sort((a, b) => scores.get(u, b) - scores.get(u, a) || a - b);
      const rel = cands.map((j) => tRows[u].includes(j));
      for (const k of ks) {
        const hits = rel.slice(0, k).filter(Boolean).length;
        let dcg = 0;
        rel.slice(0, k).forEach((x, p) => (dcg += x ? 1 / Math.log2(p + 2) : 0));
        let idcg = 0;
        for (let p = 0; p < Math.min(k, tRows[u].length); p++) idcg += 1 / Math.log2(p + 2);
        push(`recall_trunc@${k}`, hits / Math.min(k, tRows[u].length));
        push(`recall@${k}`, hits / tRows[u].length);
        push(`ndcg@${k}`, dcg / idcg);
      }
      push("mrr", 1 / (rel.indexOf(true) + 1));
    }
    expect(rep.users).toBe(want["mrr"].length);
    for (const [k, v] of Object.entries(want)) expect(rep.metrics[k].mean).toBeCloseTo(mean(v), 10);
  });

  it("counts item popularity from a matrix", () => {
    expect(Array.from(itemCounts(csr([[0, 2], [2], []], 4)))).toEqual([1, 0, 2, 0]);
  });
});

describe("metricCutoff", () => {
  it("reads K from the per-cut-off names the evaluator reports, null for the rest", () => {
    expect(metricCutoff("ndcg@10")).toBe(10);
    expect(metricCutoff("recall_trunc@20")).toBe(20);
    expect(metricCutoff("hr@5")).toBe(5);
    expect(metricCutoff("precision@50")).toBe(50);
    for (const bad of ["mrr", "mpr", "ndcg@0", "ndcg@", "NDCG@10", "popularity@10", "ndcg@10x", "map@10"])
      expect(metricCutoff(bad)).toBeNull();
  });
});
