import { beforeAll, describe, expect, it } from "vitest";
import { BadInput } from "../errors.js";
import type { Recommender } from "../models/types.js";
import type { Sae, SparseCode } from "../sae/types.js";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import type { StrengthCalibration } from "../steer/calibration.js";
import { coldStart, coldStartAmounts, coldStartCode, codeReference, measureCodeScale } from "./cold-start.js";
import { scaleSteering, type StrengthScales } from "./strength-scale.js";

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

/** A calibration table mapping strength s to amount `top` * s (linear), as strength-scale reads it. */
function linearTable(top: number): StrengthCalibration {
  return {
    version: 2,
    operator: "shift",
    measure: "changed",
    k: 20,
    dominance: 0.9,
    users: 1,
    pairs: 1,
    curve: [],
    table: [
      { strength: 0, amount: 0 },
      { strength: 0.5, amount: top / 2 },
      { strength: 1, amount: top },
    ],
  };
}
/** Single neurons: amount 2s; several neurons (direction table): amount 4s. */
const SCALES: StrengthScales = { neuron: linearTable(2), direction: linearTable(4) };
const scales = (): StrengthScales => SCALES;

describe("cold start (hand-computed)", () => {
  it("decodes the knob at its calibrated amount x typical level and ranks by the recommender's decoder", () => {
    // strength 0.25 -> amount 2 x 0.25 = 0.5; x level 2 = activation 1:
    // rep = b_dec + W_dec[2] = [1.1, 1]; scores [1.1, 1, 1.2]
    const r = coldStart(
      tinyModel,
      tinySae,
      { knobs: [{ neuron: 2, strength: 0.25 }], n: 3, scales },
      () => 2,
    );
    expect(Array.from(r.items)).toEqual([2, 0, 1]);
    expect(r.scores[0]).toBeCloseTo(1.2, 6);
    expect(r.scores[1]).toBeCloseTo(1.1, 6);
    expect(r.scores[2]).toBeCloseTo(1.0, 6);
    expect(r.amount).toBeCloseTo(0.5, 12);
    expect(r.code).toEqual([{ neuron: 2, amount: 0.5, activation: 1 }]);
  });

  it("splits the direction table's amount by strength shares: 0.4 + 0.1 -> A = 2, a = [1.6, 0.4]", () => {
    const levels = [1, 3, 5];
    const r = coldStart(
      tinyModel,
      tinySae,
      {
        knobs: [
          { neuron: 1, strength: 0.4 },
          { neuron: 0, strength: 0.1 },
        ],
        n: 2,
        scales,
      },
      (j) => levels[j],
    );
    // activations: neuron 1 at 1.6 x 3 = 4.8, neuron 0 at 0.4 x 1 = 0.4: rep [0.5, 4.8], scores [0.5, 4.8, -3.8]
    expect(r.amount).toBeCloseTo(2, 12);
    expect(r.code[0].amount).toBeCloseTo(1.6, 12);
    expect(r.code[1].amount).toBeCloseTo(0.4, 12);
    expect(r.code[0].activation).toBeCloseTo(4.8, 5);
    expect(r.code[1].activation).toBeCloseTo(0.4, 6);
    expect(Array.from(r.items)).toEqual([1, 0]);
    expect(r.scores[0]).toBeCloseTo(4.8, 5);
    expect(r.scores[1]).toBeCloseTo(0.5, 6);
  });

  it("strength 0 leaves the code empty: the decoder biases' list, the scales never asked", () => {
    const r = coldStart(
      tinyModel,
      tinySae,
      {
        knobs: [{ neuron: 1, strength: 0 }],
        n: 3,
        scales: () => {
          throw new Error("not needed");
        },
      },
      () => 0, // a dead neuron is fine at strength 0
    );
    // rep = b_dec = [0.1, 0]: scores [0.1, 0, 0.2]
    expect(Array.from(r.items)).toEqual([2, 0, 1]);
    expect(r.scores[0]).toBeCloseTo(0.2, 6);
    expect(r.scores[1]).toBeCloseTo(0.1, 6);
    expect(r.scores[2]).toBeCloseTo(0, 6);
    expect(r.amount).toBe(0);
    expect(r.code).toEqual([{ neuron: 1, amount: 0, activation: 0 }]);
  });

  it("binds the strength as the recommendation route binds a boost (scaleSteering)", () => {
    const boost = scaleSteering({ boost: [{ neuron: 2, alpha: 0.7 }], suppress: [] }, "shift", scales);
    const { amounts, amount } = coldStartAmounts([{ neuron: 2, strength: 0.7 }], scales);
    expect(amount).toBe(boost.amount);
    expect(amounts).toEqual([boost.amount]);
    expect(amount).toBeCloseTo(1.4, 12);
  });

  it("rejects no knobs, repeats, strengths outside [0, 1] or summing above 1, ids out of range and dead neurons", () => {
    const run = (knobs: { neuron: number; strength: number }[], level = 1): unknown =>
      coldStart(tinyModel, tinySae, { knobs, n: 2, scales }, () => level);
    expect(() => run([])).toThrow(/at least one knob/);
    expect(() => run([{ neuron: 3, strength: 1 }])).toThrow(/neuron 3 out of range \[0, 3\)/);
    expect(() =>
      run([
        { neuron: 1, strength: 0.5 },
        { neuron: 1, strength: 0.5 },
      ]),
    ).toThrow(/appears twice/);
    expect(() => run([{ neuron: 1, strength: -0.1 }])).toThrow(
      /strength of neuron 1 must be in \[0, 1\], got -0.1/,
    );
    expect(() => run([{ neuron: 1, strength: 1.5 }])).toThrow(BadInput);
    expect(() =>
      run([
        { neuron: 1, strength: 0.7 },
        { neuron: 0, strength: 0.6 },
      ]),
    ).toThrow(/strengths sum to 1.3, more than 1/);
    expect(() => run([{ neuron: 1, strength: 1 }], 0)).toThrow(/never fires/);
    expect(() =>
      coldStart(tinyModel, tinySae, { knobs: [{ neuron: 1, strength: 1 }], n: 0, scales }, () => 1),
    ).toThrow(/n must be a positive integer/);
  });

  it("stores the code with neurons ascending and the reference statistics", () => {
    const code = coldStartCode(
      tinySae,
      [
        { neuron: 2, strength: 0.5 },
        { neuron: 0, strength: 0.25 },
      ],
      [1, 0.5],
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
      const r = coldStart(w.model, w.sae, { knobs: [{ neuron: j, strength: 1 }], n: 10, scales }, level);
      const inConcept = Array.from(r.items).filter((i) => w.truth.itemConcept[i] === c).length;
      expect(inConcept).toBeGreaterThanOrEqual(9);
      for (const s of r.scores) expect(Number.isFinite(s)).toBe(true);
    }
  });
});

describe("code scale", () => {
  it("is the median activation mass over every batch's users (4 users: masses 3, 1 | 2, 6 -> 2.5)", () => {
    const masses = [
      [
        [1, 2],
        [1, 0],
      ],
      [
        [2, 0],
        [5, 1],
      ],
    ];
    let call = 0;
    const model = { encodeUsers: () => new Matrix(2, 1) } as unknown as Recommender;
    const sae = {
      encode(): SparseCode {
        const rows = masses[call++];
        return {
          rows: 2,
          dSae: 2,
          indptr: Int32Array.of(0, 2, 4),
          indices: Int32Array.of(0, 1, 0, 1),
          values: Float32Array.from(rows.flat()),
        };
      },
    } as unknown as Sae;
    const batch = { rows: new Csr(2, 1, new Int32Array(3), new Int32Array(0), new Float32Array(0)) };
    const s = measureCodeScale(model, sae, [batch, batch]);
    expect(s.mass).toBe(2.5);
    expect(s.reference).toBeUndefined();
    expect(measureCodeScale(model, sae, []).mass).toBe(0);
  });
});
