import { beforeAll, describe, expect, it } from "vitest";
import { Unavailable } from "../errors.js";
import { createModel } from "../models/index.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { NestedRecommender } from "../nested/nested.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import type { NormalisationKind, SparseCode } from "../sae/types.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { explainItems, type ItemScoreSplit } from "./explain.js";
import { splitReconstruction } from "./explain-split.js";
import type { SteerOp } from "./ops.js";

/** Sum of every part of a split (what must equal the score). */
function partsSum(s: ItemScoreSplit): number {
  return (
    s.neurons.reduce((a, n) => a + n.contribution, 0) + s.decoderBias + s.error + s.itemTerm + s.nonLinear
  );
}

/** A linear recommender with a fixed representation per user: decode(z) = z M^T + c. */
function fakeLinear(m: number[][], c: number[], users: number[][]): Recommender {
  const mm = Matrix.fromRows(m);
  const zs = Matrix.fromRows(users);
  const decode = (z: Matrix): Matrix => {
    const out = new Matrix(z.rows, mm.rows);
    for (let r = 0; r < z.rows; r++)
      for (let i = 0; i < mm.rows; i++) {
        let s = c[i];
        for (let k = 0; k < mm.cols; k++) s += z.get(r, k) * mm.get(i, k);
        out.set(r, i, s);
      }
    return out;
  };
  return {
    name: "fake-linear",
    config: {},
    nItems: mm.rows,
    dim: mm.cols,
    fit: () => Promise.reject(new Error("not trainable")),
    encodeUsers: (b: UserBatch) => {
      const ids = b.userIds as Int32Array;
      return new Matrix(
        ids.length,
        zs.cols,
        Float32Array.from(Array.from(ids).flatMap((u) => Array.from(zs.row(u)))),
      );
    },
    decode,
    scoreUsers(b: UserBatch) {
      return decode(this.encodeUsers(b));
    },
    encodeItems: () => mm.clone(),
    save: () => undefined,
  };
}

/** The hand SAE: relu, W_dec = W_enc = I (2x2), b_dec = [0.5, -0.5], b_enc = [-0.5, 0]. */
function handSae(normalisation: NormalisationKind): SparseAutoencoder {
  const sae = new SparseAutoencoder(makeSaeConfig("relu", 2, 2, { normalisation, bDecInit: "zero" }));
  sae.params.W_dec.value.data.set([1, 0, 0, 1]);
  sae.params.W_enc.value.data.set([1, 0, 0, 1]);
  sae.params.b_dec.value.data.set([0.5, -0.5]);
  sae.params.b_enc.value.data.set([-0.5, 0]);
  return sae;
}

const oneUser = (items: number, u = 0): UserBatch => ({
  rows: Csr.fromTriplets(1, items, [], []),
  userIds: Int32Array.of(u),
});

