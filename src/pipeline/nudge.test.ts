import { beforeAll, describe, expect, it } from "vitest";
import type { Dataset } from "../data/types.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNItems, topNUnseen } from "../nested/nested-rank.js";
import { identitySae } from "../nested/nested-testing.js";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { resolveAudience, resolveConcept, withArvivConcepts } from "./audience.js";
import { nudgeGroup } from "./nudge.js";
import { interventionDataset } from "./intervention-env.js";

/** A linear two-tower stand-in: fixed user vectors (by model id), scores z M^T. */
function linearModel(m: number[][], users: number[][]): Recommender {
  const mm = Matrix.fromRows(m);
  const zs = Matrix.fromRows(users);
  const decode = (z: Matrix): Matrix => {
    const out = new Matrix(z.rows, mm.rows);
    for (let r = 0; r < z.rows; r++)
      for (let i = 0; i < mm.rows; i++) {
        let s = 0;
        for (let c = 0; c < mm.cols; c++) s += z.get(r, c) * mm.get(i, c);
        out.set(r, i, s);
      }
    return out;
  };
  const encodeUsers = (b: UserBatch): Matrix => {
    const ids = Array.from(b.userIds as Int32Array);
    return new Matrix(ids.length, zs.cols, Float32Array.from(ids.flatMap((u) => Array.from(zs.row(u)))));
  };
  return {
    name: "linear",
    config: {},
    nItems: mm.rows,
    dim: mm.cols,
    fit: () => Promise.reject(new Error("not trainable")),
    encodeUsers,
    decode,
    scoreUsers: (b: UserBatch) => decode(encodeUsers(b)),
    score: () => new Matrix(0, 0),
    encodeItems: () => mm.clone(),
    save: () => undefined,
  };
}

describe("nudgeGroup: hand-computed", () => {
  // Items: 0 [1, 0] (concept), 1 [0, 1], 2 [0, 0.9], 3 [1, -1] (concept). Identity SAE: the code is z.
  const model = linearModel(
    [
      [1, 0],
      [0, 1],
      [0, 0.9],
      [1, -1],
    ],
    [
      [0, 1],
      [0.5, 1],
    ],
  );
  const concept = { family: "genre", names: ["C"], items: Uint8Array.of(1, 0, 0, 1), itemCount: 2 };
  const group = {
    seen: Csr.fromTriplets(2, 4, [], []),
    // user 0 holds out item 1, user 1 item 2
    targets: Csr.fromTriplets(2, 4, [0, 1], [1, 2]),
    userIds: Int32Array.of(0, 1),
  };

  it("users side: latent 0 raised by 0 / 1 / 3 gives shares 0 / 0.5 / 1 of the top-2 and Recall@1 0.5 / 0 / 0", () => {
    // s 0: u0 scores [0, 1, .9, -1] -> [1, 2]; u1 [.5, 1, .9, -.5] -> [1, 2]; Recall@1: u0 hits item 1, u1 misses.
    // s 1: u0 z [1, 1] -> [1, 1, .9, 0]: tie item 0 / 1 goes to item 0 -> [0, 1]; u1 [1.5, 1, .9, .5] -> [0, 1].
    // s 3: u0 [3, 1, .9, 2] -> [0, 3]; u1 [3.5, 1, .9, 2.5] -> [0, 3].
    const r = nudgeGroup(model, identitySae(2), group, {
      concept,
      neurons: [0],
      strengths: [0, 1, 3],
      n: 2,
      k: 1,
    });
    expect(r.side).toBe("users");
    expect(r.users).toBe(2);
    expect(r.points.map((p) => p.shareAfter)).toEqual([0, 0.5, 1]);
    expect(r.points.map((p) => p.shareGain)).toEqual([0, 0.5, 1]);
    expect(r.points.map((p) => p.recallBefore)).toEqual([0.5, 0.5, 0.5]);
    expect(r.points.map((p) => p.recallAfter)).toEqual([0.5, 0, 0]);
    expect(r.points.map((p) => p.recallKept)).toEqual([1, 0, 0]);
    // Non-concept items of the original top-2 ([1, 2] for both) still listed: s 1 keeps item 1 (1/2), s 3 none.
    expect(r.points.map((p) => p.restKept)).toEqual([1, 0.5, 0]);
    // Latent 0 fires (> 0) on items 0 and 3, both concept items: purity 1 at every K.
    expect(r.neurons[0]).toMatchObject({ neuron: 0, auto: false, purity: [1, 1, 1], activatingItems: 2 });
    expect(r.neurons[0].meanItemActivation).toBeCloseTo(1, 12);
  });

  it("items side: concept items move by s <z_u, e_0>, the others keep their scores", () => {
    // u0: z_0 = 0, nothing moves; u1: z_0 = 0.5, items 0 / 3 gain 0.5 s. At s 2: u1 [1.5, 1, .9, .5] -> [0, 1].
    const r = nudgeGroup(model, identitySae(2), group, {
      concept,
      neurons: [0],
      strengths: [2, 4],
      n: 2,
      k: 1,
      side: "items",
    });
    expect(r.points[0].shareAfter).toBe(0.25);
    // s 4: u1 [2.5, 1, .9, 1.5] -> [0, 3]
    expect(r.points[1].shareAfter).toBe(0.5);
    expect(r.points[1].recallAfter).toBe(0.5);
  });

  it("rejects bad input with the field named", () => {
    const base = { concept, neurons: [0], strengths: [1] };
    expect(() => nudgeGroup(model, identitySae(2), group, { ...base, strengths: [-1] })).toThrow(/strength/);
    expect(() => nudgeGroup(model, identitySae(2), group, { ...base, neurons: [7] })).toThrow(
      /neuron 7 out of range/,
    );
    expect(() => nudgeGroup(model, identitySae(2), group, { ...base, k: 0 })).toThrow(/k must be a positive/);
  });
});

