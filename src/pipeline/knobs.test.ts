import { describe, expect, it } from "vitest";
import {
  emptyLabels,
  setLabel,
  validateLabels,
  type LabelEntry,
  type LabelsDoc,
} from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import { closeMatches, editDistance, resolveKnob, resolveNeuron, splitRefValue } from "./knobs.js";
import { resolveSteering, resolveSteeringReport } from "./steering.js";

function labelled(labels: Record<number, string>, neurons = 10): LabelsDoc {
  let doc = emptyLabels(neurons);
  for (const [n, l] of Object.entries(labels)) doc = setLabel(doc, Number(n), l);
  return doc;
}

const DOC = labelled({ 1: "Noir", 2: "Space Opera", 3: "noir thriller", 5: "Heist", 6: "heist" });
const AT = "2026-01-01T00:00:00.000Z";

/** A generated entry with a concept and an excess purity. */
function gen(label: string, kind: string, name: string, excessPurity: number): LabelEntry {
  return { label, source: "tfidf", concept: { kind, name }, scores: { excessPurity }, updatedAt: AT };
}

/**
 * A format-2 document: neurons 3, 4, 7 are labelled with genre Horror (excess 0.5, 0.7, 0.7), neuron 9
 * with tag "horror"; the concept index maps Horror to representative 8, unique 4 and a direction of
 * 4 (0.75) and 7 (0.25).
 */
const V2 = validateLabels(
  {
    format: "reclens-labels",
    formatVersion: 2,
    neurons: 12,
    labels: {
      "3": gen("Horror · gore", "genre", "Horror", 0.5),
      "4": gen("Horror · 1980s", "genre", "Horror", 0.7),
      "7": gen("Horror · The Shining", "genre", "Horror", 0.7),
      "8": gen("Thriller", "genre", "Thriller", 0.4),
      "9": gen("horror · slasher", "tag", "horror", 0.6),
    },
    concepts: [
      {
        kind: "genre",
        name: "Horror",
        index: 1,
        representative: 8,
        unique: 4,
        direction: [
          { neuron: 4, weight: 0.75 },
          { neuron: 7, weight: 0.25 },
        ],
      },
      { kind: "genre", name: "Thriller", index: 2, representative: 8, unique: 8, direction: [] },
      {
        kind: "tag",
        name: "horror",
        index: 0,
        representative: 9,
        unique: 9,
        direction: [{ neuron: 9, weight: 1 }],
      },
    ],
  },
  "test labels",
);

