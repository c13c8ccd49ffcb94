import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInput, Conflict } from "../errors.js";
import { pairedComparison } from "../eval/paired.js";
import { partBatch } from "../models/types.js";
import { compareRuns } from "./compare-runs.js";
import type { EvalPart } from "./run-split.js";
import { openModelRun } from "./run-context.js";
import { TINY_MODELS, writeSequenceCsv } from "./sequence-fixture.js";
import { evaluateRun, trainRun, type TrainRunOptions } from "./train-run.js";

/** `reclens compare`'s service on tiny leave-one-out runs of planted walks (i -> i + 1). */
const root = mkdtempSync(join(tmpdir(), "reclens-compare-"));
const csv = join(root, "walks.csv");
const other = join(root, "other.csv");
const dir = (name: string): string => join(root, name);

async function train(name: string, model: string, seed: number, extra: Partial<TrainRunOptions> = {}) {
  await trainRun({
    data: `csv:${csv}`,
    model,
    modelConfig: TINY_MODELS[model],
    seed,
    split: { kind: "leaveOneOut" },
    out: dir(name),
    patience: 100,
    ...extra,
  });
}

beforeAll(async () => {
  writeSequenceCsv(csv, { users: 40, items: 24, minLen: 4, maxLen: 12, seed: 7 });
  writeSequenceCsv(other, { users: 40, items: 24, minLen: 4, maxLen: 12, seed: 8 });
  await train("mf", "mf", 1);
  await train("sasrec", "sasrec", 2); // another seed: a leave-one-out split does not depend on it
  await train("other-data", "mf", 1, { data: `csv:${other}` });
  await train("held-out", "mf", 1, { split: { kind: "heldOutUsers" } });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Each user's NDCG@10 of a run on a leave-one-out part, computed here from the target's rank. */
async function ndcg10ByHand(name: string, part: "test" | "validation"): Promise<number[]> {
  const ctx = await openModelRun(dir(name));
  const p: EvalPart = ctx.split[part];
  const scores = ctx.model.scoreUsers(partBatch(p, 0, p.users.length));
  return Array.from(p.users, (_, r) => {
    const target = p.target.rowIndices(r)[0];
    const seen = new Set(p.foldIn.rowIndices(r));
    const row = scores.row(r);
    let rank = 1; // ties: the lower item index ranks first
    for (let j = 0; j < row.length; j++)
      if (j !== target && !seen.has(j) && (row[j] > row[target] || (row[j] === row[target] && j < target)))
        rank++;
    return rank <= 10 ? 1 / Math.log2(rank + 1) : 0;
  });
}

describe("compareRuns", () => {
  it("per-user NDCG@10 of both runs as `reclens eval` scores them; paired statistics of B - A", async () => {
    const r = await compareRuns(dir("mf"), dir("sasrec"));
    expect(r.metric).toBe("ndcg@10");
    expect(r.part).toBe("test");
    expect(r.split).toBe("leaveOneOut");
    expect(r.users).toBe(40);
    const [ea, eb] = [await evaluateRun(dir("mf")), await evaluateRun(dir("sasrec"))];
    expect(r.a.mean).toBeCloseTo(ea.test.metrics["ndcg@10"].mean, 12);
    expect(r.a.stderr).toBeCloseTo(ea.test.metrics["ndcg@10"].stderr, 12);
    expect(r.b.mean).toBeCloseTo(eb.test.metrics["ndcg@10"].mean, 12);
    expect([r.a.model, r.b.model, r.a.seed, r.b.seed]).toEqual(["mf", "sasrec", 1, 2]);
    const a = await ndcg10ByHand("mf", "test");
    const b = await ndcg10ByHand("sasrec", "test");
    const want = pairedComparison(a, b);
    expect(r.paired.meanDiff).toBeCloseTo(want.meanDiff, 6);
    expect(r.paired.stderr).toBeCloseTo(want.stderr, 6);
    expect(r.paired.tTest.p).toBeCloseTo(want.tTest.p, 6);
    expect(r.paired.signTest).toEqual(want.signTest);
    expect(r.paired.signTest.wins + r.paired.signTest.losses + r.paired.signTest.ties).toBe(40);
  }, 60_000);

  it("a run against itself: no difference, every user a tie, p = 1", async () => {
    const r = await compareRuns(dir("sasrec"), dir("sasrec"), { metric: "hr@5" });
    expect(r.paired.meanDiff).toBe(0);
    expect(r.paired.tTest.p).toBe(1);
    expect(r.paired.signTest).toMatchObject({ wins: 0, losses: 0, ties: 40, p: 1 });
  }, 60_000);

  it("--val ranks the validation users, as `reclens eval` reports them", async () => {
    const r = await compareRuns(dir("mf"), dir("sasrec"), { part: "val", metric: "mrr" });
    const ev = await evaluateRun(dir("sasrec"));
    expect(r.part).toBe("val");
    expect(r.b.mean).toBeCloseTo(ev.validation?.metrics.mrr.mean ?? Number.NaN, 12);
    const a = await ndcg10ByHand("mf", "validation");
    const rn = await compareRuns(dir("mf"), dir("mf"), { part: "val" });
    expect(rn.a.mean).toBeCloseTo(a.reduce((s, v) => s + v, 0) / a.length, 6);
  }, 60_000);

  it("refuses runs on other data or another split, naming both runs", async () => {
    const data = compareRuns(dir("mf"), dir("other-data"));
    await expect(data).rejects.toBeInstanceOf(Conflict);
    await expect(compareRuns(dir("mf"), dir("other-data"))).rejects.toThrow(
      new RegExp(`${dir("mf")} and ${dir("other-data")} were trained on different data`),
    );
    await expect(compareRuns(dir("held-out"), dir("mf"))).rejects.toThrow(
      /held-out and .*mf use different splits \(heldOutUsers seed 1, valFraction 0\.1, testFraction 0\.1, foldInFraction 0\.8 vs leave-one-out\)/,
    );
  });

  it("refuses unknown metrics and levels outside (0, 1) as bad input", async () => {
    await expect(compareRuns(dir("mf"), dir("sasrec"), { metric: "auc" })).rejects.toBeInstanceOf(BadInput);
    await expect(compareRuns(dir("mf"), dir("sasrec"), { metric: "ndcg@0" })).rejects.toThrow(
      /metric must be recall@K, .* got "ndcg@0"/,
    );
    await expect(compareRuns(dir("mf"), dir("sasrec"), { level: 95 })).rejects.toThrow(/level must be/);
  });
});