describe("explainItems: hand-computed splits", () => {
  // M rows: item 0 [1, 2], item 1 [3, -1], item 2 [0, 1]; item constants c = [0.1, 0, -0.2]
  const m = [
    [1, 2],
    [3, -1],
    [0, 1],
  ];
  const c = [0.1, 0, -0.2];

  it('normalisation "none": code [1.5, 1], error [0.5, 0]; item 0 = 1.5 + 2 - 0.5 + 0.5 + 0.1 = 3.6', () => {
    // z = [2.5, 0.5]: pre = (z - b_dec) + b_enc = [2, 1] + [-0.5, 0] = [1.5, 1]; D(code) = [2, 0.5]
    const model = fakeLinear(m, c, [[2.5, 0.5]]);
    const r = explainItems(model, handSae("none"), oneUser(3), Int32Array.of(0, 1));
    const [a, b] = r.items;
    expect(a.method).toBe("exact");
    expect(a.score).toBeCloseTo(3.6, 6);
    expect(a.neurons).toEqual([
      { neuron: 1, activation: 1, contribution: 2 },
      { neuron: 0, activation: 1.5, contribution: 1.5 },
    ]);
    expect(a.decoderBias).toBeCloseTo(-0.5, 6); // [1, 2] . [0.5, -0.5]
    expect(a.error).toBeCloseTo(0.5, 6); // [1, 2] . [0.5, 0]
    expect(a.itemTerm).toBeCloseTo(0.1, 6);
    expect(a.nonLinear).toBe(0);
    // item 1: neuron 0 4.5, neuron 1 -1, bias 1.5 + 0.5 = 2, error 1.5, c 0: 7 = 3 * 2.5 - 0.5
    expect(b.score).toBeCloseTo(7, 6);
    expect(b.neurons.map((n) => [n.neuron, n.contribution])).toEqual([
      [0, 4.5],
      [1, -1],
    ]);
    expect(b.decoderBias).toBeCloseTo(2, 6);
    expect(b.error).toBeCloseTo(1.5, 6);
  });

  it('normalisation "dataset" (mean [1, 0], scale 2) is undone: item 0 = 3 + 4 + 0 + 1 + 0.1 = 8.1', () => {
    // z = [6, 1] -> normalised [2.5, 0.5] -> code [1.5, 1]; D = [2, 0.5] * 2 + [1, 0] = [5, 1]; e = [1, 0]
    const sae = handSae("dataset");
    const t = sae.tensors();
    t.norm_mean.data.set([1, 0]);
    t.norm_scale.data.set([2]);
    const model = fakeLinear(m, c, [[6, 1]]);
    const [a] = explainItems(model, sae, oneUser(3), Int32Array.of(0)).items;
    expect(a.score).toBeCloseTo(8.1, 6);
    expect(a.neurons.map((n) => [n.neuron, n.activation, n.contribution])).toEqual([
      [1, 1, 4], // 1 * 2 * ([1, 2] . [0, 1])
      [0, 1.5, 3], // 1.5 * 2 * ([1, 2] . [1, 0])
    ]);
    expect(a.decoderBias).toBeCloseTo(0, 6); // [1, 2] . (2 * [0.5, -0.5] + [1, 0]) = [1, 2] . [2, -1]
    expect(a.error).toBeCloseTo(1, 6);
  });

  it('normalisation "per-sample" uses the row mean and scale the code carries', () => {
    // z = [3, 1]: mean 2, sample std sqrt(2); normalised x = [1, -1] / (sqrt(2) + 1e-5); with
    // b_enc = [0.5, 0.5] the code is x - b_dec + b_enc = [x0, x1 + 1]; decode = (code + b_dec) sqrt(2) + 2
    const sae = handSae("per-sample");
    sae.params.b_enc.value.data.set([0.5, 0.5]);
    const model = fakeLinear(m, c, [[3, 1]]);
    const [a] = explainItems(model, sae, oneUser(3), Int32Array.of(0)).items;
    const s = Math.SQRT2;
    const x0 = 1 / (s + 1e-5);
    const code = [x0, 1 - x0];
    const byNeuron = new Map(a.neurons.map((n) => [n.neuron, n]));
    expect(byNeuron.get(0)?.activation).toBeCloseTo(code[0], 6);
    expect(byNeuron.get(0)?.contribution).toBeCloseTo(code[0] * s * 1, 5); // [1, 2] . [1, 0]
    expect(byNeuron.get(1)?.contribution).toBeCloseTo(code[1] * s * 2, 5); // [1, 2] . [0, 1]
    expect(a.decoderBias).toBeCloseTo(s * (0.5 - 1) + 2 * 3, 5); // [1, 2] . (sqrt2 b_dec + [2, 2])
    expect(a.score).toBeCloseTo(3 + 2 + 0.1, 5); // unsteered with the error added back: z itself
    expect(partsSum(a)).toBeCloseTo(a.score, 5);
  });

  it("steering: a switched-off neuron leaves the split, the error stays the unsteered code's", () => {
    const model = fakeLinear(m, c, [[2.5, 0.5]]);
    // code [1.5, 1] with neuron 1 suppressed (factor 0) -> [1.5]
    const ops: SteerOp[] = [{ kind: "suppress", neurons: [1], factor: 0 }];
    const r = explainItems(model, handSae("none"), oneUser(3), Int32Array.of(0), { steer: ops });
    const [a] = r.items;
    expect(a.neurons).toEqual([{ neuron: 0, activation: 1.5, contribution: 1.5 }]);
    expect(a.error).toBeCloseTo(0.5, 6); // e = z - D(unsteered code), added back
    // the served score: z + D(code') - D(code) = [2.5, 0.5] - [0, 1] = [2.5, -0.5] -> 2.5 - 1 + 0.1
    expect(a.score).toBeCloseTo(1.6, 6);
    expect(partsSum(a)).toBeCloseTo(1.6, 6);
  });
});

