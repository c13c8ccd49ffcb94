import { beforeAll, describe, expect, it } from "vitest";
import { createModel } from "../models/index.js";
import { randomCsr } from "../models/testing.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { CodeBuilder } from "../sae/code.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { identitySae } from "./nested-testing.js";
import { changedRows, NestedRecommender } from "./nested.js";
import type { SparseCode } from "../sae/types.js";

const ITEMS = 20;
const DIM = 6;
let model: Recommender;
let batch: UserBatch;

function topkSae(normalisation: "none" | "dataset"): SparseAutoencoder {
  const sae = new SparseAutoencoder(makeSaeConfig("topk", DIM, 12, { k: 2, normalisation }), 3);
  sae.initialise(model.encodeUsers(batch));
  return sae;
}

function hand(rows: [number, number][][], dSae = 8): SparseCode {
  const b = new CodeBuilder(rows.length, dSae);
  for (const r of rows) {
    for (const [j, v] of r) b.push(j, v);
    b.endRow();
  }
  return b.build();
}

beforeAll(async () => {
  const train = randomCsr(40, ITEMS, 0.25, 5);
  model = createModel("elsa", { dim: DIM, epochs: 3, batchSize: 16 });
  await model.fit(train, { rng: new Rng(1) });
  batch = { rows: randomCsr(5, ITEMS, 0.3, 9) };
});

describe("NestedRecommender", () => {
  it("with an identity SAE the nested scores are the original scores exactly", () => {
    const nested = new NestedRecommender(model, identitySae(DIM));
    expect(Array.from(nested.nestedScores(batch).data)).toEqual(Array.from(model.scoreUsers(batch).data));
  });

  it("a real TopK SAE changes the scores; adding the error back restores them bit for bit", () => {
    const nested = new NestedRecommender(model, topkSae("dataset"));
    const orig = model.scoreUsers(batch).data;
    const pure = nested.nestedScores(batch).data;
    let maxDiff = 0;
    for (let t = 0; t < orig.length; t++) maxDiff = Math.max(maxDiff, Math.abs(orig[t] - pure[t]));
    expect(maxDiff).toBeGreaterThan(1e-3);
    expect(Array.from(nested.nestedScores(batch, { addError: true }).data)).toEqual(Array.from(orig));
  });

  it("an edited row moves by exactly D_s(code') - D_s(code); unedited rows keep z bit for bit", () => {
    const sae = topkSae("none");
    const nested = new NestedRecommender(model, sae);
    const enc = nested.encodeWithError(batch);
    // Row 1: add 1.5 to latent 4 (decoder linear, no normalisation: the representation moves by 1.5 * atom(4)).
    const b = new CodeBuilder(enc.code.rows, enc.code.dSae);
    for (let r = 0; r < enc.code.rows; r++) {
      let had = false;
      for (let p = enc.code.indptr[r]; p < enc.code.indptr[r + 1]; p++) {
        const j = enc.code.indices[p];
        const v = enc.code.values[p] + (r === 1 && j === 4 ? 1.5 : 0);
        had ||= r === 1 && j === 4;
        b.push(j, v);
      }
      if (r === 1 && !had) b.push(4, 1.5);
      b.endRow();
    }
    const edited = b.build();
    const rep = nested.representationFromCode(edited, { addError: enc });
    const atom = sae.atom(4);
    for (let r = 0; r < rep.rows; r++) {
      for (let c = 0; c < DIM; c++) {
        if (r === 1) expect(rep.get(r, c)).toBeCloseTo(enc.z.get(r, c) + 1.5 * atom[c], 5);
        else expect(rep.get(r, c)).toBe(enc.z.get(r, c));
      }
    }
    // Same thing through the recommender's decoder (ELSA: scores = rep A^T - x).
    const scores = nested.scoresFromCode(edited, batch, { addError: enc });
    const orig = model.scoreUsers(batch);
    const a = (model.encodeItems as () => Matrix).call(model);
    for (let i = 0; i < ITEMS; i++) {
      let shift = 0;
      for (let c = 0; c < DIM; c++) shift += 1.5 * atom[c] * a.get(i, c);
      expect(scores.get(1, i)).toBeCloseTo(orig.get(1, i) + shift, 5);
      expect(scores.get(0, i)).toBe(orig.get(0, i));
    }
  });

  it("a plain error matrix gives D_s(code) + e (z up to float32 rounding)", () => {
    const nested = new NestedRecommender(model, topkSae("dataset"));
    const enc = nested.encodeWithError(batch);
    const e = NestedRecommender.reconstructionError(enc);
    expect(e.get(2, 3)).toBeCloseTo(enc.z.get(2, 3) - enc.reconstruction.get(2, 3), 7);
    const rep = nested.representationFromCode(enc.code, { addError: e });
    for (let t = 0; t < rep.data.length; t++) expect(rep.data[t]).toBeCloseTo(enc.z.data[t], 5);
  });

  it("rejects an SAE of the wrong width and codes of the wrong shape", () => {
    expect(() => new NestedRecommender(model, identitySae(DIM + 1))).toThrow(
      /SAE input width 7 does not match elsa's probing site width 6/,
    );
    const nested = new NestedRecommender(model, identitySae(DIM));
    expect(() => nested.scoresFromCode(hand([[]], DIM), batch)).toThrow(
      /code has 1 rows but the batch has 5/,
    );
    expect(() => nested.representationFromCode(hand([[]], 3))).toThrow(/dSae 3/);
  });
});

describe("changedRows", () => {
  it("compares rows as sets of (latent, value), order ignored", () => {
    const a = hand([
      [
        [1, 2],
        [3, 4],
      ],
      [[0, 1]],
      [],
      [[5, 1]],
      [
        [2, 1],
        [6, 1],
      ],
    ]);
    const b = hand([
      [
        [3, 4],
        [1, 2],
      ],
      [[0, 1.5]],
      [[7, 1]],
      [[5, 1]],
      [
        [2, 1],
        [2, 1],
      ],
    ]);
    expect(changedRows(a, a)).toEqual([]);
    // row 1: value differs, row 2: latent added, row 4: a repeated latent is not the same row
    expect(changedRows(a, b)).toEqual([1, 2, 4]);
  });

  it("per-row statistics count", () => {
    const a = { ...hand([[[1, 2]], [[1, 2]]]), rowMean: new Float32Array([0, 1]) };
    const b = { ...hand([[[1, 2]], [[1, 2]]]), rowMean: new Float32Array([0, 2]) };
    expect(changedRows(a, b)).toEqual([1]);
  });
});
