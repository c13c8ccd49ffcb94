import { describe, expect, it } from "vitest";
import { fractionVarianceExplained, meanCosineSimilarity, meanSquaredError } from "../eval/sae.js";
import { createModel } from "../models/index.js";
import { randomCsr } from "../models/testing.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { evaluateNested } from "./nested-eval.js";
import { identitySae } from "./nested-testing.js";

/**
 * A recommender whose representation of a user is a fixed score row (dim = items) looked up by the
 * user's single fold-in item, and whose decoder is the identity.
 */
function lookupModel(scoresBySeenItem: Map<number, number[]>, items: number): Recommender {
  const encodeUsers = (b: UserBatch): Matrix =>
    Matrix.fromRows(
      Array.from(
        { length: b.rows.rows },
        (_, r) => scoresBySeenItem.get(b.rows.rowIndices(r)[0]) as number[],
      ),
    );
  const decode = (z: Matrix): Matrix => z.clone();
  return {
    name: "lookup",
    config: {},
    nItems: items,
    dim: items,
    fit: () => Promise.reject(new Error("not trainable")),
    encodeUsers,
    decode,
    scoreUsers: (b) => decode(encodeUsers(b)),
    save: () => undefined,
  };
}

describe("evaluateNested: hand-computed case", () => {
  // u0 saw item 4, wants item 0; u1 saw item 3, wants item 1. The "SAE" swaps items 0 and 1 on decoding.
  const Z = new Map([
    [4, [5, 4, 3, 2, 1]],
    [3, [2, 3, 5, 9, 1]],
  ]);
  const model = lookupModel(Z, 5);
  const swap01 = (m: Matrix): void => {
    for (let r = 0; r < m.rows; r++) {
      const t = m.get(r, 0);
      m.set(r, 0, m.get(r, 1));
      m.set(r, 1, t);
    }
  };
  const sae = identitySae(5, swap01);
  const part = {
    foldIn: Csr.fromTriplets(2, 5, [0, 1], [4, 3]),
    target: Csr.fromTriplets(2, 5, [0, 1], [0, 1]),
  };

  for (const batchSize of [1, 2]) {
    it(`ratios, fidelity and reconstruction match the hand computation (batchSize ${batchSize})`, () => {
      const rep = evaluateNested(model, sae, part, { k: 2, fidelityN: 3, rboP: 0.9, batchSize });
      const l3 = 1 / Math.log2(3);
      // original top-2: u0 [0, 1] (hit at 1), u1 [2, 1] (hit at 2); nested: u0 [1, 0] (hit at 2), u1 [2, 0] (miss)
      expect(rep.users).toBe(2);
      expect(rep.original.hit.mean).toBeCloseTo(1, 12);
      expect(rep.nested.hit.mean).toBeCloseTo(0.5, 12);
      expect(rep.original.ndcg.mean).toBeCloseTo((1 + l3) / 2, 12);
      expect(rep.nested.ndcg.mean).toBeCloseTo(l3 / 2, 12);
      expect(rep.kept.hit).toBeCloseTo(0.5, 12);
      expect(rep.kept.ndcg).toBeCloseTo(l3 / (1 + l3), 12);
      // top-3: u0 [0,1,2] vs [1,0,2]: RBO = p; u1 [2,1,0] vs [2,0,1]: RBO = (1-p)(1 + p/2 + p^2) + p^3
      const p = 0.9;
      expect(rep.fidelity.rbo.mean).toBeCloseTo((p + (1 - p) * (1 + p / 2 + p * p) + p ** 3) / 2, 10);
      // one discordant pair of three in each list: tau = 1/3
      expect(rep.fidelity.kendallTau.mean).toBeCloseTo(1 / 3, 12);
      expect(rep.reconstruction.cosine).toBeCloseTo((54 / 55 + 119 / 120) / 2, 6);
      expect(rep.reconstruction.mse).toBeCloseTo(4 / 10, 6);
      // SST about column means: 4.5 + 0.5 + 2 + 24.5 + 0
      expect(rep.reconstruction.fve).toBeCloseTo(1 - 4 / 31.5, 6);
      expect(rep.sparsity.meanL0).toBe(5);
      expect(rep.sparsity.deadFraction).toBe(0);
    });
  }

  it("a ratio is null when the original mean is 0", () => {
    const miss = { foldIn: part.foldIn, target: Csr.fromTriplets(2, 5, [0, 1], [3, 4]) };
    const rep = evaluateNested(model, sae, miss, { k: 1, fidelityN: 3 });
    expect(rep.original.hit.mean).toBe(0);
    expect(rep.kept.hit).toBeNull();
  });
});

describe("evaluateNested on a trained model", () => {
  it("identity SAE and error add-back keep everything; streamed FVE equals the whole-matrix one", async () => {
    const train = randomCsr(60, 30, 0.2, 3);
    const model = createModel("elsa", { dim: 8, epochs: 3, batchSize: 16 });
    await model.fit(train, { rng: new Rng(2) });
    const foldIn = randomCsr(25, 30, 0.2, 7);
    // targets: a few items the user has not seen
    const tr: number[] = [];
    const tc: number[] = [];
    for (let u = 0; u < 25; u++) {
      const seen = new Set(foldIn.rowIndices(u));
      for (let i = u % 5; i < 30; i += 7) {
        if (seen.has(i)) continue;
        tr.push(u);
        tc.push(i);
      }
    }
    const part = { foldIn, target: Csr.fromTriplets(25, 30, tr, tc) };

    const id = evaluateNested(model, identitySae(8), part, { batchSize: 7 });
    expect(id.kept).toEqual({ hit: 1, ndcg: 1 });
    expect(id.fidelity.rbo.mean).toBe(1);
    expect(id.fidelity.kendallTau.mean).toBe(1);
    expect(id.reconstruction).toEqual({ cosine: 1, fve: 1, mse: 0 });

    const sae = new SparseAutoencoder(makeSaeConfig("topk", 8, 16, { k: 2 }), 4);
    const z = model.encodeUsers({ rows: foldIn });
    sae.initialise(z);
    const pure = evaluateNested(model, sae, part, { batchSize: 7, fidelityN: 10 });
    const xHat = sae.reconstruct(z);
    expect(pure.reconstruction.fve).toBeCloseTo(fractionVarianceExplained(z, xHat), 4);
    expect(pure.reconstruction.cosine).toBeCloseTo(meanCosineSimilarity(z, xHat), 5);
    expect(pure.reconstruction.mse).toBeCloseTo(meanSquaredError(z, xHat), 6);
    expect(pure.sparsity.meanL0).toBe(2);
    expect(pure.fidelity.rbo.mean).toBeLessThan(1);
    const back = evaluateNested(model, sae, part, { batchSize: 7, fidelityN: 10, addError: true });
    expect(back.kept).toEqual({ hit: 1, ndcg: 1 });
    expect(back.fidelity.rbo.mean).toBe(1);
    expect(back.fidelity.kendallTau.mean).toBe(1);
    expect(back.original).toEqual(pure.original);
  });
});
