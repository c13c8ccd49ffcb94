import { describe, expect, it } from "vitest";
import type { ItemConcepts } from "../data/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { rankTagsOfNeuron, tagItemDistribution, tagNeuronMatrix, tfidf, tfidfMatches } from "./tfidf.js";

const family = (rows: number[][], names: string[]): ItemConcepts => ({
  kind: "tag",
  names,
  matrix: Csr.fromDense(Matrix.fromRows(rows)),
});

describe("tag-item distribution and M = P^T Z", () => {
  // counts: item0 t0=2; item1 t0=1,t1=1; item2 t1=4 (total 8)
  const counts = family(
    [
      [2, 0],
      [1, 1],
      [0, 4],
    ],
    ["t0", "t1"],
  );
  const z = Matrix.fromRows([
    [1, 0],
    [2, 1],
    [0, 3],
  ]);

  it("joint p(t, i) = c / total", () => {
    // P: item0 t0 .25; item1 t0 .125, t1 .125; item2 t1 .5
    // M[t0] = .25*[1,0] + .125*[2,1] = [.5, .125]; M[t1] = .125*[2,1] + .5*[0,3] = [.25, 1.625]
    const m = tagNeuronMatrix(tagItemDistribution(counts, "joint"), z);
    expect(m.rows).toBe(2);
    const want = [
      [0.5, 0.125],
      [0.25, 1.625],
    ];
    m.toArray().forEach((row, t) => row.forEach((v, n) => expect(v).toBeCloseTo(want[t][n], 6)));
  });

  it("conditional p(i | t) = c / column sum", () => {
    // column sums 3 and 5: M[t0] = 2/3*[1,0] + 1/3*[2,1] = [4/3, 1/3]; M[t1] = 1/5*[2,1] + 4/5*[0,3] = [.4, 2.6]
    const m = tagNeuronMatrix(tagItemDistribution(counts, "conditional"), z);
    const want = [
      [4 / 3, 1 / 3],
      [0.4, 2.6],
    ];
    m.toArray().forEach((row, t) => row.forEach((v, n) => expect(v).toBeCloseTo(want[t][n], 6)));
  });

  it("matches a naive triple loop on random sparse data", () => {
    const rng = new Rng(3);
    const items = 40;
    const tags = 7;
    const neurons = 9;
    const c = new Matrix(items, tags);
    for (let p = 0; p < c.data.length; p++) c.data[p] = rng.uniform() < 0.2 ? 1 + rng.int(4) : 0;
    const zz = new Matrix(items, neurons);
    for (let p = 0; p < zz.data.length; p++) zz.data[p] = rng.uniform() < 0.3 ? rng.uniform() : 0;
    const m = tagNeuronMatrix(
      tagItemDistribution(
        family(
          c.toArray(),
          Array.from({ length: tags }, (_, t) => `t${t}`),
        ),
        "joint",
      ),
      zz,
    );
    let total = 0;
    for (const v of c.data) total += v;
    for (let t = 0; t < tags; t++) {
      for (let n = 0; n < neurons; n++) {
        let s = 0;
        for (let i = 0; i < items; i++) s += (c.get(i, t) / total) * zz.get(i, n);
        expect(m.get(t, n)).toBeCloseTo(s, 6);
      }
    }
  });

  it("rejects negative counts and mismatched shapes, naming them", () => {
    const bad = family([[1, -2]], ["a", "b"]);
    expect(() => tagItemDistribution(bad)).toThrow(/item 0, tag "b" is -2/);
    expect(() => tagItemDistribution({ kind: "genre", names: ["x"], matrix: bad.matrix })).toThrow(
      /"genre": 1 names for 2 columns/,
    );
    expect(() => tagNeuronMatrix(tagItemDistribution(counts), new Matrix(2, 2))).toThrow(
      /P has 3 items but Z has 2/,
    );
  });
});

