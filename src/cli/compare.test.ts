import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { compareRuns, type CompareRunsResult } from "../pipeline/compare-runs.js";
import { TINY_MODELS, writeSequenceCsv } from "../pipeline/sequence-fixture.js";
import { trainRun } from "../pipeline/train-run.js";
import { buildProgram, runCli } from "./program.js";
import { reclens, reclensJson } from "./test-utils/reclens.js";

/** `reclens compare` on two tiny leave-one-out runs (MF and SASRec) and one held-out-users run. */
const root = mkdtempSync(join(tmpdir(), "reclens-compare-cli-"));
const runA = join(root, "mf");
const runB = join(root, "sasrec");
const runC = join(root, "held-out");

beforeAll(async () => {
  const csv = join(root, "walks.csv");
  writeSequenceCsv(csv, { users: 30, items: 20, minLen: 4, maxLen: 10, seed: 3 });
  for (const [out, model, split] of [
    [runA, "mf", "leaveOneOut"],
    [runB, "sasrec", "leaveOneOut"],
    [runC, "mf", "heldOutUsers"],
  ] as const)
    await trainRun({
      data: `csv:${csv}`,
      model,
      modelConfig: TINY_MODELS[model],
      seed: 1,
      split: { kind: split },
      out,
      patience: 100,
    });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens compare", () => {
  it("--json prints the service's result", async () => {
    const got = await reclensJson<CompareRunsResult>("compare", runA, runB, "--metric", "hr@10", "--json");
    const want = JSON.parse(JSON.stringify(await compareRuns(runA, runB, { metric: "hr@10" }))) as unknown;
    expect(got).toEqual(want);
    expect(got.users).toBe(30);
  });

  it("text: both means, B - A with its interval, the t-test and the sign test", async () => {
    const r = await compareRuns(runA, runB, { part: "val" });
    const out = await reclens("compare", runA, runB, "--val");
    const s = r.paired.signTest;
    expect(out).toContain("ndcg@10 on 30 validation users");
    expect(out).toMatch(new RegExp(`^A\\s+${runA}\\s+mf\\s+1\\s+${r.a.mean.toFixed(4)}`, "m"));
    expect(out).toMatch(new RegExp(`^B\\s+${runB}\\s+sasrec\\s+1\\s+${r.b.mean.toFixed(4)}`, "m"));
    expect(out).toContain("95% CI  [");
    expect(out).toContain(`df = 29`);
    expect(out).toContain(`B better for ${s.wins} users, A for ${s.losses}, ${s.ties} ties`);
  });

  it("exit 4 (conflict) for runs on different splits, 2 for a bad metric", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await runCli(["node", "reclens", "compare", runA, runC], buildProgram())).toBe(4);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/use different splits/);
      expect(
        await runCli(["node", "reclens", "compare", runA, runB, "--metric", "auc"], buildProgram()),
      ).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
