import { describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { neuronActivity, topActivatingItems } from "./activations.js";
import {
  cooccurrenceVectors,
  cosineSimilarity,
  metadataVectors,
  monosemanticity,
} from "./monosemanticity.js";

const csr = (rows: number[][]): Csr => Csr.fromDense(Matrix.fromRows(rows));

function ms(z: Matrix, vectors: Csr, topN = 3) {
  return monosemanticity(topActivatingItems(z, topN), neuronActivity(z), vectors, topN);
}

describe("item similarity", () => {
  it("cosine of sparse rows", () => {
    const v = csr([
      [3, 4, 0],
      [4, 3, 0],
      [0, 0, 0],
    ]);
    expect(cosineSimilarity(v, 0, 1)).toBeCloseTo(24 / 25, 6);
    expect(cosineSimilarity(v, 0, 2)).toBe(0);
  });

  it("metadata vectors weigh each family equally", () => {
    // A: genres {0,1}, tags (3, 4); B: genre {0}, tags (4, 3).
    // genre cosine = 1/sqrt(2), tag cosine = 24/25; combined = (0.7071068 + 0.96) / 2 = 0.8335534
    const genre: ItemConcepts = {
      kind: "genre",
      names: ["g0", "g1"],
      matrix: csr([
        [1, 1],
        [1, 0],
      ]),
    };
    const tag: ItemConcepts = {
      kind: "tag",
      names: ["t0", "t1"],
      matrix: csr([
        [3, 4],
        [4, 3],
      ]),
    };
    const v = metadataVectors([genre, tag]);
    expect(v.cols).toBe(4);
    expect(cosineSimilarity(v, 0, 1)).toBeCloseTo((Math.SQRT1_2 + 0.96) / 2, 6);
  });

  it("co-occurrence vectors: |U_i & U_j| / sqrt(|U_i| |U_j|)", () => {
    // users: u0 {0, 1}, u1 {0, 1, 2}, u2 {2}
    const v = cooccurrenceVectors(
      csr([
        [1, 1, 0],
        [1, 1, 1],
        [0, 0, 1],
      ]),
    );
    expect(cosineSimilarity(v, 0, 1)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(v, 0, 2)).toBeCloseTo(1 / 2, 6);
  });
});

describe("monosemanticity score", () => {
  it("identical top items score 1", () => {
    const vectors = csr([
      [1, 1, 0],
      [1, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    const z = Matrix.fromRows([[0.9], [0.4], [0.7], [0]]);
    const s = ms(z, vectors);
    expect(Array.from(s.ids)).toEqual([0]);
    expect(s.score[0]).toBeCloseTo(1, 6);
  });

  it("activation-weighted mean of pairwise similarities (hand example)", () => {
    // vectors: item0 = item1 = [1, 0], item2 = [0, 1]; neuron z = [1, .5, .5, 0] -> weights [1, .5, .5]
    // pairs: (0,1) w .5 sim 1; (0,2) w .5 sim 0; (1,2) w .25 sim 0  -> MS = .5 / 1.25 = 0.4
    const vectors = csr([
      [1, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const z = Matrix.fromRows([
      [1, 0],
      [0.5, 0],
      [0.5, 0],
      [0, 0],
    ]);
    const s = ms(z, vectors);
    expect(Array.from(s.ids)).toEqual([0]); // neuron 1 is dead
    expect(s.score[0]).toBeCloseTo(0.4, 6);
  });

  it("min-max weights over all items: a neuron active everywhere at two levels has no weighted pair", () => {
    // z = [2, 1, 1]: min 1, max 2 -> weights [1, 0, 0]; every pair weight is 0 -> left out
    const vectors = csr([[1], [1], [1]]);
    expect(Array.from(ms(Matrix.fromRows([[2], [1], [1]]), vectors).ids)).toEqual([]);
    // a neuron with a single active item is left out too
    expect(Array.from(ms(Matrix.fromRows([[2], [0], [0]]), vectors).ids)).toEqual([]);
  });

  it("rejects topN beyond the kept top items", () => {
    const z = Matrix.fromRows([[1], [1]]);
    expect(() => monosemanticity(topActivatingItems(z, 2), neuronActivity(z), csr([[1], [1]]), 5)).toThrow(
      /topN 5 exceeds the 2/,
    );
  });
});
