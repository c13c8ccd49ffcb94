import { beforeAll, describe, expect, it } from "vitest";
import { arvivTable } from "../concepts/arviv-table.js";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import {
  dotProductHead,
  fitJointSae,
  jointDataOf,
  jointFidelity,
  jointLossConfig,
  jointSaeConfig,
  resolveJointSettings,
  truncatedRbo,
  type JointSaeData,
} from "./joint-sae.js";

/**
 * Planted two-tower data: 4 concepts, 60 items each. Item i of concept c is 3 e_c plus a small
 * "quality" value in [0, 0.4] (one dimension every user weighs by 4-5, so it orders items within a
 * concept) plus larger noise in 3 dimensions no user cares about. Users like one or two concepts.
 * Scores are dot products (MF). An embedding-only loss spends the bottleneck on the noise; the
 * prediction-aware loss keeps the quality dimension that decides the lists.
 */
const C = 4;
const PER = 60;
const DIM = C + 4;
const USERS = 120;

function planted(): { data: JointSaeData; concepts: ItemConcepts } {
  const rng = new Rng(7);
  const items = new Matrix(C * PER, DIM);
  for (let i = 0; i < C * PER; i++) {
    items.set(i, Math.floor(i / PER), 3);
    items.set(i, C, 0.4 * rng.uniform());
    for (let q = C + 1; q < DIM; q++) items.set(i, q, 0.8 * rng.normal());
  }
  const users = new Matrix(USERS, DIM);
  for (let u = 0; u < USERS; u++) {
    users.set(u, u % C, 1);
    if (u % 3 === 0) users.set(u, (u + 1) % C, 0.6);
    users.set(u, C, 4 + rng.uniform());
  }
  // Each user has seen 5 random items (excluded from the lists).
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < USERS; u++)
    for (const i of rng.permutation(C * PER).subarray(0, 5)) {
      r.push(u);
      c.push(i);
    }
  const seen = Csr.fromTriplets(USERS, C * PER, r, c);
  const rows = Array.from({ length: C * PER }, (_, i) => [Math.floor(i / PER)]);
  const indptr = Int32Array.from({ length: C * PER + 1 }, (_, i) => i);
  const concepts: ItemConcepts = {
    kind: "genre",
    names: ["a", "b", "c", "d"],
    matrix: new Csr(C * PER, C, indptr, Int32Array.from(rows.flat()), new Float32Array(C * PER).fill(1)),
  };
  return { data: jointDataOf(users, items, seen, dotProductHead(DIM), 30), concepts };
}

const base = { latents: 10, epochs: 40, usersPerBatch: 30, topItems: 10, kl: 0.05, klTarget: 0.25, lr: 1e-2 };
let p: ReturnType<typeof planted>;
let withPred: Awaited<ReturnType<typeof fitJointSae>>;
let withoutPred: Awaited<ReturnType<typeof fitJointSae>>;

beforeAll(async () => {
  p = planted();
  withPred = await fitJointSae(p.data, resolveJointSettings({ ...base, beta: 1 }));
  withoutPred = await fitJointSae(p.data, resolveJointSettings({ ...base, beta: 0 }));
});

