import { beforeAll, describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { mapCodeRows } from "../steer/code-row.js";
import { itemLatentDirections } from "../steer/promote-audience.js";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import type { Dataset } from "../data/types.js";
import { conceptShares, resolveAudience, resolveConcept, type Population } from "./audience.js";
import { promoteToAudience } from "./promote-audience.js";
import { suppressConcept } from "./suppression.js";

/**
 * Item-side interventions on planted two-tower data: 300 users x 120 items x 4 concepts, MF (d 16)
 * and a TopK SAE (16 latents, k 3) trained on the item vectors (steer/testing.ts).
 */
let w: PlantedWorld;
let pop: Population;

beforeAll(async () => {
  w = await plantedWorld({ model: "mf", saeOn: "items", seed: 3 });
  // Training users with their learned MF vectors, held-out users folded in.
  const modelUserIds = new Int32Array(w.dataset.users.length).fill(-1);
  w.split.trainUsers.forEach((u, r) => (modelUserIds[u] = r));
  pop = { ids: w.dataset.users, rows: w.dataset.matrix, modelUserIds };
}, 60_000);

describe("audiences", () => {
  const tiny: Dataset = {
    name: "tiny",
    source: "test",
    users: ["a", "b", "c"],
    items: ["x", "y", "z", "t"],
    // a: x y z (2 of 3 rock) b: z t (0 of 2) c: x (1 of 1)
    matrix: Csr.fromTriplets(3, 4, [0, 0, 0, 1, 1, 2], [0, 1, 2, 2, 3, 0]),
    userAttributes: { age: ["Under 18", "25-34", "Under 18"] },
    concepts: [
      // tag weights: x rock 5; y rock 1 but four heavier tags (not in its top 4); z jazz; t none
      {
        kind: "tag",
        names: ["rock", "jazz", "t1", "t2", "t3", "t4"],
        matrix: Csr.fromTriplets(4, 6, [0, 1, 1, 1, 1, 1, 2], [0, 0, 2, 3, 4, 5, 1], [5, 1, 9, 9, 9, 9, 3]),
      },
    ],
  };
  const tinyPop: Population = { ids: tiny.users, rows: tiny.matrix };

  it("a tag counts only among an item's 4 most applied tags; shares are hand-computed", () => {
    const rock = resolveConcept(tiny, "rock");
    expect(Array.from(rock.items)).toEqual([1, 0, 0, 0]);
    const group = resolveConcept(tiny, "tag:rock|jazz");
    expect(Array.from(group.items)).toEqual([1, 0, 1, 0]);
    expect(Array.from(conceptShares(tiny.matrix, group))).toEqual([2 / 3, 0.5, 1]);
    expect(() => resolveConcept(tiny, "metal")).toThrow(/no concept family of tiny has "metal"/);
  });

  it("concept, attribute (ML-1M age code) and id audiences", () => {
    const a = resolveAudience(tiny, tinyPop, "rock|jazz", { minShare: 0.6, minHistory: 1 });
    expect(Array.from(a.users)).toEqual([0, 2]);
    expect(Array.from(resolveAudience(tiny, tinyPop, "rock|jazz", { minShare: 0.6 }).users)).toEqual([]);
    expect(Array.from(resolveAudience(tiny, tinyPop, "age=1").users)).toEqual([0, 2]);
    expect(Array.from(resolveAudience(tiny, tinyPop, "ids:c,a").users)).toEqual([0, 2]);
    expect(() => resolveAudience(tiny, tinyPop, "ids:q")).toThrow(/unknown user id "q"/);
    expect(() => resolveAudience(tiny, tinyPop, "gender=F")).toThrow(/no user attribute "gender"/);
  });
});

describe("item-side promotion on planted data", () => {
  it("Δ_j is the exact change of the decoded item per unit of latent j (finite difference, s = 2.5)", () => {
    const q = (w.model.encodeItems as () => Matrix).call(w.model);
    const v = q.row(7).slice();
    const dirs = itemLatentDirections(w.sae, v);
    const code = w.sae.encode(new Matrix(1, v.length, v.slice()));
    const base = w.sae.decode(code);
    for (const j of [0, 5, 11]) {
      const raised = w.sae.decode(mapCodeRows(code, (r) => r.set(j, r.get(j) + 2.5)));
      for (let c = 0; c < v.length; c++)
        expect(dirs.get(j, c)).toBeCloseTo((raised.data[c] - base.data[c]) / 2.5, 4);
    }
  });

  it("moves an off-concept item into the audience's top-10 with monotone mean rank and the rest kept", () => {
    const g = 0;
    const aud = resolveAudience(w.dataset, pop, w.truth.conceptNames[g], { minShare: 0.6 });
    expect(aud.users.length).toBeGreaterThan(10);
    // The least popular item of another concept: far down the audience's lists.
    const counts = new Float64Array(w.dataset.items.length);
    for (const i of w.dataset.matrix.indices) counts[i]++;
    let item = -1;
    for (let i = 0; i < counts.length; i++)
      if (w.truth.itemConcept[i] === 2 && (item < 0 || counts[i] < counts[item])) item = i;
    const strengths = [0, 1, 2, 4, 8, 16, 32];
    const r = promoteToAudience(w.model, w.sae, pop, aud.users, { item, strengths, n: 10 }, aud.concept);
    expect(r.choice.auto).toBe(true);
    expect(r.choice.audiencePositive).toBeGreaterThanOrEqual(0.9);
    // The chosen latent lifts the audience more than the others.
    expect(r.choice.audienceGain).toBeGreaterThan(r.choice.othersGain);
    const p = r.points;
    expect(p[0].meanRankAfter).toBe(p[0].meanRankBefore);
    expect(p[0].shareInTopN).toBeLessThan(0.5);
    // Monotone while the users the latent lifts (all but audiencePositive's complement) are still
    // climbing; once they sit at the top, the few it lowers (here 2 of 60) drift down: at most that.
    for (let q = 1; q <= 3; q++) expect(p[q].meanRankAfter).toBeLessThan(p[q - 1].meanRankAfter);
    const best = Math.min(...p.map((x) => x.meanRankAfter));
    for (const x of p.slice(3)) expect(x.meanRankAfter - best).toBeLessThan(0.1);
    for (let q = 1; q < p.length; q++) expect(p[q].shareInTopN).toBeGreaterThanOrEqual(p[q - 1].shareInTopN);
    expect(p[p.length - 1].meanRankAfter).toBeLessThan(p[0].meanRankBefore / 3);
    expect(Math.max(...p.map((x) => x.shareInTopN))).toBeGreaterThanOrEqual(0.5);
    // Only the promoted item moves: the rest of each top-10 is the old list shifted by at most one.
    for (const x of p) expect(x.rboRest).toBeGreaterThanOrEqual(0.8);
  });
});

describe("genre suppression on planted data", () => {
  it("cuts each concept's share of its fans' top-10 by at least half and keeps the rest's order", () => {
    const drops: number[] = [];
    for (let g = 0; g < w.truth.conceptNames.length; g++) {
      const ref = `genre:${w.truth.conceptNames[g]}`;
      const concept = resolveConcept(w.dataset, ref);
      const aud = resolveAudience(w.dataset, pop, ref, { minShare: 0.6 });
      const r = suppressConcept(w.model, w.sae, pop, { concept, users: aud.users, n: 10, factors: [0, 1] });
      expect(r.side).toBe("items");
      expect(r.neurons.length).toBeGreaterThan(0);
      const [off, none] = r.points;
      expect(off.shareBefore).toBeGreaterThan(0.5);
      expect(off.shareDrop).toBeGreaterThanOrEqual(0.5);
      drops.push(off.shareDrop);
      // Only the concept's items are edited: the other items keep their scores, so the rest of
      // each list is the old rest followed by newcomers (RBO 1 up to the extrapolation's rounding).
      expect(off.rboRest).toBeCloseTo(1, 9);
      // factor 1 is the identity: nothing moves.
      expect(none.shareAfter).toBeCloseTo(none.shareBefore, 12);
      expect(none.rboRest).toBeCloseTo(1, 12);
    }
    expect(drops.reduce((s, x) => s + x, 0) / drops.length).toBeGreaterThan(0.6);
  });
});
