import { describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { conceptKnobs } from "./concept-knobs.js";
import { labelQuality } from "./label-quality.js";
import { labelNeurons, toLabelsDoc } from "./labeller.js";
import { readLabels, setLabel, validateLabels, writeLabels } from "./labels.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function family(kind: string, names: string[], items: number, members: number[][]): ItemConcepts {
  const rows: number[] = [];
  const cols: number[] = [];
  members.forEach((list, t) =>
    list.forEach((i) => {
      rows.push(i);
      cols.push(t);
    }),
  );
  return { kind, names, matrix: Csr.fromTriplets(items, names.length, rows, cols) };
}

/**
 * 12 items. Genre: Drama on items 0-9 (base rate 10/12), Horror on 0-5 (1/2). Decade: 1980s on
 * 0-3 and 6-7, 1990s on the rest (1/2 each). Neurons:
 * - 0 fires on items 0-9 (top-10 = all): Drama 10/10 (excess 1/6), Horror 6/10 (excess 0.1), 1980s
 *   6/10 (0.1): nothing selective (excess >= 0.2), so the best agreeing semantic one: Drama;
 * - 1 fires on 0-5, 10, 11: Horror 6/8 = 0.75, excess 0.25: selective -> Horror;
 * - 2 fires on 8-11: no genre reaches 0.6 (Drama 2/4), 1990s 4/4 (excess 0.5) -> "1990s";
 * - 3 fires on 6 and 10: nothing reaches 0.6 -> the largest excess (1980s and 1990s tie at 0, the
 *   lower column wins): "1980s", which does not agree.
 */
function world(): { z: Matrix; families: ItemConcepts[] } {
  const items = 12;
  const genre = family("genre", ["Drama", "Horror"], items, [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [0, 1, 2, 3, 4, 5],
  ]);
  const decade = family("decade", ["1980s", "1990s"], items, [
    [0, 1, 2, 3, 6, 7],
    [4, 5, 8, 9, 10, 11],
  ]);
  const z = new Matrix(items, 5);
  for (let i = 0; i < 10; i++) z.set(i, 0, 10 - i);
  for (const i of [0, 1, 2, 3, 4, 5, 10, 11]) z.set(i, 1, 1);
  for (const i of [8, 9, 10, 11]) z.set(i, 2, 1);
  for (const i of [6, 10]) z.set(i, 3, 1);
  return { z, families: [genre, decade] }; // neuron 4 is dead
}

describe("main concept and agreement on a hand-made case", () => {
  it("chooses semantic, then non-semantic, then fallback concepts and measures agreement", () => {
    const { z, families } = world();
    const r = labelNeurons(z, families, { minSupport: 1 });
    expect(r.labels.map((l) => [l.neuron, l.label, l.rule, l.agrees])).toEqual([
      [0, "Drama", "agreeing", true],
      [1, "Horror", "semantic", true],
      [2, "1990s", "non-semantic", true],
      [3, "1980s", "fallback", false],
    ]);
    expect(r.labels[0].scores.excessPurity).toBeCloseTo(1 - 10 / 12, 12);
    expect(r.labels[1].scores.excessPurity).toBeCloseTo(0.25, 12);
    expect(r.labels[3].scores.excessPurity).toBeCloseTo(0, 12);
    const doc = toLabelsDoc(r);
    const q = labelQuality(doc, r.activity.live, r.top, r.families);
    expect(q).toMatchObject({ live: 4, labelled: 4, unique: 4, uniqueShare: 1, idSuffixed: 0, agreeing: 3 });
    expect(q.agreeingShare).toBeCloseTo(0.75, 12);
    expect(q.fullTop).toEqual({ neurons: 1, agreeing: 1, share: 1 }); // only neuron 0 fires on 10 items
    expect(q.byKind).toEqual({ genre: 2, decade: 2 });
    // a hand label equal to another neuron's: both lose uniqueness, the manual one has no concept
    const edited = setLabel(doc, 3, "horror");
    const q2 = labelQuality(edited, r.activity.live, r.top, r.families);
    expect([q2.unique, q2.agreeing, q2.byKind.none]).toEqual([2, 3, 1]);
  });

  it("concept knobs: direction = the neurons selective for the concept (purity >= 0.6, excess >= 0.2)", () => {
    const { z, families } = world();
    const r = labelNeurons(z, families, { minSupport: 1 });
    const knobs = conceptKnobs(r, { minSupport: 1 });
    const horror = knobs.find((k) => k.name === "Horror");
    expect(horror?.direction).toEqual([{ neuron: 1, weight: 1 }]); // neuron 0's Horror excess is 0.1
    expect(horror?.representative).toBe(r.families[0].matches.representativeNeuronOfTag[1]);
    expect(horror?.unique).toBe(r.families[0].matches.uniqueNeuronOfTag[1]);
    expect(knobs.find((k) => k.name === "1990s")?.direction).toEqual([{ neuron: 2, weight: 1 }]);
    expect(knobs.find((k) => k.name === "Drama")?.direction).toEqual([]); // never 0.2 above its 10/12
    // with minSupport 10 only neuron 0 may be picked
    for (const k of conceptKnobs(r, { minSupport: 10 }))
      for (const n of [k.representative, k.unique, ...k.direction.map((d) => d.neuron)])
        expect([-1, 0]).toContain(n);
  });
});

describe("labels.json format versions", () => {
  it("reads a format-1 file and writes it back as format 2; checks concept neurons", () => {
    const dir = mkdtempSync(join(tmpdir(), "reclens-labels-v1-"));
    try {
      const path = join(dir, "labels.json");
      const v1 = {
        format: "reclens-labels",
        formatVersion: 1,
        neurons: 4,
        labels: {
          "2": {
            label: "Noir",
            source: "tfidf",
            concept: { kind: "genre", name: "Noir" },
            scores: { "purity@10": 0.9 },
            updatedAt: "2025-01-02T03:04:05.000Z",
          },
        },
      };
      writeFileSync(path, JSON.stringify(v1));
      const doc = readLabels(path);
      expect(doc.formatVersion).toBe(1);
      expect(doc.labels["2"].concept).toEqual({ kind: "genre", name: "Noir" });
      writeLabels(path, doc);
      const again = readLabels(path);
      expect(again.formatVersion).toBe(2);
      expect(again.labels).toEqual(doc.labels);
      const bad = {
        ...v1,
        formatVersion: 2,
        concepts: [{ kind: "genre", name: "Noir", index: 0, representative: 9, unique: -1, direction: [] }],
      };
      expect(() => validateLabels(bad, "x")).toThrow(/concept "Noir": neuron 9 out of range \[0, 4\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