describe("resolveKnob: concepts, labels and ids", () => {
  it("a concept name maps by representative (default), unique or direction, reporting the alternatives", () => {
    const rep = resolveKnob(V2, "HORROR");
    expect(rep).toMatchObject({
      by: "concept",
      mapping: "representative",
      concept: { kind: "genre", name: "Horror" },
    });
    expect(rep.neurons).toEqual([{ neuron: 8, weight: 1, label: "Thriller" }]);
    // unique mapping first, then the neurons labelled with it by excess purity (ties: lower id), then
    // the direction's (already listed), then the same name in another family
    expect(rep.alternatives.map((a) => [a.neuron, a.why])).toEqual([
      [4, "unique mapping"],
      [7, "labelled with the concept"],
      [3, "labelled with the concept"],
      [9, 'tag "horror" (write "tag:horror")'],
    ]);
    expect(rep.note).toBe("3 neurons are labelled with the concept");
    expect(resolveKnob(V2, "Horror", { mapping: "unique" }).neurons).toEqual([
      { neuron: 4, weight: 1, label: "Horror · 1980s" },
    ]);
    expect(resolveKnob(V2, "Horror", { mapping: "direction" }).neurons).toEqual([
      { neuron: 4, weight: 0.75, label: "Horror · 1980s" },
      { neuron: 7, weight: 0.25, label: "Horror · The Shining" },
    ]);
    expect(resolveKnob(V2, "tag:horror").neurons.map((n) => n.neuron)).toEqual([9]);
    // no direction neuron: the representative instead, said so
    const thr = resolveKnob(V2, "thriller", { mapping: "direction" });
    expect(thr.neurons.map((n) => n.neuron)).toEqual([8]);
    expect(thr.note).toMatch(/no neuron for the direction mapping: the representative neuron instead/);
  });

  it("ids with or without '#', display labels exactly, then substrings; resolveNeuron takes the heaviest", () => {
    expect(resolveKnob(V2, "#7")).toEqual({
      ref: "#7",
      by: "id",
      neurons: [{ neuron: 7, weight: 1, label: "Horror · The Shining" }],
      alternatives: [],
    });
    expect(resolveNeuron(V2, "7")).toBe(7);
    expect(resolveKnob(V2, "horror · 1980s")).toMatchObject({ by: "label", neurons: [{ neuron: 4 }] });
    // "shining" is in no concept name: the one label containing it
    expect(resolveKnob(V2, "shining")).toMatchObject({
      by: "label",
      neurons: [{ neuron: 7 }],
      alternatives: [],
    });
    // "thrill" is contained in the concept "Thriller"
    expect(resolveKnob(V2, "thrill")).toMatchObject({ by: "concept", concept: { name: "Thriller" } });
    expect(resolveNeuron(V2, "Horror")).toBe(8);
    expect(() => resolveNeuron(V2, "12")).toThrow("neuron 12 out of range [0, 12)");
  });

  it("an ambiguous label never fails: the purest wins (ties: lower id), the others are alternatives", () => {
    const r = resolveKnob(DOC, "heist");
    expect(r.neurons.map((n) => n.neuron)).toEqual([5]);
    expect(r.alternatives).toEqual([{ neuron: 6, label: "heist", why: "same label" }]);
    expect(r.note).toMatch(/^2 neurons match/);
    expect(resolveKnob(DOC, "oir").neurons[0].neuron).toBe(1); // substring of 1 "Noir" and 3 "noir thriller"
    const scored = (scores: Record<number, number | undefined>): LabelsDoc => {
      const labels: LabelsDoc["labels"] = {};
      for (const [n, x] of Object.entries(scores))
        labels[n] = {
          label: "Drama",
          source: "tfidf",
          scores: x === undefined ? {} : { excessPurity: x },
          updatedAt: AT,
        };
      return { ...emptyLabels(10), labels };
    };
    expect(resolveNeuron(scored({ 2: 0.3, 4: 0.5, 7: undefined }), "drama")).toBe(4);
    expect(resolveNeuron(scored({ 2: 0.5, 4: 0.5 }), "drama")).toBe(2);
  });

  it("unknown names: BadInput with close matches; no labels at all: says so", () => {
    let err: unknown;
    try {
      resolveKnob(V2, "horor", {}, "boost");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadInput);
    expect((err as BadInput).field).toBe("boost");
    expect((err as BadInput).message).toBe(
      'no neuron labelled "horor" and no concept of that name (close matches: "Horror", "Thriller", "Horror · gore", ' +
        '"Horror · 1980s", "horror · slasher"); use one of them or a neuron id',
    );
    expect(() => resolveNeuron(emptyLabels(4), "noir")).toThrow(/no labels yet/);
    expect(editDistance("horor", "horror")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closeMatches(DOC, "heist", 2)).toEqual(["Heist", "Noir"]);
  });

  it("labels.json format 1 (no concept index): a concept resolves to the neurons labelled with it", () => {
    const v1 = validateLabels(
      {
        format: "reclens-labels",
        formatVersion: 1,
        neurons: 12,
        labels: {
          "2": gen("Drama", "genre", "Drama", 0.3),
          "5": gen("Drama", "genre", "Drama", 0.1),
        },
      },
      "v1 labels",
    );
    const r = resolveKnob(v1, "drama");
    expect(r).toMatchObject({ by: "concept", neurons: [{ neuron: 2, weight: 1 }] });
    expect(r.alternatives.map((a) => a.neuron)).toEqual([5]);
    expect(r.note).toMatch(/no concept index \(older format\)/);
    // direction: weights proportional to excess purity, 0.3 : 0.1
    const d = resolveKnob(v1, "drama", { mapping: "direction" }).neurons;
    expect(d.map((n) => n.neuron)).toEqual([2, 5]);
    expect(d[0].weight).toBeCloseTo(0.75, 12);
    expect(d[1].weight).toBeCloseTo(0.25, 12);
  });
});

describe("steering with concept knobs", () => {
  it("direction splits a boost's alpha and a clamp's value by the weights and reports every spec", () => {
    const { steering, resolved } = resolveSteeringReport(
      V2,
      { boost: ["Horror:0.4", "#9:0.2"], suppress: ["Thriller"], clamp: [] },
      { mapping: "direction" },
    );
    expect(steering.boost).toEqual([
      { neuron: 4, alpha: 0.4 * 0.75 },
      { neuron: 7, alpha: 0.4 * 0.25 },
      { neuron: 9, alpha: 0.2 },
    ]);
    expect(steering.suppress).toEqual([{ neuron: 8, factor: 0 }]);
    expect(resolved.map((r) => [r.field, r.spec, r.by])).toEqual([
      ["boost", "Horror:0.4", "concept"],
      ["boost", "#9:0.2", "id"],
      ["suppress", "Thriller", "concept"],
    ]);
    expect(resolveSteering(V2, { boost: ["Horror:0.3"], suppress: [] }).boost).toEqual([
      { neuron: 8, alpha: 0.3 },
    ]);
    expect(() => resolveSteering(V2, { boost: ["horor:0.3"], suppress: [] })).toThrow(
      /^boost "horor:0\.3": no neuron labelled "horor"/,
    );
  });
});

describe("steering specs", () => {
  it("splits at the last colon only before a number", () => {
    expect(splitRefValue("noir:0.3")).toEqual({ ref: "noir", value: 0.3 });
    expect(splitRefValue("sci-fi: space")).toEqual({ ref: "sci-fi: space" });
    expect(splitRefValue("a:b:0.5")).toEqual({ ref: "a:b", value: 0.5 });
  });
});
