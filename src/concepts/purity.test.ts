import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import {
  eligibleNeurons,
  neuronActivity,
  topActivatingItems,
  topItemsOf,
  topValuesOf,
  validateActivations,
} from "./activations.js";
import {
  conceptBaseRates,
  hasConcept,
  popularityPercentiles,
  popularityScores,
  purityAtK,
  purityTable,
  reportedPurityAtK,
} from "./purity.js";

// 6 items x 2 neurons; neuron 1 is dead.
// neuron 0: [0.9, 0.8, 0, 0.7, 0.1, 0.7] -> order 0, 1, 3, 5 (tie with 3: lower id first), 4
const z = Matrix.fromRows([
  [0.9, 0],
  [0.8, 0],
  [0, 0],
  [0.7, 0],
  [0.1, 0],
  [0.7, 0],
]);
// concepts: item0 c0; item1 c1; item3 c0; item4 c1; item5 c0 and c1; item2 none
const concepts = Csr.fromTriplets(6, 2, [0, 1, 3, 4, 5, 5], [0, 1, 0, 1, 0, 1]);

describe("top activating items", () => {
  it("hand order with ties and a dead neuron", () => {
    const top = topActivatingItems(z, 10);
    expect(Array.from(topItemsOf(top, 0))).toEqual([0, 1, 3, 5, 4]);
    expect(Array.from(topValuesOf(top, 0))).toEqual([0.9, 0.8, 0.7, 0.7, 0.1].map((v) => Math.fround(v)));
    expect(Array.from(topItemsOf(top, 1))).toEqual([]);
    expect(Array.from(top.count)).toEqual([5, 0]);
    const act = neuronActivity(z);
    expect(Array.from(act.live)).toEqual([0]);
    expect(Array.from(act.support)).toEqual([5, 0]);
  });

  it("matches a sort-based reference on random data with ties", () => {
    const rng = new Rng(11);
    const m = new Matrix(200, 13);
    for (let p = 0; p < m.data.length; p++) m.data[p] = rng.uniform() < 0.4 ? (1 + rng.int(5)) / 5 : 0;
    const k = 7;
    const top = topActivatingItems(m, k);
    for (let j = 0; j < m.cols; j++) {
      const ref = Array.from({ length: m.rows }, (_, i) => i)
        .filter((i) => m.get(i, j) > 0)
        .sort((a, b) => m.get(b, j) - m.get(a, j) || a - b)
        .slice(0, k);
      expect(Array.from(topItemsOf(top, j))).toEqual(ref);
    }
  });

  it("rejects negative or non-finite activations, naming the entry", () => {
    expect(() =>
      validateActivations(
        Matrix.fromRows([
          [0, 1],
          [2, -0.5],
        ]),
      ),
    ).toThrow(/Z\[1, 1\] = -0.5/);
    expect(() => validateActivations(Matrix.fromRows([[NaN]]))).toThrow(/Z\[0, 0\] = NaN/);
  });
});

describe("purity@K", () => {
  const top = topActivatingItems(z, 10);

  it("hand values", () => {
    expect(hasConcept(concepts, 5, 1)).toBe(true);
    expect(hasConcept(concepts, 2, 0)).toBe(false);
    expect(purityAtK(top, concepts, 0, 0, 2)).toBe(1 / 2); // items 0,1 -> c0 on item 0
    expect(purityAtK(top, concepts, 0, 0, 3)).toBe(2 / 3); // items 0,1,3
    expect(purityAtK(top, concepts, 0, 0, 4)).toBe(3 / 4); // items 0,1,3,5
    expect(purityAtK(top, concepts, 0, 0, 10)).toBe(3 / 5); // only 5 active items: 0,1,3,5,4
    expect(purityAtK(top, concepts, 0, 1, 10)).toBe(3 / 5); // items 1,5,4
    expect(purityAtK(top, concepts, 1, 0, 10)).toBe(0); // dead neuron
    expect(purityAtK(top, concepts, 0, -1, 10)).toBe(0); // no concept
    expect(() => purityAtK(top, concepts, 0, 0, 11)).toThrow(/asked for 11 items but only 10/);
  });

  it("reported purity@K is undefined below K items of support", () => {
    // neuron 0 fires on 5 items: defined up to K = 5, n/a above; the dead neuron is n/a at every K
    expect(reportedPurityAtK(top, concepts, 0, 0, 4)).toBe(3 / 4);
    expect(reportedPurityAtK(top, concepts, 0, 0, 5)).toBe(3 / 5);
    expect(reportedPurityAtK(top, concepts, 0, 0, 6)).toBeUndefined();
    expect(reportedPurityAtK(top, concepts, 1, 0, 1)).toBeUndefined();
    expect(() => reportedPurityAtK(top, concepts, 0, 0, 11)).toThrow(/K = 11 but only 10/);
  });

  it("eligible neurons by minimum support", () => {
    expect(Array.from(eligibleNeurons([0, 2, 19, 20, 300], 20))).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(eligibleNeurons([0, 1], 1))).toEqual([0, 1]);
    expect(() => eligibleNeurons([1], 0)).toThrow(/minSupport must be a positive integer, got 0/);
  });

  it("table over neurons and K", () => {
    const table = purityTable(top, concepts, Int32Array.from([1, 0]), [2, 10]);
    expect(Array.from(table.get(2) ?? [])).toEqual([0.5, 0]);
    expect(Array.from(table.get(10) ?? [])).toEqual([0.6, 0]);
  });

  it("base rates", () => {
    expect(Array.from(conceptBaseRates(concepts))).toEqual([0.5, 0.5]);
  });
});

describe("popularity", () => {
  it("mid-rank percentiles", () => {
    // counts [10, 0, 5, 5, 20]: ascending ranks item1 1, items 2,3 2.5 (tie), item0 4, item4 5; pct = (r-1)/4
    expect(Array.from(popularityPercentiles([10, 0, 5, 5, 20]))).toEqual([0.75, 0, 0.375, 0.375, 1]);
    expect(Array.from(popularityPercentiles([3, 3, 3]))).toEqual([0.5, 0.5, 0.5]);
    expect(() => popularityPercentiles([1, -1])).toThrow(/item 1 is -1/);
  });

  it("popularity neuron detector: mean percentile of the top-K items", () => {
    const pct = popularityPercentiles([10, 0, 5, 5, 20]);
    // neuron 0 fires on the two most popular items (4, 0); neuron 1 on the two least (1, 2); neuron 2 dead
    const zz = Matrix.fromRows([
      [0.5, 0, 0],
      [0, 0.9, 0],
      [0, 0.3, 0],
      [0.1, 0, 0],
      [0.8, 0, 0],
    ]);
    const scores = popularityScores(topActivatingItems(zz, 5), pct, 2);
    expect(scores[0]).toBeCloseTo((1 + 0.75) / 2, 12);
    expect(scores[1]).toBeCloseTo((0 + 0.375) / 2, 12);
    expect(scores[2]).toBe(0);
  });
});
