import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSynthetic } from "../data/synth.js";
import { tagOf } from "../data/synthSampling.js";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { labelNeurons, toLabelsDoc } from "./labeller.js";
import { readLabels, setLabel, writeLabels } from "./labels.js";

describe("default labeller on a hand example", () => {
  it("prefers the distinctive tag over one every item carries", () => {
    // 10 items, all "Drama"; items 0-1 also "Noir". Neuron 0 fires on 0-1, neuron 1 on 2-9, neuron 2 dead.
    const rows: number[] = [];
    const cols: number[] = [];
    for (let i = 0; i < 10; i++) {
      rows.push(i);
      cols.push(0);
      if (i < 2) {
        rows.push(i);
        cols.push(1);
      }
    }
    const genre: ItemConcepts = {
      kind: "genre",
      names: ["Drama", "Noir"],
      matrix: Csr.fromTriplets(10, 2, rows, cols),
    };
    const z = new Matrix(10, 3);
    for (let i = 0; i < 10; i++) z.set(i, i < 2 ? 0 : 1, 1);
    const r = labelNeurons(z, [genre]);
    expect(r.labels.map((l) => [l.neuron, l.label])).toEqual([
      [0, "Noir"],
      [1, "Drama"],
    ]);
    const noir = r.labels[0].scores;
    // selection purity 1 (2 of 2 active items), base rate 2/10 -> excess 0.8; purity@10 itself is
    // not reported: the neuron fires on 2 < 10 items (and neuron 1 on 8 < 10)
    expect(noir["purity@10"]).toBeUndefined();
    expect(r.labels[1].scores["purity@10"]).toBeUndefined();
    expect(noir.baseRate).toBeCloseTo(0.2, 12);
    expect(noir.excessPurity).toBeCloseTo(0.8, 12);
    expect(noir.support).toBe(2);
    // neuron 0's tag distribution (joint P): M[Drama] = 2 * 1/12, M[Noir] = 2 * 1/12 -> uniform over 2 tags
    expect(noir.entropy).toBeCloseTo(Math.log(2), 6);
    // KL per family for every neuron: d0 = [.5, .5], d1 = [1, 0], mean [.75, .25]
    expect(noir["kl:genre"]).toBeCloseTo(0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(2), 6); // 0.1438410
    expect(r.labels[1].scores["kl:genre"]).toBeCloseTo(Math.log(4 / 3), 6); // 0.2876821
    // tag -> neuron matches only among neurons with support >= minSupport (default 20): none here
    expect(Array.from(r.families[0].matches.representativeNeuronOfTag)).toEqual([-1, -1]);
    const all = labelNeurons(z, [genre], { minSupport: 1 }).families[0].matches;
    expect(Array.from(all.representativeNeuronOfTag)).toEqual([1, 0]);
    const big = labelNeurons(z, [genre], { minSupport: 3 }).families[0].matches;
    expect(Array.from(big.representativeNeuronOfTag)).toEqual([1, -1]); // Noir only on the 2-item neuron
    expect(noir.monosemanticity).toBeCloseTo(1, 6); // both items have identical metadata
  });
});

describe("default labeller on the planted synthetic dataset", () => {
  it("every planted concept is the top tag of a neuron with purity@10 >= 0.9", () => {
    const { dataset, truth } = generateSynthetic({ users: 300, items: 600, concepts: 12, seed: 7 });
    const items = dataset.items.length;
    const concepts = truth.conceptNames.length;
    const popularity = new Float64Array(items);
    for (const i of dataset.matrix.indices) popularity[i]++;
    const rng = new Rng(42);
    // Neurons 0-23: concept j % 12 (strong on primary items, weak on secondary); 24-27 dead;
    // 28-30 pure noise; 31 a popularity neuron firing on the 30 most popular items.
    const neurons = 32;
    const z = new Matrix(items, neurons);
    for (let i = 0; i < items; i++) {
      for (let j = 0; j < 24; j++) {
        const c = j % concepts;
        if (truth.itemConcept[i] === c) z.set(i, j, 0.4 + 0.6 * rng.uniform());
        else if (truth.itemSecondary[i] === c) z.set(i, j, 0.2 * rng.uniform());
      }
      for (let e = 0; e < 3; e++) {
        const j = rng.int(28);
        if (j < 24) z.set(i, j, Math.max(z.get(i, j), 0.5 * rng.uniform()));
        else z.set(i, 28 + rng.int(3), 0.5 * rng.uniform());
      }
    }
    const byPop = Array.from({ length: items }, (_, i) => i).sort(
      (a, b) => popularity[b] - popularity[a] || a - b,
    );
    byPop.slice(0, 30).forEach((i, r) => z.set(i, 31, 1 - r / 60));

    const result = labelNeurons(z, dataset.concepts, { popularity });
    const labelled = new Map(result.labels.map((l) => [l.neuron, l]));
    for (let j = 24; j < 28; j++) expect(labelled.has(j)).toBe(false);
    expect(result.labels).toHaveLength(neurons - 4);

    for (let c = 0; c < concepts; c++) {
      const name = truth.conceptNames[c];
      const hits = result.labels.filter(
        (l) => tagOf(l.label) === tagOf(name) && l.scores["purity@10"] >= 0.9,
      );
      expect(hits.length, `concept ${name}`).toBeGreaterThanOrEqual(1);
    }
    // every concept neuron recovers its own concept
    for (let j = 0; j < 24; j++)
      expect(tagOf(labelled.get(j)?.label ?? "")).toBe(tagOf(truth.conceptNames[j % concepts]));
    // TF-IDF alone (neuron as document, genre family) already names the planted concept
    const genre = result.families.find((f) => f.family.kind === "genre");
    for (let j = 0; j < 24; j++)
      expect(genre?.family.names[genre.matches.distinctiveTagOfNeuron[j]]).toBe(
        truth.conceptNames[j % concepts],
      );
    // monosemanticity separates concept neurons from noise neurons
    const ms = (j: number): number => labelled.get(j)?.scores.monosemanticity ?? NaN;
    const conceptMin = Math.min(...Array.from({ length: 24 }, (_, j) => ms(j)));
    expect(conceptMin).toBeGreaterThan(Math.max(ms(28), ms(29), ms(30)) + 0.3);
    // noise neurons are impure, the popularity neuron is flagged
    for (let j = 28; j < 31; j++) expect(labelled.get(j)?.scores["purity@10"]).toBeLessThan(0.6);
    const pop = labelled.get(31);
    expect(pop?.label).toBe("popular items");
    expect(pop?.scores.popularity).toBeGreaterThan(0.95);
    expect(labelled.get(0)?.scores.popularity).toBeLessThan(0.9);

    // labels.json round trip with a manual edit surviving a relabel
    const dir = mkdtempSync(join(tmpdir(), "reclens-labeller-"));
    try {
      const path = join(dir, "labels.json");
      writeLabels(path, setLabel(toLabelsDoc(result), 3, "my heist knob"));
      const again = toLabelsDoc(result, readLabels(path));
      expect(again.labels["3"].label).toBe("my heist knob");
      expect(again.labels["0"]).toMatchObject({
        source: "tfidf",
        concept: { name: labelled.get(0)?.concept?.name },
      });
      expect(Object.keys(again.labels)).toHaveLength(neurons - 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
