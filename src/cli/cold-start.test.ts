import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColdStartRunResult } from "../pipeline/cold-start-run.js";
import { CALIBRATION_FILE } from "../pipeline/strength-scale.js";
import { coldStartForWorkspace } from "../serve/cold-start.js";
import { loadWorkspace } from "../serve/run-loader.js";
import { strengthToAmount, type StrengthCalibration } from "../steer/calibration.js";
import { plantedSaeRun, reclens } from "./test-utils/reclens.js";

/** `reclens cold-start --run <dir> --knob "<ref>:<strength>" --json` on a planted ELSA run. */
const root = mkdtempSync(join(tmpdir(), "reclens-cli-cold-"));
let run: string;

const coldStart = async (...extra: string[]): Promise<ColdStartRunResult> =>
  JSON.parse(
    await reclens("cold-start", "--run", run, "--n", "10", "--json", ...extra),
  ) as ColdStartRunResult;

beforeAll(async () => {
  run = (await plantedSaeRun(root, { label: true })).ctx.dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens cold-start", () => {
  it("strength 0 is the knob-less list; a strength gets the calibration's amount x a typical level", async () => {
    const zeroA = await coldStart("--knob", "#1:0");
    const zeroB = await coldStart("--knob", "#2:0");
    expect(zeroA.amount).toBe(0);
    expect(zeroA.knobs[0]).toMatchObject({ neuron: 1, strength: 0, amount: 0, activation: 0 });
    expect(zeroA.items.map((i) => i.id)).toEqual(zeroB.items.map((i) => i.id));
    expect(zeroA.items).toHaveLength(10);
    expect(zeroA.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    const r = await coldStart("--knob", "#1:0.5");
    const cal = JSON.parse(readFileSync(join(run, "sae", CALIBRATION_FILE), "utf8")) as StrengthCalibration;
    expect(r.amount).toBeCloseTo(strengthToAmount(cal, 0.5), 12);
    expect(r.amount).toBeGreaterThan(0);
    expect(r.knobs[0].amount).toBeCloseTo(r.amount, 12);
    expect(r.knobs[0].level).toBeGreaterThan(0);
    expect(r.knobs[0].activation).toBeCloseTo(r.amount * r.knobs[0].level, 4);
    expect(r.items.map((i) => i.id)).not.toEqual(zeroA.items.map((i) => i.id));
    for (let p = 1; p < r.items.length; p++)
      expect(r.items[p].score).toBeLessThanOrEqual(r.items[p - 1].score);
  });

  it("gives the same list, amounts and levels as POST /api/cold-start on the same run", async () => {
    const cli = await coldStart("--knob", "#1:0.3", "--knob", "#2:0.4");
    const ws = await loadWorkspace(run);
    const api = coldStartForWorkspace(ws, {
      knobs: [
        { neuron: 1, strength: 0.3 },
        { neuron: 2, strength: 0.4 },
      ],
      n: 10,
      mapping: "representative",
    });
    expect(cli.items.map((i) => i.id)).toEqual(api.items.map((i) => i.item.id));
    expect(cli.amount).toBeCloseTo(api.amount, 12);
    cli.knobs.forEach((k, p) => {
      expect(k.level).toBeCloseTo(api.knobs[p].level, 4);
      expect(k.amount).toBeCloseTo(api.knobs[p].amount, 12);
    });
    cli.items.forEach((it, p) => expect(it.score).toBeCloseTo(api.items[p].score, 4));
  });

  it("resolves a concept name and reports it; refuses malformed knobs and strengths over 1", async () => {
    const doc = JSON.parse(readFileSync(join(run, "concepts", "labels.json"), "utf8")) as {
      concepts?: { name: string; representative: number }[];
    };
    const concept = (doc.concepts ?? [])[0];
    expect(concept).toBeDefined();
    const r = await coldStart("--knob", `${concept.name}:0.5`);
    expect(r.resolved[0]).toMatchObject({ by: "concept", mapping: "representative" });
    expect(r.knobs[0].neuron).toBe(concept.representative);
    await expect(coldStart("--knob", "#1")).rejects.toThrow(/expected <concept, label or #id>:<strength>/);
    await expect(coldStart("--knob", "#1:1.5")).rejects.toThrow(/strength must be in \[0, 1\], got 1.5/);
    await expect(coldStart("--knob", "#1:0.6", "--knob", "#2:0.6")).rejects.toThrow(
      /sum to 1.2, more than 1/,
    );
  });
});
