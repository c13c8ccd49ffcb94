import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plantedRun, type PlantedRun } from "../pipeline/testing.js";
import { reclensJson as json } from "./test-utils/reclens.js";

/** `reclens promote --audience` and `reclens suppress` on a planted MF run: the JSON keys checks read. */
const root = mkdtempSync(join(tmpdir(), "reclens-interventions-"));
let planted: PlantedRun;
let run: string;

beforeAll(async () => {
  planted = await plantedRun(root, "mf", 2);
  run = planted.ctx.dir;
  await json<unknown>(
    "sae",
    "train",
    "--run",
    run,
    "--k",
    "3",
    "--expansion",
    "2",
    "--epochs",
    "40",
    "--quiet",
    "--json",
  );
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens promote --audience / suppress", () => {
  it("promote reports meanRankBefore/After, shareInTopN and rboRest per strength", async () => {
    const concept = planted.truth.conceptNames[0];
    // An item of another concept.
    const item = planted.ctx.dataset.items[planted.truth.itemConcept.findIndex((g) => g === 2)];
    const r = await json<{
      neuron: number;
      choice: { auto: boolean };
      audienceUsers: number;
      points: {
        strength: number;
        meanRankBefore: number;
        meanRankAfter: number;
        shareInTopN: number;
        rboRest: number;
      }[];
    }>(
      "promote",
      "--run",
      run,
      "--item",
      item,
      "--audience",
      `genre:${concept}`,
      "--strength",
      "0,4,16",
      "--n",
      "30",
      "--json",
    );
    expect(r.choice.auto).toBe(true);
    expect(r.audienceUsers).toBeGreaterThan(0);
    expect(r.points.map((p) => p.strength)).toEqual([0, 4, 16]);
    expect(r.points[0].meanRankAfter).toBe(r.points[0].meanRankBefore);
    expect(r.points[2].meanRankAfter).toBeLessThan(r.points[0].meanRankBefore);
    for (const p of r.points) {
      expect(p.shareInTopN).toBeGreaterThanOrEqual(0);
      expect(p.rboRest).toBeGreaterThanOrEqual(0.8);
    }
  });

  it("suppress reports the concept's share before/after and rboRest", async () => {
    const concept = `genre:${planted.truth.conceptNames[1]}`;
    const r = await json<{
      neurons: number[];
      points: { shareBefore: number; shareAfter: number; rboRest: number }[];
    }>("suppress", "--run", run, "--concept", concept, "--users", concept, "--json");
    expect(r.neurons.length).toBeGreaterThan(0);
    expect(r.points[0].shareAfter).toBeLessThan(r.points[0].shareBefore);
    expect(r.points[0].rboRest).toBeCloseTo(1, 9);
  });
});
