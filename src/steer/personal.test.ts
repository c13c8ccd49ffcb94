import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { checkDirection, directionKnobs, knobPool, mixDirections, personalDirection } from "./personal.js";

/**
 * 5 items x 3 latents. Latent 0 fires on items 0 (2), 1 (1), 4 (4): scaled by its max 4 -> 0.5,
 * 0.25, 0, 0, 1. Latent 1 fires on items 1 (3), 2 (3): scaled -> 0, 1, 1, 0, 0. Latent 2 on item 3.
 */
const Z = Matrix.fromRows([
  [2, 0, 0],
  [1, 3, 0],
  [0, 3, 0],
  [0, 0, 5],
  [4, 0, 1],
]);

describe("knob pool", () => {
  it("ranks items by the knob's weighted, max-scaled activations", () => {
    // one neuron: weights 0.5, 0.25, 0, 0, 1 -> items 4, 0, 1 (item 2 and 3 have weight 0)
    expect(Array.from(knobPool(Z, [{ neuron: 0, weight: 1 }], 10))).toEqual([4, 0, 1]);
    // direction 0.5 * latent 0 + 0.5 * latent 1: item 0 0.25, 1 0.625, 2 0.5, 4 0.5 -> 1, 2, 4, 0
    expect(
      Array.from(
        knobPool(
          Z,
          [
            { neuron: 0, weight: 0.5 },
            { neuron: 1, weight: 0.5 },
          ],
          3,
        ),
      ),
    ).toEqual([1, 2, 4]);
    expect(() => knobPool(Z, [{ neuron: 3, weight: 1 }], 3)).toThrow(/neuron: 3 is not a latent in \[0, 3\)/);
    expect(() => knobPool(Z, [{ neuron: 0, weight: 1 }], 0)).toThrow(
      /pool must be a positive integer, got 0/,
    );
  });
});

describe("personal direction", () => {
  // the user has seen item 0; their scores favour item 1, then 4
  const seen = Csr.fromTriplets(1, 5, [0], [0]);
  const scores = Float32Array.from([9, 5, 1, 8, 3]);

  it("averages the codes of the user's best unseen pool items and normalises them to sum 1", () => {
    // pool [4, 0, 1]; unseen: 4 (3), 1 (5); m = 2 -> items 1 and 4: summed code [5, 3, 1] / 9
    const d = personalDirection(Z, Int32Array.from([4, 0, 1]), scores, seen, 0, 2);
    expect(d?.map((x) => x.neuron)).toEqual([0, 1, 2]);
    expect(d?.[0].weight).toBeCloseTo(5 / 9, 12);
    expect(d?.[1].weight).toBeCloseTo(3 / 9, 12);
    expect(d?.[2].weight).toBeCloseTo(1 / 9, 12);
    // m = 1: item 1 only -> [1, 3, 0] / 4, by weight descending
    expect(personalDirection(Z, Int32Array.from([4, 0, 1]), scores, seen, 0, 1)).toEqual([
      { neuron: 1, weight: 0.75 },
      { neuron: 0, weight: 0.25 },
    ]);
  });

  it("restricted to the knob's latents weights them by the knob weight times the mean activation", () => {
    // items 1 and 4 within {0: 0.5, 2: 0.5}: latent 0: 0.5 * 5, latent 2: 0.5 * 1 -> 2.5 / 3, 0.5 / 3
    const within = [
      { neuron: 0, weight: 0.5 },
      { neuron: 2, weight: 0.5 },
    ];
    const d = personalDirection(Z, Int32Array.from([4, 0, 1]), scores, seen, 0, 2, within);
    expect(d?.map((x) => x.neuron)).toEqual([0, 2]);
    expect(d?.[0].weight).toBeCloseTo(2.5 / 3, 12);
    expect(d?.[1].weight).toBeCloseTo(0.5 / 3, 12);
  });

  it("is null when every pool item was seen or scores are not finite", () => {
    expect(personalDirection(Z, Int32Array.from([0]), scores, seen, 0, 3)).toBeNull();
    const nan = Float32Array.from([0, NaN, 0, 0, -Infinity]);
    expect(personalDirection(Z, Int32Array.from([1, 4]), nan, seen, 0, 3)).toBeNull();
    expect(() => personalDirection(Z, Int32Array.from([1]), scores.subarray(0, 4), seen, 0, 1)).toThrow(
      /4 scores for 5 items/,
    );
  });
});

describe("direction helpers", () => {
  it("mixes two directions and turns a direction into shift knobs", () => {
    const a = [{ neuron: 3, weight: 1 }];
    const b = [
      { neuron: 3, weight: 0.5 },
      { neuron: 1, weight: 0.5 },
    ];
    // 0.75 * a + 0.25 * b: neuron 3 0.75 + 0.125, neuron 1 0.125
    expect(mixDirections(a, b, 0.25)).toEqual([
      { neuron: 1, weight: 0.125 },
      { neuron: 3, weight: 0.875 },
    ]);
    expect(mixDirections(a, b, 0)).toEqual(a);
    expect(directionKnobs(b, 0.4)).toEqual([
      { neuron: 3, amount: 0.2 },
      { neuron: 1, amount: 0.2 },
    ]);
    expect(() => mixDirections(a, b, 1.5)).toThrow(/share must be in \[0, 1\], got 1.5/);
    expect(() => checkDirection([{ neuron: 0, weight: 0.4 }], 3)).toThrow(/weights sum to 0.4, not 1/);
    expect(() => checkDirection([], 3)).toThrow(/no neuron/);
  });
});
