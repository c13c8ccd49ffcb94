import { describe, expect, it } from "vitest";
import { generateSynthetic } from "./synth.js";
import { sampleDirichlet, sampleGamma, synthConceptNames } from "./synthSampling.js";
import { Rng } from "../tensor/rng.js";

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.prototype.every.call(a, (x: number, i: number) => x === b[i]);

function topDecileShare(indices: Int32Array, items: number): number {
  const counts = new Float64Array(items);
  for (const i of indices) counts[i]++;
  const sorted = Array.from(counts).sort((a, b) => b - a);
  return sorted.slice(0, Math.ceil(items / 10)).reduce((a, b) => a + b, 0) / indices.length;
}

describe("generateSynthetic", () => {
  const small = { users: 300, items: 240, concepts: 12, seed: 5 };

  it("is deterministic per seed", () => {
    const a = generateSynthetic(small);
    const b = generateSynthetic(small);
    const c = generateSynthetic({ ...small, seed: 6 });
    expect(same(a.dataset.matrix.indices, b.dataset.matrix.indices)).toBe(true);
    expect(same(a.dataset.matrix.indptr, b.dataset.matrix.indptr)).toBe(true);
    expect(same(a.dataset.timestamps ?? [], b.dataset.timestamps ?? [])).toBe(true);
    expect(same(a.truth.userMixtures.data, b.truth.userMixtures.data)).toBe(true);
    expect(same(a.dataset.matrix.indices, c.dataset.matrix.indices)).toBe(false);
  });

  it("has exact, consistent counts and metadata", () => {
    const { dataset: d, truth } = generateSynthetic(small);
    const m = d.matrix;
    expect([m.rows, m.cols, d.users.length, d.items.length]).toEqual([300, 240, 300, 240]);
    let total = 0;
    for (let u = 0; u < m.rows; u++) {
      const row = m.rowIndices(u);
      let sortedDistinct = row.length >= 5;
      for (let p = 1; p < row.length; p++) sortedDistinct &&= row[p] > row[p - 1];
      if (!sortedDistinct) throw new Error(`row ${u} has fewer than 5 or repeated/unsorted items`);
      total += row.length;
    }
    expect(m.nnz).toBe(total);
    expect(d.timestamps?.length).toBe(total);
    expect(Array.from(m.values).every((v) => v === 1)).toBe(true);
    // every item has its primary concept flagged, its title names it, and concepts are balanced
    const genre = d.concepts.find((c) => c.kind === "genre");
    const tag = d.concepts.find((c) => c.kind === "tag");
    if (!genre || !tag) throw new Error("missing concept family");
    const sizes = new Int32Array(12);
    const itemCount = new Float64Array(240);
    for (const i of m.indices) itemCount[i]++;
    for (let i = 0; i < 240; i++) {
      const c = truth.itemConcept[i];
      sizes[c]++;
      expect(Array.from(genre.matrix.rowIndices(i))).toContain(c);
      expect(genre.matrix.rowNnz(i)).toBe(truth.itemSecondary[i] >= 0 ? 2 : 1);
      expect(d.itemTitles?.[i]).toBe(`Item ${i} (${truth.conceptNames[c]})`);
      const p = Array.from(tag.matrix.rowIndices(i)).indexOf(c);
      expect(tag.matrix.rowValues(i)[p]).toBe(1 + Math.floor(itemCount[i] / 10));
    }
    expect(Array.from(sizes)).toEqual(new Array(12).fill(20));
    expect(truth.conceptNames[0]).toBe("Noir");
    for (let u = 0; u < 300; u++) {
      const w = Array.from(truth.userMixtures.row(u));
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(w.filter((x) => x > 0).length).toBeLessThanOrEqual(3);
      expect(w[truth.userTopConcept[u]]).toBe(Math.max(...w));
    }
  });

  it("plants recoverable tastes: without noise each user sticks to their single concept", () => {
    const { dataset: d, truth } = generateSynthetic({
      users: 200,
      items: 600,
      seed: 1,
      noiseRate: 0,
      secondaryRate: 0,
      maxActiveConcepts: 1,
      meanInteractions: 10,
    });
    let checked = 0;
    for (let u = 0; u < 200; u++) {
      if (d.matrix.rowNnz(u) > 50) continue; // more than the concept's 50 items: padded uniformly
      checked++;
      for (const i of d.matrix.rowIndices(u)) expect(truth.itemConcept[i]).toBe(truth.userTopConcept[u]);
    }
    expect(checked).toBeGreaterThan(190);
  });

  it("with default noise, the top concept dominates and is recoverable by counting", () => {
    const { dataset: d, truth } = generateSynthetic(small);
    let share = 0;
    let recovered = 0;
    for (let u = 0; u < 300; u++) {
      const c = new Float64Array(12);
      for (const i of d.matrix.rowIndices(u)) c[truth.itemConcept[i]]++;
      share += c[truth.userTopConcept[u]] / d.matrix.rowNnz(u);
      if (c.indexOf(Math.max(...c)) === truth.userTopConcept[u]) recovered++;
    }
    expect(share / 300).toBeGreaterThan(0.45); // chance level 1/12
    expect(recovered / 300).toBeGreaterThan(0.8);
  });

  it("has popularity skew that vanishes with a zero Zipf exponent (and no secondary concepts)", () => {
    const { dataset: d } = generateSynthetic({ users: 1000, items: 600, seed: 2 });
    expect(topDecileShare(d.matrix.indices, 600)).toBeGreaterThan(0.25); // uniform: 0.10
    const flat = generateSynthetic({ users: 1000, items: 600, seed: 2, zipfExponent: 0, secondaryRate: 0 });
    expect(topDecileShare(flat.dataset.matrix.indices, 600)).toBeLessThan(0.15);
  });

  it("rejects bad options naming the field", () => {
    expect(() => generateSynthetic({ items: 5, concepts: 12 })).toThrow(
      /items must be an integer >= 12, got 5/,
    );
    expect(() => generateSynthetic({ noiseRate: 2 })).toThrow(/noiseRate must be in \[0, 1\]/);
    expect(() => generateSynthetic({ meanInteractions: 2 })).toThrow(
      /meanInteractions must be >= minInteractions/,
    );
  });
});

describe("synth sampling helpers", () => {
  it("gamma samples have mean ~ shape; Dirichlet rows sum to 1", () => {
    const rng = new Rng(1);
    for (const shape of [0.5, 1, 3]) {
      let s = 0;
      for (let t = 0; t < 4000; t++) s += sampleGamma(rng, shape);
      expect(s / 4000).toBeCloseTo(shape, 1);
    }
    const w = sampleDirichlet(rng, 1, 4);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(synthConceptNames(26)[25]).toBe("concept-25");
  });
});