describe("splitReconstruction", () => {
  it("parts and bias sum to the SAE's own decode (dataset normalisation, trained-size SAE)", () => {
    const sae = new SparseAutoencoder(makeSaeConfig("topk", 6, 12, { k: 3, normalisation: "dataset" }), 4);
    const x = new Matrix(20, 6);
    new Rng(2).fillNormal(x.data, 1, 2);
    sae.initialise(x);
    const code = sae.encode(x);
    const dec = sae.decode(code);
    for (const r of [0, 7, 19]) {
      const s = splitReconstruction(sae, code, r);
      expect(s.neurons.length).toBe(3);
      for (let c = 0; c < 6; c++) expect(s.reconstruction[c]).toBeCloseTo(dec.get(r, c), 5);
    }
  });

  it("a latent held twice by an edited code counts once with the summed activation", () => {
    const sae = handSae("none");
    const code: SparseCode = {
      rows: 1,
      dSae: 2,
      indptr: Int32Array.of(0, 2),
      indices: Int32Array.of(0, 0),
      values: Float32Array.of(1, 2),
    };
    const s = splitReconstruction(sae, code, 0);
    expect(Array.from(s.neurons)).toEqual([0]);
    expect(Array.from(s.activations)).toEqual([3]);
    expect(Array.from(s.reconstruction)).toEqual([3.5, -0.5]);
  });
});

/** Tiny data: 40 users walking i -> i + 1 over 24 items (sequences and the same rows as a matrix). */
function tinyData(): { train: Csr; seqs: Int32Array[] } {
  const rng = new Rng(9);
  const seqs = Array.from({ length: 40 }, () => {
    const start = rng.int(24);
    return Int32Array.from({ length: 5 + rng.int(6) }, (_, t) => (start + t) % 24);
  });
  const r: number[] = [];
  const c: number[] = [];
  seqs.forEach((s, u) => s.forEach((i) => (r.push(u), c.push(i))));
  return { train: Csr.fromTriplets(40, 24, r, c), seqs };
}

const MODELS: Record<string, Record<string, unknown>> = {
  elsa: { dim: 8, epochs: 3, batchSize: 16 },
  mf: { dim: 8, epochs: 3, batchSize: 64 },
  sasrec: { dim: 8, blocks: 1, maxLen: 6, epochs: 2, batchSize: 16, dropout: 0.1 },
  multvae: { dim: 8, hidden: 16, epochs: 3, batchSize: 16 },
  ncf: { gmfDim: 4, mlpDim: 4, layers: [8, 4], epochs: 1, batchSize: 256 },
};

