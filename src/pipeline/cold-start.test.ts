import { beforeAll, describe, expect, it } from "vitest";
import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import { Matrix } from "../tensor/matrix.js";
import { coldStart, coldStartCode, codeReference } from "./cold-start.js";

/**
 * A hand-checkable nested model: SAE decoder rows W_dec = [[1,0],[0,1],[1,1]], b_dec = [0.1, 0];
 * a linear recommender whose item vectors are V = [[1,0],[0,1],[2,-1]] (scores = rep . V^T).
 */
const W_DEC = [
  [1, 0],
  [0, 1],
  [1, 1],
];
const B_DEC = [0.1, 0];
const V = [
  [1, 0],
  [0, 1],
  [2, -1],
];
const tinySae = {
  dIn: 2,
  dSae: 3,
  decode(code: SparseCode): Matrix {
    const out = new Matrix(code.rows, 2);
    for (let r = 0; r < code.rows; r++)
      for (let c = 0; c < 2; c++) {
        let s = B_DEC[c];
        for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++)
          s += code.values[p] * W_DEC[code.indices[p]][c];
        out.data[r * 2 + c] = s;
      }
    return out;
  },
} as unknown as Sae;
const tinyModel = {
  nItems: 3,
  dim: 2,
  decode(z: Matrix): Matrix {
    const out = new Matrix(z.rows, 3);
    for (let r = 0; r < z.rows; r++)
      for (let i = 0; i < 3; i++) out.data[r * 3 + i] = z.data[r * 2] * V[i][0] + z.data[r * 2 + 1] * V[i][1];
    return out;
  },
} as unknown as Recommender;

describe("cold start (hand-computed)", () => {
  it("decodes the knobs at strength x typical level and ranks by the recommender's decoder", () => {
    // neuron 2 at strength 0.5 x level 2 = 1: rep = b_dec + W_dec[2] = [1.1, 1]; scores [1.1, 1, 1.2]
    const r = coldStart(tinyModel, tinySae, { knobs: [{ neuron: 2, strength: 0.5 }], n: 3 }, () => 2);
    expect(Array.from(r.items)).toEqual([2, 0, 1]);
    expect(r.scores[0]).toBeCloseTo(1.2, 6);
    expect(r.scores[1]).toBeCloseTo(1.1, 6);
    expect(r.scores[2]).toBeCloseTo(1.0, 6);
    expect(r.code).toEqual([{ neuron: 2, activation: 1 }]);
  });

  it("adds knobs: neuron 1 at 1 x 3 plus neuron 0 at 0.2 x 1 gives rep [0.3, 3], scores [0.3, 3, -2.4]", () => {
    const levels = [1, 3, 5];
    const r = coldStart(
      tinyModel,
      tinySae,
      {
        knobs: [
          { neuron: 1, strength: 1 },
          { neuron: 0, strength: 0.2 },
        ],
        n: 2,
      },
      (j) => levels[j],
    );
    expect(Array.from(r.items)).toEqual([1, 0]);
    expect(r.scores[0]).toBeCloseTo(3, 6);
    expect(r.scores[1]).toBeCloseTo(0.3, 6);
    expect(r.code[0].activation).toBeCloseTo(3, 6);
    expect(r.code[1].activation).toBeCloseTo(0.2, 6);
  });

  it("rejects no knobs, repeats, strengths outside (0, 1], ids out of range and neurons that never fire", () => {
    const run = (knobs: { neuron: number; strength: number }[], level = 1): unknown =>
      coldStart(tinyModel, tinySae, { knobs, n: 2 }, () => level);
    expect(() => run([])).toThrow(/at least one knob/);
    expect(() => run([{ neuron: 3, strength: 1 }])).toThrow(/neuron 3 out of range \[0, 3\)/);
    expect(() =>
      run([
        { neuron: 1, strength: 1 },
        { neuron: 1, strength: 0.5 },
      ]),
    ).toThrow(/appears twice/);
    expect(() => run([{ neuron: 1, strength: 0 }])).toThrow(
      /strength of neuron 1 must be in \(0, 1\], got 0/,
    );
    expect(() => run([{ neuron: 1, strength: 1.5 }])).toThrow(BadInput);
    expect(() => run([{ neuron: 1, strength: 1 }], 0)).toThrow(/never fires/);
    expect(() =>
      coldStart(tinyModel, tinySae, { knobs: [{ neuron: 1, strength: 1 }], n: 0 }, () => 1),
    ).toThrow(/n must be a positive integer/);
  });

  it("stores the code with neurons ascending and the reference statistics", () => {
    const code = coldStartCode(
      tinySae,
      [
        { neuron: 2, strength: 1 },
        { neuron: 0, strength: 0.5 },
      ],
      () => 4,
      { rowMean: 0.5, rowScale: 2 },
    );
    expect(Array.from(code.indices)).toEqual([0, 2]);
    expect(Array.from(code.values)).toEqual([2, 4]);
    expect(Array.from(code.rowMean ?? [])).toEqual([0.5]);
    expect(Array.from(code.rowScale ?? [])).toEqual([2]);
  });

  it("takes the median per-sample statistics as the reference", () => {
    const codes = {
      rows: 3,
      dSae: 3,
      indptr: new Int32Array(4),
      indices: new Int32Array(0),
      values: new Float32Array(0),
      rowMean: Float32Array.of(3, 1, 2),
      rowScale: Float32Array.of(0.5, 4, 1),
    };
    expect(codeReference(codes)).toEqual({ rowMean: 2, rowScale: 1 });
    expect(codeReference({ ...codes, rowMean: undefined })).toBeUndefined();
  });
});

describe("cold start on the planted world", () => {
  let w: PlantedWorld;
  beforeAll(async () => {
    w = await plantedWorld({ seed: 1 });
  });

  it("boosting concept c's neuron alone recommends concept c's items", () => {
    const concepts = w.conceptNeuron.length;
    for (let c = 0; c < concepts; c++) {
      const j = w.conceptNeuron[c];
      const level = (n: number): number => w.conceptActivation.get(c, n);
      const r = coldStart(w.model, w.sae, { knobs: [{ neuron: j, strength: 1 }], n: 10 }, level);
      const inConcept = Array.from(r.items).filter((i) => w.truth.itemConcept[i] === c).length;
      expect(inConcept).toBeGreaterThanOrEqual(9);
      for (const s of r.scores) expect(Number.isFinite(s)).toBe(true);
    }
  });
});