describe("TF-IDF in both orientations", () => {
  // M (3 tags x 4 neurons; neuron 3 dead):
  //   t0: [4, 0, 1, 0]   row sum 5
  //   t1: [0, 2, 2, 0]   row sum 4
  //   t2: [1, 0, 0, 0]   row sum 1
  // column sums: 5, 2, 3, 0; T = 3 non-empty tags, N = 3 live neurons.
  // Neuron terms: df = (2, 1, 2) -> idf = ln(4/3)+1 = 1.2876821, ln(4/2)+1 = 1.6931472, 1.2876821.
  // Tag terms:    df = (2, 2, 1) -> idf = 1.2876821, 1.2876821, 1.6931472.
  const m = Matrix.fromRows([
    [4, 0, 1, 0],
    [0, 2, 2, 0],
    [1, 0, 0, 0],
  ]);
  const a = Math.log(4 / 3) + 1;
  const b = Math.log(2) + 1;
  const s = tfidf(m);

  it("idf values", () => {
    expect(Array.from(s.neuronIdf)).toEqual([a, b, a, 0].map((x) => expect.closeTo(x, 12)));
    expect(Array.from(s.tagIdf)).toEqual([a, a, b].map((x) => expect.closeTo(x, 12)));
  });

  it("tags as documents: tf over the tag's row times neuron idf", () => {
    const want = [
      [(4 / 5) * a, 0, (1 / 5) * a, 0], // 1.0301457, 0, 0.2575364
      [0, (2 / 4) * b, (2 / 4) * a, 0], // 0.8465736, 0.6438411
      [1 * a, 0, 0, 0], // 1.2876821
    ];
    s.byTag.toArray().forEach((row, t) => row.forEach((v, n) => expect(v).toBeCloseTo(want[t][n], 6)));
  });

  it("neurons as documents: tf over the neuron's column times tag idf", () => {
    const want = [
      [(4 / 5) * a, 0, (1 / 3) * a, 0], // 1.0301457, 0.4292274
      [0, 1 * a, (2 / 3) * a, 0], // 1.2876821, 0.8584547
      [(1 / 5) * b, 0, 0, 0], // 0.3386294
    ];
    s.byNeuron.toArray().forEach((row, t) => row.forEach((v, n) => expect(v).toBeCloseTo(want[t][n], 6)));
  });

  it("the four matchings (orientations disagree on neuron 0)", () => {
    const mt = tfidfMatches(s);
    expect(Array.from(mt.uniqueNeuronOfTag)).toEqual([0, 1, 0]);
    expect(Array.from(mt.representativeNeuronOfTag)).toEqual([0, 1, 0]);
    // neuron 0: byNeuron t0 1.030 > t2 0.339, but byTag t2 1.288 > t0 1.030
    expect(Array.from(mt.distinctiveTagOfNeuron)).toEqual([0, 1, 1, -1]);
    expect(Array.from(mt.characteristicTagOfNeuron)).toEqual([2, 1, 1, -1]);
    expect(Array.from(rankTagsOfNeuron(s.byNeuron, 2, 5))).toEqual([1, 0]);
    expect(Array.from(rankTagsOfNeuron(s.byNeuron, 3, 5))).toEqual([]);
  });

  it("tag -> neuron matches restricted to eligible neurons", () => {
    // neuron 0 ineligible: t0 -> byNeuron n2 0.4292 (over n0 1.0301), byTag n2 0.2575; t1 unchanged;
    // t2 has mass only on neuron 0 -> -1. Neuron -> tag matches are unaffected.
    const mt = tfidfMatches(s, Uint8Array.from([0, 1, 1, 1]));
    expect(Array.from(mt.representativeNeuronOfTag)).toEqual([2, 1, -1]);
    expect(Array.from(mt.uniqueNeuronOfTag)).toEqual([2, 1, -1]);
    expect(Array.from(mt.distinctiveTagOfNeuron)).toEqual([0, 1, 1, -1]);
    expect(() => tfidfMatches(s, new Uint8Array(3))).toThrow(/eligibility for 3 neurons, M has 4/);
  });

  it("an empty tag matches nothing", () => {
    const mt = tfidfMatches(
      tfidf(
        Matrix.fromRows([
          [1, 2],
          [0, 0],
        ]),
      ),
    );
    expect(Array.from(mt.uniqueNeuronOfTag)).toEqual([1, -1]);
  });

  it("rejects negative entries", () => {
    expect(() => tfidf(Matrix.fromRows([[1, -1]]))).toThrow(/M\[0, 1\] = -1/);
  });
});
