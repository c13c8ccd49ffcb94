import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { INTENT_LABEL_DEFAULTS, labelLatents, textIndex } from "./labels.js";

const TEXTS = [
  "red lipstick matte",
  "red lipstick gloss",
  "red lipstick balm",
  "blue lipstick",
  "green shampoo",
  "red shampoo",
];

describe("built-in intent labels", () => {
  it("labels from the build half by TF-IDF and scores a held-out keyword detector (hand-computed)", () => {
    const index = textIndex(TEXTS);
    // idf = ln((1 + 6) / (1 + df)) + 1: red and lipstick both have df 4
    expect(index.idf.get("red")).toBeCloseTo(Math.log(7 / 5) + 1, 12);
    expect(index.idf.get("shampoo")).toBeCloseTo(Math.log(7 / 3) + 1, 12);
    // latent 0 fires on items 0..3 with activations 4, 3, 2, 1; latent 1 on too few items
    const byLatent = Csr.fromTriplets(2, 6, [0, 0, 0, 0, 1], [0, 1, 2, 3, 4], [4, 3, 2, 1, 5]);
    const labels = labelLatents(byLatent, index, {
      ...INTENT_LABEL_DEFAULTS,
      topItems: 4,
      minItems: 2,
      keywords: 2,
    });
    expect(labels.map((l) => l.latent)).toEqual([0]);
    const l = labels[0];
    // build half = ranks 0, 2 (items 0, 2): red and lipstick in both (tf 1, equal idf; alphabetical tie-break),
    // matte and balm in one item only (< minKeywordItems 2)
    expect(l.keywords).toEqual(["lipstick", "red"]);
    expect(l.label).toBe("lipstick, red");
    // held-out positives: items 1, 3 (both detected); negatives: items 4, 5 (5 has "red": a false positive)
    // precision 2/3, recall 1 -> F1 0.8; accuracy 3/4
    expect(l.confidence).toBeCloseTo(0.8, 12);
    expect(l.accuracy).toBeCloseTo(0.75, 12);
    expect(l.support).toBe(4);
    expect(l.top.map((t) => t.item)).toEqual([0, 1, 2, 3]);
  });
});
