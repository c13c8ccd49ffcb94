import { describe, expect, it } from "vitest";
import { emptyLabels, setLabel, type LabelsDoc } from "../concepts/labels.js";
import { resolveNeuron, splitRefValue } from "./knobs.js";

function labelled(labels: Record<number, string>, neurons = 10): LabelsDoc {
  let doc = emptyLabels(neurons);
  for (const [n, l] of Object.entries(labels)) doc = setLabel(doc, Number(n), l);
  return doc;
}

const DOC = labelled({ 1: "Noir", 2: "Space Opera", 3: "noir thriller", 5: "Heist", 6: "heist" });

describe("resolveNeuron", () => {
  it("takes ids, exact labels case-insensitively, then unique substrings", () => {
    expect(resolveNeuron(DOC, "7")).toBe(7);
    expect(resolveNeuron(DOC, "NOIR")).toBe(1); // exact beats the substring match of neuron 3
    expect(resolveNeuron(DOC, "space opera")).toBe(2);
    expect(resolveNeuron(DOC, "opera")).toBe(2);
    expect(resolveNeuron(DOC, "thriller")).toBe(3);
  });

  it("lists candidates when ambiguous and explains unknown references", () => {
    expect(() => resolveNeuron(DOC, "heist")).toThrow(
      '"heist" is ambiguous: 2 neurons match (5 "Heist", 6 "heist"); use a neuron id',
    );
    expect(() => resolveNeuron(DOC, "oir")).toThrow(
      /ambiguous: 2 neurons match \(1 "Noir", 3 "noir thriller"\)/,
    );
    expect(() => resolveNeuron(DOC, "western")).toThrow(
      'no neuron labelled "western" (labels include 1 "Noir", 2 "Space Opera"',
    );
    expect(() => resolveNeuron(DOC, "10")).toThrow("neuron 10 out of range [0, 10)");
    expect(() => resolveNeuron(emptyLabels(4), "noir")).toThrow(/no labels yet/);
  });

  it("picks the purest of several neurons sharing a label, and stays ambiguous on ties", () => {
    const scored = (scores: Record<number, Record<string, number>>): LabelsDoc => {
      const labels: LabelsDoc["labels"] = {};
      for (const [n, sc] of Object.entries(scores))
        labels[n] = { label: "Drama", source: "tfidf", scores: sc, updatedAt: "2026-01-01T00:00:00.000Z" };
      return { ...emptyLabels(10), labels };
    };
    expect(
      resolveNeuron(scored({ 2: { excessPurity: 0.3 }, 4: { excessPurity: 0.5 }, 7: {} }), "drama"),
    ).toBe(4);
    expect(resolveNeuron(scored({ 2: { "purity@10": 0.9 }, 4: { "purity@10": 0.6 } }), "Drama")).toBe(2);
    expect(() =>
      resolveNeuron(scored({ 2: { excessPurity: 0.5 }, 4: { excessPurity: 0.5 } }), "drama"),
    ).toThrow(/ambiguous: 2 neurons match/);
    expect(() => resolveNeuron(scored({ 2: {}, 4: {} }), "drama")).toThrow(/ambiguous/);
  });
});

describe("steering specs", () => {
  it("splits at the last colon only before a number", () => {
    expect(splitRefValue("noir:0.3")).toEqual({ ref: "noir", value: 0.3 });
    expect(splitRefValue("sci-fi: space")).toEqual({ ref: "sci-fi: space" });
    expect(splitRefValue("a:b:0.5")).toEqual({ ref: "a:b", value: 0.5 });
  });
});
