import { beforeAll, describe, expect, it } from "vitest";
import { createModel } from "../models/index.js";
import { topKUnseen } from "../models/rank.js";
import { randomCsr } from "../models/testing.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { recommend } from "./recommend.js";

const ITEMS = 24;
const DIM = 6;
let model: Recommender;
let sae: SparseAutoencoder;
let batch: UserBatch;

beforeAll(async () => {
  model = createModel("elsa", { dim: DIM, epochs: 4, batchSize: 16 });
  await model.fit(randomCsr(50, ITEMS, 0.25, 11), { rng: new Rng(3) });
  batch = { rows: randomCsr(6, ITEMS, 0.25, 12) };
  sae = new SparseAutoencoder(makeSaeConfig("topk", DIM, 12, { k: 3, normalisation: "none" }), 5);
  sae.initialise(model.encodeUsers(batch));
});

describe("recommend", () => {
  it("without steering (error added back) returns the original model's top-n exactly", () => {
    const res = recommend(model, sae, batch, { n: 5 });
    const top = topKUnseen(model.scoreUsers(batch), batch.rows, 5);
    res.users.forEach((u, r) => {
      expect(Array.from(u.items)).toEqual(Array.from(top.indices.subarray(r * 5, r * 5 + 5)));
      expect(Array.from(u.scores)).toEqual(Array.from(top.values.subarray(r * 5, r * 5 + 5)));
      expect(u.entered.length + u.left.length).toBe(0);
    });
  });

  it("a boost with alpha 0 changes nothing, with or without the error", () => {
    for (const addError of [true, false]) {
      const plain = recommend(model, sae, batch, { n: 6, addError });
      const zero = recommend(model, sae, batch, {
        n: 6,
        addError,
        steer: [{ kind: "boost", knobs: [{ neuron: 2, alpha: 0 }] }],
      });
      zero.users.forEach((u, r) => {
        expect(Array.from(u.items)).toEqual(Array.from(plain.users[r].items));
        expect(Array.from(u.scores)).toEqual(Array.from(plain.users[r].scores));
        expect(u.steeredNeurons).toEqual(u.neurons);
      });
    }
  });

  it("a clamp moves every score by delta * <atom_j, a_i> and the lists follow those scores", () => {
    const one = { rows: batch.rows.rowRange(1, 2) };
    const code = sae.encode(model.encodeUsers(one));
    const j = 7;
    let old = 0;
    for (let p = code.indptr[0]; p < code.indptr[1]; p++) if (code.indices[p] === j) old = code.values[p];
    const value = old + 3;
    const res = recommend(model, sae, one, { n: 8, steer: [{ kind: "clamp", neuron: j, value }] }).users[0];
    const orig = model.scoreUsers(one);
    const a = (model.encodeItems as () => Matrix).call(model);
    const atom = sae.atom(j);
    const seen = new Set(one.rows.rowIndices(0));
    const expected: { item: number; score: number }[] = [];
    for (let i = 0; i < ITEMS; i++) {
      if (seen.has(i)) continue;
      let dot = 0;
      for (let c = 0; c < DIM; c++) dot += atom[c] * a.get(i, c);
      expected.push({ item: i, score: orig.get(0, i) + 3 * dot });
    }
    expected.sort((x, y) => y.score - x.score || x.item - y.item);
    expect(Array.from(res.items)).toEqual(expected.slice(0, 8).map((e) => e.item));
    res.scores.forEach((s, q) => expect(s).toBeCloseTo(expected[q].score, 5));
    // entered / left are the set differences of the two lists
    const unsteered = new Set(res.unsteered.items);
    const steered = new Set(res.items);
    expect(Array.from(res.entered)).toEqual(Array.from(res.items).filter((i) => !unsteered.has(i)));
    expect(Array.from(res.left)).toEqual(Array.from(res.unsteered.items).filter((i) => !steered.has(i)));
    expect(res.entered.length).toBe(res.left.length);
    expect(res.entered.length).toBeGreaterThan(0); // the clamp did change the list
    expect(res.steeredNeurons.find((x) => x.neuron === j)?.activation).toBeCloseTo(value, 6);
  });

  it("lists active neurons by activation, and honours excludeSeen and short catalogues", () => {
    const res = recommend(model, sae, batch, { n: ITEMS });
    const code = sae.encode(model.encodeUsers(batch));
    res.users.forEach((u, r) => {
      expect(u.items.length).toBe(ITEMS - batch.rows.rowNnz(r));
      const seen = new Set(batch.rows.rowIndices(r));
      expect(Array.from(u.items).some((i) => seen.has(i))).toBe(false);
      expect(u.neurons.length).toBe(code.indptr[r + 1] - code.indptr[r]);
      for (let q = 1; q < u.neurons.length; q++)
        expect(u.neurons[q - 1].activation).toBeGreaterThanOrEqual(u.neurons[q].activation);
    });
    const all = recommend(model, sae, batch, { n: ITEMS, excludeSeen: false });
    all.users.forEach((u) => expect(u.items.length).toBe(ITEMS));
  });

  it("a user with no interactions still gets a full list", () => {
    const empty = { rows: new Csr(1, ITEMS, new Int32Array(2), new Int32Array(0), new Float32Array(0)) };
    const res = recommend(model, sae, empty, {
      n: 4,
      steer: [{ kind: "boost", knobs: [{ neuron: 0, alpha: 0.5 }] }],
    });
    expect(res.users[0].items.length).toBe(4);
    expect(Array.from(res.users[0].scores).every(Number.isFinite)).toBe(true);
  });
});