describe("joint SAE on planted two-tower data", () => {
  it("recovers a neuron with item-side purity@10 = 1.0 for every planted concept", () => {
    const z = withPred.sae.encodeDense(p.data.items);
    const counts = Array.from({ length: C * PER }, (_, i) => i % 7);
    const t = arvivTable(z, p.concepts, counts, 20);
    for (const row of t.rows) {
      expect(row.neuron, row.concept).not.toBeNull();
      expect(row.purity?.[0], row.concept).toBe(1);
      expect(row.items).toBe(PER);
    }
  });

  it("keeps the original top-30 lists better with the prediction-aware loss than without (beta = 0)", () => {
    const a = jointFidelity(withPred.sae, p.data);
    const b = jointFidelity(withoutPred.sae, p.data);
    expect(a.users).toBe(USERS);
    expect(a.rbo).toBeGreaterThan(b.rbo);
    expect(a.rbo).toBeGreaterThan(b.rbo + 0.2); // measured 0.556 vs 0.218
  });

  it("a perfect reconstruction has RBO = Kendall = 1 (fidelity is measured on the lists)", () => {
    const identity = {
      reconstruct: (x: Matrix) => x.clone(),
      encode: withPred.sae.encode.bind(withPred.sae),
      dSae: withPred.sae.dSae,
    };
    const f = jointFidelity(identity as unknown as typeof withPred.sae, p.data);
    expect(f.rbo).toBeCloseTo(1, 10);
    expect(f.kendall).toBeCloseTo(1, 10);
    // The paper's code does not extrapolate: identical top-30 lists score 1 - 0.9^30.
    expect(f.rboTruncated).toBeCloseTo(1 - 0.9 ** 30, 6);
  });

  it("truncated RBO as the paper's code computes it (hand-computed)", () => {
    // d=1: {1}&{2} = 0; d=2: {1,2}&{2,1} = 2 -> 2/2 * 0.9; d=3: 2/3 * 0.81 -> 0.1 * (0.9 + 0.54)
    expect(truncatedRbo([1, 2, 3], [2, 1, 4])).toBeCloseTo(0.144, 12);
    expect(truncatedRbo([1, 2, 3], [1, 2, 3])).toBeCloseTo(0.1 * (1 + 0.9 + 0.81), 12);
    expect(truncatedRbo([1, 2], [3, 4])).toBe(0);
    // Unequal lengths: depth 3; d=3 sees a's 3rd element only: {1,2,5}&{1,2} = 2 -> 2/3 * 0.81
    expect(truncatedRbo([1, 2, 5], [1, 2])).toBeCloseTo(0.1 * (1 + 0.9 + 0.54), 12);
    expect(() => truncatedRbo([1], [1], 1)).toThrow(/p must be in \(0, 1\)/);
  });

  it("per-sample normalisation (the paper's normalize=True) reaches the SAE config; bad values are refused", () => {
    const s = resolveJointSettings({ normalisation: "per-sample", lrDecay: "cosine" });
    expect(jointSaeConfig(s, 20).normalisation).toBe("per-sample");
    expect(jointSaeConfig(resolveJointSettings({ normalisation: "none" }), 20).normalisation).toBe("none");
    expect(jointSaeConfig(resolveJointSettings({}), 20).normalisation).toBe("per-sample");
    expect(() => resolveJointSettings({ normalisation: "layer" } as never)).toThrow(/normalisation/);
  });

  it("builds Matryoshka with 4 nested quarters and refuses k above the latents", () => {
    const cfg = jointSaeConfig(resolveJointSettings({ architecture: "matryoshka", latents: 22, k: 4 }), 20);
    expect(cfg.prefixes).toEqual([6, 11, 17, 22]);
    expect(jointSaeConfig(resolveJointSettings({ tied: true }), 20).tied).toBe(true);
    expect(jointSaeConfig(resolveJointSettings({}), 20).tied).toBeUndefined();
    expect(() =>
      jointSaeConfig(resolveJointSettings({ architecture: "topk", latents: 4, k: 8 }), 20),
    ).toThrow(/k = 8 exceeds/);
    expect(() => resolveJointSettings({ beta: -1 })).toThrow(/beta/);
  });

  it("adds the AuxK dead-latent loss to TopK and Matryoshka by default, not to ReLU", () => {
    const scorer = p.data.head.scorer;
    const topk = jointLossConfig(resolveJointSettings({ architecture: "topk", k: 2 }), scorer, 360);
    expect(topk.auxk).toEqual({
      weight: 1 / 32,
      deadAfter: 360,
      normalisation: "variance",
      rescale: "least-squares",
    });
    const mat = jointLossConfig(
      resolveJointSettings({ architecture: "matryoshka", k: 2, auxk: 0.5 }),
      scorer,
      9,
    );
    expect(mat.auxk?.weight).toBe(0.5);
    expect(
      jointLossConfig(resolveJointSettings({ architecture: "topk", auxk: 0 }), scorer, 9).auxk,
    ).toBeUndefined();
    expect(jointLossConfig(resolveJointSettings({}), scorer, 9).auxk).toBeUndefined();
    expect(() => jointLossConfig(resolveJointSettings({ auxk: 0.1 }), scorer, 9)).toThrow(
      /auxk = 0.1 needs a TopK/,
    );
  });

  it("AuxK revives latents a joint TopK SAE leaves dead", async () => {
    // 48 latents, k = 2 over 8-d planted embeddings: without AuxK 37.5% are dead after 40 epochs.
    const s = { ...base, kl: 0, architecture: "topk" as const, latents: 48, k: 2, beta: 1 };
    const dead = async (auxk: number) => {
      const fit = await fitJointSae(p.data, resolveJointSettings({ ...s, auxk }));
      return fit.training.epochs[fit.training.epochs.length - 1].deadFraction;
    };
    const without = await dead(0);
    expect(without).toBeGreaterThan(0.3);
    // The residual left on planted data is small, so the revival needs a large weight: 0.146 at 10.
    expect(await dead(10)).toBeLessThan(without - 0.15);
  });
});
