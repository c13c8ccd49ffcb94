import { describe, expect, it } from "vitest";
import { tfidfMappings } from "./steer-eval-run.js";
import { tinyNeuronFixture } from "./testing.js";

describe("TF-IDF steering mappings with a minimum support", () => {
  const { z, genre } = tinyNeuronFixture();
  const rep = (minSupport?: number): number[] =>
    Array.from(tfidfMappings(z, genre, minSupport)[1].tagToNeuron);

  it("the representative mapping picks the 2-item neuron without a floor, never with one", () => {
    // joint P = 1/60 per item. Thriller: tf(n0) = (2/60)/(2/60) = 1 > tf(n1) = 30/40 (same tag idf),
    // so without a floor Thriller -> neuron 0 (support 2).
    expect(rep(1)).toEqual([0, 2]);
    // default floor 20: neuron 0 is not a candidate; neuron 1 (support 35) wins Thriller
    expect(rep()).toEqual([1, 2]);
    // floor 31: neuron 2 (support 30) drops out; Drama -> neuron 1 (its only other Drama neuron)
    expect(rep(31)).toEqual([1, 1]);
    // floor 36: no neuron qualifies; tags map to -1 (not steered)
    expect(rep(36)).toEqual([-1, -1]);
  });

  it("the unique mapping obeys the same floor", () => {
    const uniq = (minSupport?: number): number[] =>
      Array.from(tfidfMappings(z, genre, minSupport)[0].tagToNeuron);
    // Thriller row: byTag n0 = (2/32)(ln(3/2) + 1) = 0.0878, n1 = (30/32)(ln(3/3) + 1) = 0.9375
    expect(uniq(1)).toEqual([1, 2]);
    expect(uniq(31)).toEqual([1, 1]);
    expect(() => tfidfMappings(z, genre, 0)).toThrow(/minSupport must be a positive integer/);
  });
});
