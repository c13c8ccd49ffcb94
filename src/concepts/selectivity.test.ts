import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { entropy, klDivergence, neuronSelectivity, tagSelectivity } from "./selectivity.js";

describe("entropy and KL", () => {
  it("hand values", () => {
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 12);
    expect(entropy([0, 1, 0])).toBe(0);
    expect(entropy([0.5, 0.25, 0.25])).toBeCloseTo(1.5 * Math.log(2), 12); // 1.0397208
    expect(klDivergence([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 12); // 0.1438410
    expect(klDivergence([0.2, 0.8], [0.2, 0.8])).toBe(0);
    expect(klDivergence([0, 1], [0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
  });

  it("rejects bad distributions and infinite divergence", () => {
    expect(() => entropy([0.5, 0.4])).toThrow(/sum to 0.9/);
    expect(() => entropy([1.5, -0.5])).toThrow(/entry 1 is -0.5/);
    expect(() => klDivergence([0.5, 0.5], [1, 0])).toThrow(/q\[1\] = 0 where p\[1\] = 0.5/);
    expect(() => klDivergence([1], [0.5, 0.5])).toThrow(/lengths differ/);
  });
});

describe("selectivity of M", () => {
  // M: 2 tags x 3 neurons, neuron 1 dead.
  //   t0: [1, 0, 2]
  //   t1: [1, 0, 0]
  const m = Matrix.fromRows([
    [1, 0, 2],
    [1, 0, 0],
  ]);

  it("per neuron: distribution over tags", () => {
    // q0 = [.5, .5], q2 = [1, 0]; mean = [.75, .25]
    const s = neuronSelectivity(m);
    expect(Array.from(s.ids)).toEqual([0, 2]);
    expect(s.entropy[0]).toBeCloseTo(Math.log(2), 12);
    expect(s.entropy[1]).toBe(0);
    expect(Array.from(s.normalisedEntropy)).toEqual([expect.closeTo(1, 12), 0]);
    expect(s.kl[0]).toBeCloseTo(0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25), 12); // 0.1438410
    expect(s.kl[1]).toBeCloseTo(Math.log(1 / 0.75), 12); // 0.2876821
  });

  it("per tag: distribution over neurons", () => {
    // r0 = [1/3, 0, 2/3], r1 = [1, 0, 0]; mean = [2/3, 0, 1/3]
    const s = tagSelectivity(m);
    expect(Array.from(s.ids)).toEqual([0, 1]);
    const h0 = -((1 / 3) * Math.log(1 / 3) + (2 / 3) * Math.log(2 / 3)); // 0.6365142
    expect(s.entropy[0]).toBeCloseTo(h0, 12);
    expect(s.normalisedEntropy[0]).toBeCloseTo(h0 / Math.log(3), 12); // 0.5793802
    expect(s.entropy[1]).toBe(0);
    expect(s.kl[0]).toBeCloseTo(Math.log(2) / 3, 12); // 0.2310491
    expect(s.kl[1]).toBeCloseTo(Math.log(1.5), 12); // 0.4054651
  });

  it("identical units have zero KL and uniform ones maximal entropy", () => {
    const s = neuronSelectivity(Matrix.full(4, 3, 2));
    for (let r = 0; r < 3; r++) {
      expect(s.entropy[r]).toBeCloseTo(Math.log(4), 12);
      expect(s.kl[r]).toBeCloseTo(0, 12);
    }
  });
});
