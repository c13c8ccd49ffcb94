import { describe, expect, it } from "vitest";
import { distinctLabels, periodOf, type LabelParts } from "./distinct-labels.js";

const PARTS: LabelParts[] = [
  { neuron: 1, main: "Horror", qualifiers: ["gore", "1980s"], titles: ["The Shining"] },
  { neuron: 2, main: "Horror", qualifiers: ["gore", "1970s"], titles: ["Carrie"] },
  { neuron: 3, main: "Horror", qualifiers: ["slasher"] },
  { neuron: 4, main: "Comedy", qualifiers: ["1990s"] },
  { neuron: 5, main: "Drama", qualifiers: ["Romance"] },
  { neuron: 6, main: "drama", qualifiers: ["romance"] },
  { neuron: 7, main: "Drama", qualifiers: [] },
  { neuron: 8, main: "War", qualifiers: ["1940s"], titles: ["Patton"] },
  { neuron: 9, main: "War", qualifiers: ["1940s"], titles: ["Stalag 17"] },
];

describe("distinctLabels on a planted labelling with collisions", () => {
  it("adds the rarest qualifier while labels collide, titles next, '#id' only when all run out", () => {
    const r = distinctLabels(PARTS);
    expect(Object.fromEntries(r.labels)).toEqual({
      // "gore" is shared by 1 and 2 (2 of the 3 Horror neurons), so each takes its rarer period
      1: "Horror · 1980s",
      2: "Horror · 1970s",
      3: "Horror · slasher",
      4: "Comedy", // alone with its concept: no qualifier
      5: "Drama · Romance", // 5 and 6 collide case-insensitively and run out: the lowest id stays bare
      6: "drama · romance #6",
      7: "Drama", // nothing to add; unique once 5 and 6 moved on
      8: "War · 1940s · Patton", // same descriptive qualifiers: the titles separate them
      9: "War · 1940s · Stalag 17",
    });
    expect(r.idSuffixed).toEqual([6]);
    expect(r.used.get(8)).toEqual(["1940s", "Patton"]);
    expect(r.used.get(6)).toEqual(["romance", "#6"]);
    const texts = [...r.labels.values()].map((s) => s.toLowerCase());
    expect(new Set(texts).size).toBe(PARTS.length);
  });

  it("is deterministic whatever the input order", () => {
    const a = distinctLabels(PARTS);
    const b = distinctLabels([...PARTS].reverse());
    expect([...b.labels].sort((x, y) => x[0] - y[0])).toEqual([...a.labels]);
  });
});

describe("periodOf", () => {
  const names = ["1960s", "1970s", "1980s", "1990s", "2000s", "misc"];
  it("one decade with >= 60% of the top items, else the best adjacent pair", () => {
    expect(
      periodOf(
        new Map([
          [2, 0.7],
          [3, 0.3],
        ]),
        names,
        0.6,
      ),
    ).toBe("1980s");
    expect(
      periodOf(
        new Map([
          [1, 0.4],
          [2, 0.3],
          [3, 0.3],
        ]),
        names,
        0.6,
      ),
    ).toBe("1970s-80s");
    expect(
      periodOf(
        new Map([
          [3, 0.3],
          [4, 0.4],
          [0, 0.3],
        ]),
        names,
        0.6,
      ),
    ).toBe("1990s-2000s");
    // 1960s + 1980s are not adjacent; "misc" is no decade
    expect(
      periodOf(
        new Map([
          [0, 0.5],
          [2, 0.5],
        ]),
        names,
        0.6,
      ),
    ).toBeUndefined();
    expect(periodOf(new Map([[5, 1]]), names, 0.6)).toBeUndefined();
  });
});
