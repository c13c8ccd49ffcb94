import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { longTailMask, popularityLatents } from "./debias.js";

describe("popularity latents", () => {
  // log(1 + popularity) = 0, 1, 2, 3
  const pop = [0, 1, 2, 3].map((v) => Math.expm1(v));
  const z = Matrix.fromRows([
    [0, 3, 1],
    [1, 2, 0],
    [2, 1, 0],
    [3, 0, 0],
  ]);

  it("ranks latents by the Pearson correlation of their item activations with log popularity", () => {
    // latent 0 = 0,1,2,3 (r = 1); latent 1 = 3,2,1,0 (r = -1); latent 2 = 1,0,0,0:
    // cov = -1.5, var_z = 0.75, var_p = 5 -> r = -1.5 / sqrt(3.75)
    const r = popularityLatents(z, pop, 3);
    expect(r.map((l) => l.neuron)).toEqual([0, 2, 1]);
    expect(r[0].correlation).toBeCloseTo(1, 6);
    expect(r[1].correlation).toBeCloseTo(-1.5 / Math.sqrt(3.75), 6);
    expect(r[2].correlation).toBeCloseTo(-1, 6);
    // latent 2 fires on one item only: below a support of 2
    expect(popularityLatents(z, pop, 2, 2).map((l) => l.neuron)).toEqual([0, 1]);
    expect(() => popularityLatents(z, [1, 2], 1)).toThrow(/2 popularities for 4 items/);
  });

  it("long tail: everything outside the most popular items holding the head share", () => {
    // total 20; the head stops once it holds >= 4 (item 0 alone) or >= 12 (items 0 and 1)
    expect(Array.from(longTailMask([10, 5, 3, 1, 1]))).toEqual([0, 1, 1, 1, 1]);
    expect(Array.from(longTailMask([10, 5, 3, 1, 1], 0.6))).toEqual([0, 0, 1, 1, 1]);
  });
});
