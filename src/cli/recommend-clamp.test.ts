import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunSae } from "../pipeline/sae-ref.js";
import { userBatchOf } from "../pipeline/recommend-run.js";
import type { PlantedRun } from "../pipeline/testing.js";
import { recommend } from "../steer/recommend.js";
import { plantedSaeRun, reclens } from "./test-utils/reclens.js";

/** `reclens recommend --clamp`, in-process on a planted run with a small SAE. */
const root = mkdtempSync(join(tmpdir(), "reclens-cli-clamp-"));
let planted: PlantedRun;
let run: string;

interface Rec {
  items: { item: number; id: string; score: number; entered: boolean }[];
  ops: unknown[];
  neurons: { neuron: number; activation: number }[];
  steeredNeurons: { neuron: number; activation: number }[];
}

beforeAll(async () => {
  planted = await plantedSaeRun(root);
  run = planted.ctx.dir;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("reclens recommend --clamp", () => {
  it("sets the neuron to the value and ranks exactly as the library's clamp op", async () => {
    const plain = JSON.parse(
      await reclens("recommend", "--run", run, "--user", "u0", "--n", "10", "--json"),
    ) as Rec;
    const j = plain.neurons[plain.neurons.length - 1].neuron;
    const value = 7.5;
    const out = JSON.parse(
      await reclens(
        "recommend",
        "--run",
        run,
        "--user",
        "u0",
        "--n",
        "10",
        "--clamp",
        `${j}:${value}`,
        "--json",
      ),
    ) as Rec;
    expect(out.ops).toEqual([{ kind: "clamp", neuron: j, value }]);
    expect(out.steeredNeurons.find((a) => a.neuron === j)?.activation).toBeCloseTo(value, 6);
    const loaded = loadRunSae(planted.ctx);
    const u = planted.ctx.dataset.users.indexOf("u0");
    const ref = recommend(planted.ctx.model, loaded.sae, userBatchOf(planted.ctx, u), {
      n: 10,
      steer: [{ kind: "clamp", neuron: j, value }],
    }).users[0];
    expect(out.items.map((i) => i.item)).toEqual(Array.from(ref.items));
    expect(out.items.map((i) => i.score)).toEqual(Array.from(ref.scores));
    expect(out.items.some((i) => i.entered)).toBe(
      Array.from(ref.items).some((i) => !plain.items.some((p) => p.item === i)),
    );
    const text = await reclens("recommend", "--run", run, "--user", "u0", "--n", "5", "--clamp", `${j}:2`);
    expect(text).toMatch(new RegExp(`^user u0: top 5 steered by clamp ${j}:2`));
  });

  it("rejects a clamp without a value or with a negative one", async () => {
    await expect(reclens("recommend", "--run", run, "--user", "u0", "--clamp", "1")).rejects.toThrow(
      'clamp "1": expected <label or neuron id>:<value>',
    );
    await expect(reclens("recommend", "--run", run, "--user", "u0", "--clamp", "1:-2")).rejects.toThrow(
      'clamp "1:-2": value must be finite and >= 0, got -2',
    );
  });
});
