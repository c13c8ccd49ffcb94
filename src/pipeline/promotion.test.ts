import { beforeAll, describe, expect, it } from "vitest";
import { BadInput, Unavailable } from "../errors.js";
import type { Recommender } from "../models/types.js";
import { promoteItem } from "../steer/promote.js";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import { promoteOverUsers, type UserGroup } from "./promotion.js";

let world: PlantedWorld;
beforeAll(async () => {
  world = await plantedWorld({ seed: 1 });
});

/** The first `count` training users in groups of `size`, with caller ids 1000 + row. */
function groups(count: number, size: number): UserGroup[] {
  const out: UserGroup[] = [];
  for (let s = 0; s < count; s += size) {
    const e = Math.min(count, s + size);
    out.push({
      users: Int32Array.from({ length: e - s }, (_, b) => 1000 + s + b),
      batch: { rows: world.split.train.rowRange(s, e) },
    });
  }
  return out;
}

describe("promoteOverUsers", () => {
  it("adds up promoteItem over groups exactly as one call over all users, with the caller's ids", () => {
    const item = 7;
    const neuron = world.conceptNeuron[world.truth.itemConcept[item]];
    const req = { item, neuron, strengths: [0, 2, 8], n: 10 };
    const one = promoteItem(world.model, world.sae, { rows: world.split.train.rowRange(0, 90) }, req);
    const split = promoteOverUsers(world.model, world.sae, groups(90, 25), req);
    expect(split.users).toBe(90);
    expect(split.eligibleUsers).toBe(one.eligibleUsers);
    expect(split.baselineInTopN).toBe(one.baselineInTopN);
    expect(split.itemNeurons).toEqual(one.itemNeurons);
    split.points.forEach((p, q) => {
      const ref = one.points[q];
      expect(p.strength).toBe(req.strengths[q]);
      expect(p.usersInTopN).toBe(ref.usersInTopN);
      expect(p.meanRankGain).toBeCloseTo(ref.meanRankGain, 10);
      expect(p.entered.map((r) => r.user)).toEqual(Array.from(ref.entered, (b) => 1000 + b));
      expect(p.left.map((r) => r.user)).toEqual(Array.from(ref.left, (b) => 1000 + b));
      for (const r of p.entered) expect(r.rankAfter).toBe(ref.ranks[r.user - 1000]);
    });
    // Strength 0 changes nothing; a strong push brings the item to someone.
    expect(split.points[0].entered).toEqual([]);
    expect(split.points[0].usersInTopN).toBe(split.baselineInTopN);
    expect(split.points[2].entered.length).toBeGreaterThan(0);
  });

  it("checks the request once: neuron range, strengths, n; Unavailable without item vectors", () => {
    const ok = { item: 7, neuron: 0, strengths: [1], n: 10 };
    const run =
      (req: typeof ok, model: Recommender = world.model) =>
      () =>
        promoteOverUsers(model, world.sae, groups(10, 10), req);
    expect(run({ ...ok, neuron: world.sae.dSae })).toThrow(
      new BadInput(`neuron: neuron ${world.sae.dSae} out of range [0, ${world.sae.dSae})`, "neuron"),
    );
    expect(run({ ...ok, strengths: [] })).toThrow("strength: give at least one strength");
    expect(run({ ...ok, strengths: [1, -0.5] })).toThrow("strength: must be a finite number >= 0, got -0.5");
    expect(run({ ...ok, n: 0 })).toThrow("n must be a positive integer, got 0");
    const noItems = { ...world.model, encodeItems: undefined } as Recommender;
    expect(run(ok, noItems)).toThrow(Unavailable);
    expect(run(ok, noItems)).toThrow(/has no item vectors/);
  });
});
