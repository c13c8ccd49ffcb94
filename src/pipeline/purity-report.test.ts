import { describe, expect, it } from "vitest";
import { labelNeurons } from "../concepts/labeller.js";
import { purityMarkdown, purityReport } from "./purity-report.js";
import { tinyNeuronFixture } from "./testing.js";

describe("purity report with a minimum support", () => {
  const { z, genre } = tinyNeuronFixture();
  const result = labelNeurons(z, [genre]);

  it("labels, and leaves purity@K n/a below K items", () => {
    expect(result.labels.map((l) => [l.neuron, l.label, l.scores.support])).toEqual([
      [0, "Thriller", 2],
      [1, "Thriller", 35],
      [2, "Drama", 30],
    ]);
    const r = purityReport(result, [10, 20]);
    // neuron 0: support 2 -> no purity; neuron 1: top-10 = Drama 30-34 (z 2) + Thriller 0-4 -> 0.5,
    // top-20 -> 15/20 = 0.75; neuron 2: 1 and 1
    expect(r.neurons.map((n) => n.purity)).toEqual([{}, { "10": 0.5, "20": 0.75 }, { "10": 1, "20": 1 }]);
    expect(r.counted).toEqual({ "10": 2, "20": 2 });
    expect(r.meanPurity).toEqual({ "10": 0.75, "20": 0.875 });
    expect(r.shareAbove90).toEqual({ "10": 0.5, "20": 0.5 });
  });

  it("the tiny neuron is never a concept's best neuron; none qualifies above the largest support", () => {
    const r = purityReport(result, [10, 20], 20);
    expect(r.concepts.map((c) => [c.concept, c.neurons, c.eligible, c.bestNeuron, c.bestSupport])).toEqual([
      ["Drama", 1, 1, 2, 30],
      ["Thriller", 2, 1, 1, 35],
    ]);
    const high = purityReport(result, [10, 20], 31);
    expect(high.concepts.map((c) => [c.concept, c.eligible, c.bestNeuron, c.bestPurity])).toEqual([
      ["Drama", 0, -1, {}],
      ["Thriller", 1, 1, { "10": 0.5, "20": 0.75 }],
    ]);
    expect(purityMarkdown(high)).toContain("| genre | Drama | 1 | 0 | - | - | - | - |");
  });
});