describe("nudgeGroup on planted data", () => {
  let w: PlantedWorld;
  beforeAll(async () => {
    w = await plantedWorld({ model: "mf", saeOn: "items", seed: 3 });
  }, 60_000);

  it("raises the concept's share of held-out users' top-10 monotonically; strength 0 is the model itself", () => {
    const test = w.split.test;
    const concept = resolveConcept(w.dataset, `genre:${w.truth.conceptNames[0]}`);
    // The planted items' latents fire at ~0.55, so 0.5 is already a strong push.
    const strengths = [0, 0.05, 0.1, 0.2, 0.5];
    const r = nudgeGroup(
      w.model,
      w.sae,
      { seen: test.foldIn, targets: test.target },
      {
        concept,
        strengths,
        n: 10,
        k: 5,
      },
    );
    // The automatic neuron is the planted concept's: item-side purity@10 = 1.
    expect(r.neurons[0].auto).toBe(true);
    expect(r.neurons[0].purity[0]).toBe(1);
    // Before = the model's own lists, recomputed here.
    const scores = w.model.scoreUsers({ rows: test.foldIn });
    const lists = topNUnseen(scores, test.foldIn, 10);
    let share = 0;
    let recall = 0;
    for (let u = 0; u < test.foldIn.rows; u++) {
      const top = topNItems(lists, u);
      share += top.filter((i) => concept.items[i] === 1).length / top.length;
      const want = new Set(test.target.rowIndices(u));
      recall += Array.from(top.subarray(0, 5)).filter((i) => want.has(i)).length / Math.min(5, want.size);
    }
    expect(r.points[0].shareBefore).toBeCloseTo(share / test.foldIn.rows, 12);
    expect(r.points[0].recallBefore).toBeCloseTo(recall / test.foldIn.rows, 12);
    expect(r.points[0].shareAfter).toBe(r.points[0].shareBefore);
    expect(r.points[0].recallKept).toBe(1);
    for (let t = 1; t < strengths.length; t++)
      expect(r.points[t].shareAfter).toBeGreaterThanOrEqual(r.points[t - 1].shareAfter);
    expect(r.points[strengths.length - 1].shareAfter).toBeGreaterThan(0.8);
    expect(r.points[strengths.length - 1].shareGain).toBeGreaterThan(0.3);
  });
});

