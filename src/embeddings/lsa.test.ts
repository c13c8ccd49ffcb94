import { describe, expect, it } from "vitest";
import { BadInput } from "../errors.js";
import { LsaEmbedder } from "./lsa.js";
import { tfidfFeatures } from "./tfidf-features.js";
import { tokenize } from "./tokenize.js";

describe("tokenize", () => {
  it("lower-cases, splits on punctuation, drops stop words, numbers and one-letter tokens", () => {
    expect(tokenize("Lip-Gloss, 0.5 oz; L'Oréal for the LIPS x2")).toEqual([
      "lip",
      "gloss",
      "oz",
      "loréal",
      "lips",
      "x2",
    ]);
  });
});

describe("tfidfFeatures", () => {
  it("matches the hand-computed sublinear, smoothed, L2-normalised weights", () => {
    const f = tfidfFeatures(["apple banana", "apple cherry", "banana banana cherry"], {
      minDf: 1,
      maxDfRatio: 1,
    });
    expect(f.terms).toEqual(["apple", "banana", "cherry"]);
    expect(Array.from(f.df)).toEqual([2, 2, 2]);
    // doc 2: banana tf 1 + ln 2, cherry tf 1; equal idf cancels in the L2 normalisation
    const b = 1 + Math.log(2);
    const norm = Math.hypot(b, 1);
    expect(Array.from(f.matrix.rowIndices(2))).toEqual([1, 2]);
    expect(f.matrix.rowValues(2)[0]).toBeCloseTo(b / norm, 6);
    expect(f.matrix.rowValues(2)[1]).toBeCloseTo(1 / norm, 6);
    expect(f.matrix.rowValues(0)[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it("applies minDf / maxDfRatio and counts texts left without terms", () => {
    const f = tfidfFeatures(["red red", "red blue", "red green", "purple"], { minDf: 2, maxDfRatio: 0.5 });
    // red is in 3 of 4 texts (> 0.5), blue/green/purple in 1 (< 2): nothing but... no term survives
    expect(f.terms).toEqual([]);
    expect(f.emptyDocs).toBe(4);
    const g = tfidfFeatures(["red a1", "red b1", "blue a1", "blue b1"], { minDf: 2, maxDfRatio: 0.5 });
    expect(g.terms).toEqual(["a1", "b1", "blue", "red"]);
    // idf = ln(5/3) + 1 for every term
    expect(g.matrix.rowValues(0)[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});

describe("LsaEmbedder", () => {
  const texts = [
    ...Array.from({ length: 6 }, (_, i) => `nail polish lacquer n${i % 3}`),
    ...Array.from({ length: 6 }, (_, i) => `hair shampoo conditioner h${i % 3}`),
  ];

  it("puts texts of one topic together (cosine ~1) and the two topics apart (cosine ~0)", async () => {
    const e = new LsaEmbedder({ dim: 2, seed: 3 });
    const m = await e.embed(texts);
    expect(m.cols).toBe(2);
    const cos = (a: number, b: number): number => m.get(a, 0) * m.get(b, 0) + m.get(a, 1) * m.get(b, 1);
    expect(cos(0, 1)).toBeGreaterThan(0.99);
    expect(cos(6, 11)).toBeGreaterThan(0.99);
    expect(Math.abs(cos(0, 6))).toBeLessThan(0.05);
    for (let i = 0; i < m.rows; i++) expect(Math.hypot(m.get(i, 0), m.get(i, 1))).toBeCloseTo(1, 5);
    expect(e.info()).toMatchObject({ provider: "tfidf-lsa", dim: 2, outputDim: 2, vocabulary: 12 });
  });

  it("is deterministic for a seed and caps the dimension at the corpus rank", async () => {
    const a = await new LsaEmbedder({ dim: 50, seed: 1 }).embed(texts);
    const b = await new LsaEmbedder({ dim: 50, seed: 1 }).embed(texts);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(a.cols).toBeLessThanOrEqual(12); // 12 terms
    expect(() => new LsaEmbedder({ dim: 0 })).toThrow(BadInput);
    await expect(new LsaEmbedder({ minDf: 5 }).embed(["a b", "c d"])).rejects.toThrow(/nothing to embed/);
  });
});
