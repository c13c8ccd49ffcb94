import { describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { CodeBuilder } from "../sae/code.js";
import { Csr } from "../tensor/csr.js";
import { Rng } from "../tensor/rng.js";
import { activationDistribution, SequenceActivationAccumulator } from "./sequence-activations.js";
import {
  buildConcept,
  conceptLabel,
  itemTerms,
  windowTermFrequencies,
  wordsOf,
} from "./sequence-concepts.js";
import { conceptConfidence, fitThreshold, splitAlternately, windowMatch } from "./sequence-confidence.js";

const idf1 = Math.log(5 / 2) + 1; // df 1 of 4 items
const idf2 = Math.log(5 / 3) + 1; // df 2 of 4 items

describe("item documents", () => {
  it("words: lower case, >= 3 characters, no numbers or stop words", () => {
    expect(wordsOf("The Red-Apple (1995) of Joy and 3D")).toEqual(["red", "apple", "joy"]);
  });

  it("terms of titles, text and concept families, with the catalogue IDF", () => {
    const genre: ItemConcepts = {
      kind: "genre",
      names: ["Fruit", "Vehicle"],
      matrix: Csr.fromTriplets(4, 2, [0, 1, 2, 3], [0, 0, 1, 1]),
    };
    const d = itemTerms({
      items: 4,
      itemTitles: ["Red Apple", "Green Apple", "Red Car", "Blue Car"],
      itemText: ["", "apple again", "", ""],
      concepts: [genre],
    });
    expect(d.terms).toEqual([
      "red",
      "apple",
      "green",
      "again",
      "car",
      "blue",
      "genre:Fruit",
      "genre:Vehicle",
    ]);
    expect(Array.from(d.ids.subarray(d.start[1], d.start[2]))).toEqual([1, 2, 3, 6]);
    // red, apple, car and both genres are in 2 of 4 items; green, again and blue in 1
    expect(Array.from(d.idf)).toEqual([idf2, idf2, idf1, idf1, idf2, idf1, idf2, idf2].map((v) => v));
    expect(() => itemTerms({ items: 3, itemTitles: ["a"] })).toThrow(/itemTitles has 1 entries for 3 items/);
  });

  it("terms in more than half of the items are dropped (structural words, universal families)", () => {
    const shop: ItemConcepts = {
      kind: "category",
      names: ["Beauty"],
      matrix: Csr.fromTriplets(4, 1, [0, 1, 2, 3], [0, 0, 0, 0]),
    };
    const d = itemTerms({
      items: 4,
      itemText: [
        "Red Apple. Genres: Fruit.",
        "Green Apple. Genres: Fruit.",
        "Red Car. Genres: Toy.",
        "Blue Car.",
      ],
      concepts: [shop],
    });
    const idOf = (t: string): number => d.terms.indexOf(t);
    // "genres" is in 3 of 4 items and category:Beauty in 4 of 4: dropped (idf 0, in no document);
    // "apple", "fruit", "red" and "car" are in 2 of 4 (exactly half): kept
    for (const t of ["genres", "category:Beauty"]) {
      expect(d.idf[idOf(t)]).toBe(0);
      expect(Array.from(d.ids)).not.toContain(idOf(t));
    }
    for (const t of ["apple", "fruit", "red", "car"]) expect(d.idf[idOf(t)]).toBeCloseTo(idf2, 12);
    expect(Array.from(d.ids.subarray(d.start[0], d.start[1])).map((t) => d.terms[t])).toEqual([
      "red",
      "apple",
      "fruit",
    ]);
    const c = buildConcept(
      d,
      [Int32Array.of(0, 1)],
      [{ sequence: 0, position: 1 }],
      { decay: 1, span: 2 },
      2,
    );
    expect(c.terms).toEqual(["apple", "fruit"]);
  });
});

describe("position-weighted TF-IDF concept", () => {
  const docs = itemTerms({ items: 4, itemTitles: ["Red Apple", "Green Apple", "Red Car", "Blue Car"] });
  // terms: red 0, apple 1, green 2, car 3, blue 4
  const seqs = [Int32Array.of(3, 2, 0, 1)];
  const w = { decay: 0.5, span: 3 };

  it("tf: items weighted 1, 0.5, 0.25 back from the firing position, normalised by 1.75", () => {
    // window at 3: item 1 (green apple) w 1, item 0 (red apple) w 0.5, item 2 (red car) w 0.25
    const tf = windowTermFrequencies(docs, seqs, [{ sequence: 0, position: 3 }], w);
    expect(tf[0]).toBeCloseTo(0.75 / 1.75, 12);
    expect(tf[1]).toBeCloseTo(1.5 / 1.75, 12);
    expect(tf[2]).toBeCloseTo(1 / 1.75, 12);
    expect(tf[3]).toBeCloseTo(0.25 / 1.75, 12);
    expect(tf[4]).toBe(0); // blue car is 3 steps back: outside the span
    // a window at position 0 sees only item 3
    const first = windowTermFrequencies(docs, seqs, [{ sequence: 0, position: 0 }], w);
    expect(Array.from(first)).toEqual([0, 0, 0, 1, 1]);
  });

  it("concept: terms by tf * idf, weights normalised to 1", () => {
    const c = buildConcept(docs, seqs, [{ sequence: 0, position: 3 }], w, 3);
    const s = [(1.5 / 1.75) * idf2, (1 / 1.75) * idf1, (0.75 / 1.75) * idf2]; // 1.2950, 1.0950, 0.6475
    expect(c.terms).toEqual(["apple", "green", "red"]);
    expect(c.scores[0]).toBeCloseTo(1.29499, 4);
    s.forEach((v, k) => expect(c.scores[k]).toBeCloseTo(v, 12));
    const sum = s[0] + s[1] + s[2];
    s.forEach((v, k) => expect(c.weights[k]).toBeCloseTo(v / sum, 12));
    expect(conceptLabel(c, 2)).toBe("apple, green");
  });

  it("the detector's keyword match of a window", () => {
    const c = buildConcept(docs, seqs, [{ sequence: 0, position: 3 }], w, 2);
    const [wa, wg] = [c.weights[0], c.weights[1]]; // apple, green
    expect(wa).toBeCloseTo(1.29499 / (1.29499 + 1.09502), 4);
    // item 1 has apple and green (w 1), item 0 apple (w 0.5), item 2 nothing (w 0.25)
    expect(windowMatch(docs, seqs[0], 3, c, w)).toBeCloseTo((1 * (wa + wg) + 0.5 * wa) / 1.75, 12);
    expect(windowMatch(docs, seqs[0], 3, c, w)).toBeCloseTo(0.72624, 4);
    expect(windowMatch(docs, seqs[0], 0, c, w)).toBe(0);
    expect(() => windowMatch(docs, seqs[0], 4, c, w)).toThrow(/position 4 out of range \[0, 4\)/);
  });
});

describe("built-in confidence", () => {
  it("threshold: the lowest accuracy-maximising cut", () => {
    // cuts 0 -> 3/6, .05 -> 4/6, .15 -> 5/6, .25 -> 4/6, .4 -> 5/6, .7 -> 4/6, 1.9 -> 3/6
    expect(fitThreshold([0.9, 0.5, 0.2], [0.1, 0.3, 0])).toBeCloseTo(0.15, 12);
    expect(fitThreshold([1, 1], [0, 0])).toBeCloseTo(0.5, 12);
  });

  it("splits ranked windows alternately", () => {
    expect(splitAlternately([0, 1, 2, 3, 4])).toEqual({ build: [0, 2, 4], heldOut: [1, 3] });
  });

  it("hand example: 3 of 4 held-out windows classified right", () => {
    const docs = itemTerms({
      items: 6,
      itemTitles: ["apple pie", "apple tart", "apple cake", "car red", "car blue", "car green"],
    });
    const seqs = [0, 1, 2, 3, 4, 5, 3, 4].map((i) => Int32Array.of(i));
    const win = (s: number) => ({ sequence: s, position: 0 });
    // ranked top windows: apple pie, apple tart, apple cake, car red (a stray one)
    const ranked = [win(0), win(1), win(2), win(3)];
    const pool = [4, 5, 6, 7].map((s) => ({ ...win(s), active: Int32Array.of(1) }));
    const r = conceptConfidence(docs, seqs, ranked, pool, 0, new Rng(1), {
      weighting: { decay: 1, span: 1 },
    });
    if (!r) throw new Error("no confidence");
    // built from apple pie + apple cake: apple (tf 1, idf ln(7/4)+1), pie and cake (tf .5, idf ln(7/2)+1)
    expect(r.concept.terms).toEqual(["apple", "pie", "cake"]);
    const sa = Math.log(7 / 4) + 1;
    const sp = 0.5 * (Math.log(7 / 2) + 1);
    expect(r.concept.weights[0]).toBeCloseTo(sa / (sa + 2 * sp), 12);
    // build: positives match apple + pie/cake = .7045, negatives 0 -> tau = .35225, build accuracy 1
    expect(r.threshold).toBeCloseTo((sa + sp) / (sa + 2 * sp) / 2, 12);
    expect(r.buildAccuracy).toBe(1);
    // held out: apple tart (apple .409 >= tau) found, car red missed, both negatives rejected
    expect(r.confidence).toBeCloseTo(3 / 4, 12);
    expect(r.heldOut.precision).toBe(1);
    expect(r.heldOut.recall).toBe(0.5);
    expect(r.heldOut.f1).toBeCloseTo(2 / 3, 12);
    // the latent fires on every pool window: no negatives, no confidence
    expect(conceptConfidence(docs, seqs, ranked, pool, 1, new Rng(1))).toBeUndefined();
    expect(conceptConfidence(docs, seqs, ranked.slice(0, 3), pool, 0, new Rng(1))).toBeUndefined();
  });
});

describe("sequence activations", () => {
  it("per-sequence maxima, firing positions and the negative pool", () => {
    // sequence 0 has length 5 with its last 3 positions encoded (2, 3, 4); sequence 1 length 2
    const rows: [number, number][][] = [
      [[0, 0.5]],
      [
        [0, 0.9],
        [1, 0.2],
      ],
      [[0, 0.9]],
      [[1, 0.7]],
      [[2, 0.1]],
    ];
    const b = new CodeBuilder(5, 3, 8);
    for (const r of rows) {
      for (const [j, v] of r) b.push(j, v);
      b.endRow();
    }
    const acc = new SequenceActivationAccumulator(3, { rng: new Rng(3), top: 5, negativePool: 10 });
    acc.add(b.build(), Int32Array.of(0, 3, 5), [5, 2]);
    const a = acc.result();
    expect(a.sequences).toBe(2);
    expect(a.positions).toBe(5);
    expect(Array.from(a.sequenceSupport)).toEqual([1, 2, 1]);
    expect(Array.from(a.positionSupport)).toEqual([3, 2, 1]);
    // the tie 0.9 at positions 3 and 4 keeps the earliest
    expect(a.top[0]).toEqual([{ sequence: 0, position: 3, value: Math.fround(0.9) }]);
    expect(a.top[1]).toEqual([
      { sequence: 1, position: 0, value: Math.fround(0.7) },
      { sequence: 0, position: 3, value: Math.fround(0.2) },
    ]);
    expect(a.top[2]).toEqual([{ sequence: 1, position: 1, value: Math.fround(0.1) }]);
    const d = activationDistribution(a, 1);
    expect(d.firingRate).toBe(1);
    expect(d.mean).toBeCloseTo(0.45, 6);
    expect(d.p50).toBeCloseTo(0.2, 6);
    expect(d.p90).toBeCloseTo(0.7, 6);
    expect(a.negatives.map((n) => [n.sequence, n.position, Array.from(n.active)])).toEqual([
      [0, 2, [0]],
      [0, 3, [0, 1]],
      [0, 4, [0]],
      [1, 0, [1]],
      [1, 1, [2]],
    ]);
    expect(() => acc.add(b.build(), Int32Array.of(0, 3, 5), [2, 2])).toThrow(
      /sequence 2 has 3 encoded positions but length 2/,
    );
  });
});