describe("explainItems on trained models (tiny data)", () => {
  const data = tinyData();
  const fitted = new Map<string, Recommender>();
  beforeAll(async () => {
    for (const [name, cfg] of Object.entries(MODELS)) {
      const model = createModel(name, cfg);
      await model.fit(data.train, { rng: new Rng(3), sequences: data.seqs });
      fitted.set(name, model);
    }
  });

  const batchOf = (u: number): UserBatch => ({
    rows: data.train.gatherRows([u]),
    userIds: Int32Array.of(u),
    sequences: [data.seqs[u]],
  });

  function saeFor(model: Recommender, normalisation: NormalisationKind): SparseAutoencoder {
    const ids = Int32Array.from({ length: 40 }, (_, u) => u);
    const z = model.encodeUsers({ rows: data.train, userIds: ids, sequences: data.seqs });
    const sae = new SparseAutoencoder(
      makeSaeConfig("topk", model.dim, 16, { k: 4, normalisation, bDecInit: "mean" }),
      5,
    );
    sae.initialise(z);
    return sae;
  }

  const cases: [string, NormalisationKind][] = [
    ["elsa", "per-sample"],
    ["elsa", "dataset"],
    ["mf", "none"],
    ["mf", "per-sample"],
    ["sasrec", "dataset"],
    ["sasrec", "per-sample"],
  ];
  for (const [name, norm] of cases) {
    it(`${name} (${norm} normalisation): the parts sum to the served score to 1e-4 relative, steered or not`, () => {
      const model = fitted.get(name) as Recommender;
      const sae = saeFor(model, norm);
      const items = Int32Array.from({ length: 24 }, (_, i) => i);
      for (const u of [0, 11, 27]) {
        const batch = batchOf(u);
        const nested = new NestedRecommender(model, sae);
        const enc = nested.encodeWithError(batch);
        const served = model.scoreUsers(batch); // unsteered with the error added back: the model itself
        const top = enc.code.indices[enc.code.indptr[0]];
        for (const steer of [
          undefined,
          [{ kind: "boost", knobs: [{ neuron: (top + 5) % 16, alpha: 0.4 }] }],
        ]) {
          const ops = steer as SteerOp[] | undefined;
          const r = explainItems(model, sae, batch, items, ops ? { steer: ops } : {});
          const want = ops ? nested.scoresFromCode(r.code, batch, { addError: enc }) : served;
          for (const s of r.items) {
            expect(s.method).toBe("exact");
            expect(s.nonLinear).toBe(0);
            expect(s.score).toBe(want.get(0, s.item));
            const tol = 1e-4 * Math.max(Math.abs(s.score), 1e-3);
            expect(Math.abs(partsSum(s) - s.score), `user ${u} item ${s.item}`).toBeLessThanOrEqual(tol);
          }
          if (ops) expect(r.items[0].neurons.some((n) => n.neuron === (top + 5) % 16)).toBe(true);
        }
        // the error term is the item's row dotted with z - D_s(E_s(z)) of the unsteered code
        const e = NestedRecommender.reconstructionError(enc);
        const m = model.encodeItems ? model.encodeItems() : null;
        if (m) {
          const [s] = explainItems(model, sae, batch, Int32Array.of(3)).items;
          let want = 0;
          for (let c = 0; c < model.dim; c++) want += m.get(3, c) * e.get(0, c);
          expect(s.error).toBeCloseTo(want, 4);
        }
      }
    });
  }

  it("multvae: gradient x activation matches finite differences of the served score, per neuron and along the code", () => {
    const model = fitted.get("multvae") as Recommender;
    const sae = saeFor(model, "per-sample");
    const nested = new NestedRecommender(model, sae);
    const items = Int32Array.of(0, 5, 13);
    for (const u of [2, 19]) {
      const batch = batchOf(u);
      const enc = nested.encodeWithError(batch);
      const r = explainItems(model, sae, batch, items);
      const scaled = (f: (j: number) => number): Matrix => {
        const code: SparseCode = {
          ...enc.code,
          values: enc.code.values.map((v, p) => v * f(enc.code.indices[p])),
        };
        return nested.scoresFromCode(code, batch, { addError: enc });
      };
      const h = 1e-2;
      for (const [t, s] of r.items.entries()) {
        const i = items[t];
        expect(s.method).toBe("gradient");
        expect(partsSum(s)).toBeCloseTo(s.score, 5);
        // directional derivative along the code: d/dt score(code (1 + t)) = sum_j contribution_j
        const dir = (scaled(() => 1 + h).get(0, i) - scaled(() => 1 - h).get(0, i)) / (2 * h);
        const total = s.neurons.reduce((a, n) => a + n.contribution, 0);
        expect(Math.abs(dir - total), `user ${u} item ${i}: ${dir} vs ${total}`).toBeLessThan(
          2e-3 + 1e-2 * Math.abs(total),
        );
        for (const n of s.neurons) {
          const fd =
            (scaled((j) => (j === n.neuron ? 1 + h : 1)).get(0, i) -
              scaled((j) => (j === n.neuron ? 1 - h : 1)).get(0, i)) /
            (2 * h);
          expect(Math.abs(fd - n.contribution), `neuron ${n.neuron}`).toBeLessThan(
            2e-3 + 1e-2 * Math.abs(n.contribution),
          );
        }
      }
    }
  });

  it("ncf's MLP head is neither affine nor MultVAE's: Unavailable, naming the model", () => {
    const model = fitted.get("ncf") as Recommender;
    const sae = saeFor(model, "none");
    let err: unknown;
    try {
      explainItems(model, sae, batchOf(0), Int32Array.of(1));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Unavailable);
    expect((err as Error).message).toContain("ncf's is neither");
  });
});