describe("one concept parser: Arviv concepts beside the dataset's", () => {
  // Items: 0 Drama 1995, 1 Comedy 1965, 2 Drama 1985, 3 Comedy 1992.
  const tiny: Dataset = {
    name: "tiny",
    source: "test",
    users: ["a", "b"],
    items: ["0", "1", "2", "3"],
    matrix: Csr.fromTriplets(2, 4, [0, 0, 1], [0, 3, 1]),
    concepts: [
      {
        kind: "tag",
        names: ["metal", "power metal", "pop"],
        matrix: Csr.fromTriplets(4, 3, [0, 1, 2], [0, 1, 2], [3, 2, 1]),
      },
    ],
  };
  // Arviv family as src/concepts/arviv-concepts.ts builds it: Metal on items 0 and 1 (tag group), Golden-Age on 1.
  const arviv = {
    kind: "arviv",
    names: ["Metal", "Golden-Age", "90's Drama"],
    matrix: Csr.fromTriplets(4, 3, [0, 1, 1, 0], [0, 0, 1, 2]),
  };
  const ds = withArvivConcepts(tiny, arviv);

  it("style:Metal is the group, a bare metal the single tag, Golden-Age / 90's Drama resolve bare", () => {
    expect(Array.from(resolveConcept(ds, "style:Metal").items)).toEqual([1, 1, 0, 0]);
    expect(resolveConcept(ds, "style:metal").family).toBe("arviv");
    expect(Array.from(resolveConcept(ds, "metal").items)).toEqual([1, 0, 0, 0]);
    expect(resolveConcept(ds, "metal").family).toBe("tag");
    expect(Array.from(resolveConcept(ds, "Golden-Age").items)).toEqual([0, 1, 0, 0]);
    expect(Array.from(resolveConcept(ds, "90's drama").items)).toEqual([1, 0, 0, 0]);
    expect(Array.from(resolveConcept(ds, "tag:metal|power metal").items)).toEqual([1, 1, 0, 0]);
    // Audience: user a (items 0, 3) has 1/2 Metal; b (item 1) 1/1.
    const pop = { ids: ds.users, rows: ds.matrix };
    expect(Array.from(resolveAudience(ds, pop, "style:Metal", { minHistory: 1 }).users)).toEqual([0, 1]);
    expect(
      Array.from(resolveAudience(ds, pop, "style:Metal", { minHistory: 1, minShare: 0.6 }).users),
    ).toEqual([1]);
    // Without the Arviv family, "style:" names no family: the whole text is a name, not found.
    expect(() => resolveConcept(tiny, "style:Metal")).toThrow(/no concept family of tiny has "style:Metal"/);
    expect(() => withArvivConcepts(tiny, { ...arviv, matrix: Csr.fromTriplets(3, 3, [], []) })).toThrow(
      /3 concept rows for 4 items/,
    );
  });

  it("the labeller's tag groups and broad tags resolve too: `broad tag:metal (all)` is metal and power metal", () => {
    const full = interventionDataset(tiny, arviv);
    expect(full.concepts.map((c) => c.kind)).toEqual(["tag", "broad tag", "arviv"]);
    expect(Array.from(resolveConcept(full, "broad tag:metal (all)").items)).toEqual([1, 1, 0, 0]);
    expect(resolveConcept(full, "metal (all)").family).toBe("broad tag");
    expect(resolveConcept(full, "metal").family).toBe("tag"); // a bare tag is still the single tag
    expect(resolveConcept(full, "style:Metal").family).toBe("arviv");
    expect(interventionDataset(tiny).concepts.map((c) => c.kind)).toEqual(["tag", "broad tag"]);
    expect(() => resolveConcept(tiny, "broad tag:metal (all)")).toThrow(/no concept family of tiny has/);
  });
});
