import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecommendRunResult } from "../pipeline/recommend-run.js";
import { CALIBRATION_FILE } from "../pipeline/strength-scale.js";
import { strengthToAmount, type StrengthCalibration } from "../steer/calibration.js";
import { plantedSaeRun, reclens } from "./test-utils/reclens.js";

/** `reclens recommend --boost "<ref>:<strength>" [--operator shift|blend]` on a planted ELSA run. */
const root = mkdtempSync(join(tmpdir(), "reclens-cli-strength-"));
let run: string;

const recommend = async (...extra: string[]): Promise<RecommendRunResult> =>
  JSON.parse(
    await reclens("recommend", "--run", run, "--user", "u0", "--n", "10", "--json", ...extra),
  ) as RecommendRunResult;

beforeAll(async () => {
  run = (await plantedSaeRun(root, { label: true })).ctx.dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens recommend: one strength scale", () => {
  it("strength 0 changes nothing; a strength is the stored calibration's amount, reused afterwards", async () => {
    const own = await recommend();
    const calPath = join(run, "sae", CALIBRATION_FILE);
    expect(existsSync(calPath)).toBe(false); // nothing measured without a boost
    const zero = await recommend("--boost", "1:0");
    expect(zero.items).toEqual(own.items);
    expect(zero.operator).toBe("shift");
    expect(zero.amount).toBe(0);
    const r = await recommend("--boost", "1:0.5");
    expect(existsSync(calPath)).toBe(true);
    const cal = JSON.parse(readFileSync(calPath, "utf8")) as StrengthCalibration;
    expect(r.amount).toBeCloseTo(strengthToAmount(cal, 0.5), 12);
    expect(r.ops).toEqual([{ kind: "shift", knobs: [{ neuron: 1, amount: r.amount }] }]);
    const written = statSync(calPath).mtimeMs;
    const again = await recommend("--boost", "1:0.5");
    expect(statSync(calPath).mtimeMs).toBe(written);
    expect(again.items).toEqual(r.items);
  });

  it("--operator blend is the published convex blend with alpha = strength", async () => {
    const r = await recommend("--boost", "1:0.5", "--operator", "blend");
    expect(r.operator).toBe("blend");
    expect(r.amount).toBeUndefined();
    expect(r.ops).toEqual([{ kind: "boost", knobs: [{ neuron: 1, alpha: 0.5 }] }]);
    await expect(reclens("recommend", "--run", run, "--user", "u0", "--operator", "mix")).rejects.toThrow(
      /mix/,
    );
  });
});
