import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyLabels, type LabelsDoc } from "../concepts/labels.js";
import { BadInput } from "../errors.js";
import { partBatch } from "../models/types.js";
import { calibrateStrength, type StrengthCalibration } from "../steer/calibration.js";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import type { ModelRunContext } from "./run-context.js";
import { steeringOps, steerUser, type ResolvedSpec, type Steering } from "./steering.js";
import {
  CALIBRATION_FILE,
  DIRECTION_CALIBRATION_FILE,
  ensureStrengthScales,
  scaleSteering,
  servingMapping,
  type StrengthScales,
} from "./strength-scale.js";

/** Hand-made tables: neuron 0 -> 0, 0.5 -> 1, 1 -> 3; direction 0 -> 0, 0.5 -> 2, 1 -> 5. */
const table = (a: number, b: number): StrengthCalibration =>
  ({
    table: [
      { strength: 0, amount: 0 },
      { strength: 0.5, amount: a },
      { strength: 1, amount: b },
    ],
  }) as StrengthCalibration;
const SCALES: StrengthScales = { neuron: table(1, 3), direction: table(2, 5) };
const never = (): StrengthScales => {
  throw new Error("scales must not be measured here");
};

describe("scaleSteering: one strength scale bound to the operator", () => {
  it("maps the boosts' total strength through the neuron or the direction table", () => {
    const one = scaleSteering({ boost: [{ neuron: 1, alpha: 0.3 }], suppress: [] }, "shift", () => SCALES);
    // 0.3 on the first interval: 0.3 / 0.5 * 1
    expect(one.amount).toBeCloseTo(0.6, 12);
    expect(one.operator).toBe("shift");
    const two = scaleSteering(
      {
        boost: [
          { neuron: 1, alpha: 0.3 },
          { neuron: 2, alpha: 0.45 },
        ],
        suppress: [],
      },
      "shift",
      () => SCALES,
    );
    // total 0.75 over two neurons: direction table, 2 + (0.25 / 0.5) * 3
    expect(two.amount).toBeCloseTo(3.5, 12);
    // no direction table: the neuron one, 1 + 0.5 * 2
    expect(scaleSteering(two, "shift", () => ({ neuron: SCALES.neuron })).amount).toBeCloseTo(2, 12);
    // two concept directions sharing neuron 1 merge: 0.1 + 0.15 on it; an id named twice does not
    const spec = (neurons: number[]): ResolvedSpec => ({
      field: "boost",
      spec: "x",
      ref: "x",
      by: "concept",
      neurons: neurons.map((n) => ({ neuron: n, weight: 1 / neurons.length, label: null })),
      alternatives: [],
    });
    const overlapping = {
      boost: [
        { neuron: 1, alpha: 0.1 },
        { neuron: 2, alpha: 0.1 },
        { neuron: 3, alpha: 0.15 },
        { neuron: 1, alpha: 0.15 },
      ],
      suppress: [],
    };
    const merged = scaleSteering(overlapping, "shift", () => SCALES, [spec([1, 2]), spec([3, 1])]);
    expect(merged.boost).toEqual([
      { neuron: 1, alpha: 0.25 },
      { neuron: 2, alpha: 0.1 },
      { neuron: 3, alpha: 0.15 },
    ]);
    // total 0.5 over three neurons: the direction table's 2
    expect(merged.amount).toBeCloseTo(2, 12);
    const byId = {
      boost: [
        { neuron: 1, alpha: 0.2 },
        { neuron: 1, alpha: 0.1 },
      ],
      suppress: [],
    };
    expect(scaleSteering(byId, "shift", () => SCALES, [spec([1]), spec([1])]).boost).toEqual(byId.boost);
  });

  it("strength 0 and blend never measure anything; the sum is checked", () => {
    const zero = scaleSteering({ boost: [{ neuron: 1, alpha: 0 }], suppress: [] }, "shift", never);
    expect(zero.amount).toBe(0);
    expect(steeringOps(zero)).toEqual([]);
    const blend = scaleSteering({ boost: [{ neuron: 1, alpha: 0.4 }], suppress: [] }, "blend", never);
    expect(blend).toEqual({ boost: [{ neuron: 1, alpha: 0.4 }], suppress: [], operator: "blend" });
    expect(steeringOps(blend)).toEqual([{ kind: "boost", knobs: [{ neuron: 1, alpha: 0.4 }] }]);
    const over = (): Steering =>
      scaleSteering(
        {
          boost: [
            { neuron: 1, alpha: 0.7 },
            { neuron: 2, alpha: 0.6 },
          ],
          suppress: [],
        },
        "shift",
        () => SCALES,
      );
    expect(over).toThrow(BadInput);
    expect(over).toThrow("boost: the strengths sum to 1.3, more than 1");
  });

  it("a shift splits its amount by the strength shares, after the suppressions", () => {
    // shares 0.25 / 0.375 and 0.125 / 0.375 of amount 3
    const s: Steering = {
      boost: [
        { neuron: 1, alpha: 0.25 },
        { neuron: 2, alpha: 0.125 },
      ],
      suppress: [{ neuron: 5, factor: 0 }],
      operator: "shift",
      amount: 3,
    };
    expect(steeringOps(s)).toEqual([
      { kind: "suppress", neurons: [5], factor: 0 },
      {
        kind: "shift",
        knobs: [
          { neuron: 1, amount: 2 },
          { neuron: 2, amount: 1 },
        ],
      },
    ]);
    expect(() => steeringOps({ ...s, amount: undefined })).toThrow(/needs its calibrated amount/);
  });

  it("serving resolves boosted concepts by direction under shift unless a mapping is given", () => {
    expect(servingMapping("shift")).toEqual({ boostMapping: "direction" });
    expect(servingMapping("blend")).toEqual({});
    expect(servingMapping("shift", "unique")).toEqual({ mapping: "unique" });
  });
});

describe("strength scale on planted data", () => {
  let w: PlantedWorld;
  let cal: StrengthCalibration;
  let dir: string;
  beforeAll(async () => {
    w = await plantedWorld();
    cal = calibrateStrength(
      w.model,
      w.sae,
      { foldIn: w.split.train, target: w.split.train },
      w.conceptNeuron,
      {
        k: 10,
        maxUsers: 120,
      },
    );
    dir = mkdtempSync(join(tmpdir(), "reclens-scale-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("strength 0 changes nothing; the concept's share of the list rises monotonically with strength", () => {
    const test = w.split.test;
    const users = Math.min(60, test.foldIn.rows);
    const strengths = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
    const share = strengths.map(() => 0);
    for (let u = 0; u < users; u++) {
      const batch = partBatch(test, u, u + 1);
      const c = u % 4;
      const j = w.conceptNeuron[c];
      strengths.forEach((st, q) => {
        const s = scaleSteering({ boost: [{ neuron: j, alpha: st }], suppress: [] }, "shift", () => ({
          neuron: cal,
        }));
        const r = steerUser(w.model, w.sae, batch, 10, s).result;
        if (st === 0) expect(Array.from(r.items)).toEqual(Array.from(r.unsteered.items));
        let inC = 0;
        for (const i of r.items) if (w.truth.itemConcept[i] === c) inC++;
        share[q] += inC / r.items.length / users;
      });
    }
    // measured: 0.248 0.283 0.318 0.383 0.463 0.562 0.657 0.738 0.837 0.920 1.000
    for (let q = 1; q < share.length; q++) expect(share[q]).toBeGreaterThanOrEqual(share[q - 1] - 1e-12);
    expect(share[0]).toBeCloseTo(0.248, 2);
    expect(share[5]).toBeGreaterThan(0.5);
    expect(share[share.length - 1]).toBeGreaterThan(0.95);
  });

  it("measures the calibrations once, stores them beside the SAE and reuses them", () => {
    const ctx = {
      model: w.model,
      split: {
        validation: { foldIn: w.split.test.foldIn, target: w.split.test.target },
        train: w.split.train,
      },
    } as unknown as ModelRunContext;
    const doc: LabelsDoc = {
      ...emptyLabels(w.sae.dSae),
      concepts: [
        {
          kind: "genre",
          name: "c0",
          index: 0,
          representative: w.conceptNeuron[0],
          unique: w.conceptNeuron[0],
          direction: [
            { neuron: w.conceptNeuron[0], weight: 0.5 },
            { neuron: w.conceptNeuron[1], weight: 0.5 },
          ],
        },
      ],
    };
    const z = w.sae.encodeDense(w.model.encodeUsers({ rows: w.split.train }));
    const loaded = { dir, sae: w.sae, fingerprint: "f1" };
    let zCalls = 0;
    const first = ensureStrengthScales(ctx, loaded, doc, () => (zCalls++, z));
    expect(zCalls).toBe(1);
    expect(first.direction).toBeDefined();
    const stored = JSON.parse(readFileSync(join(dir, CALIBRATION_FILE), "utf8")) as { table: unknown };
    expect(stored.table).toEqual(first.neuron.table);
    // doctor the stored tables: a second call must return them as stored (read, not measured)
    for (const f of [CALIBRATION_FILE, DIRECTION_CALIBRATION_FILE]) {
      const p = join(dir, f);
      const raw = JSON.parse(readFileSync(p, "utf8")) as { table: { strength: number; amount: number }[] };
      raw.table = raw.table.map((t) => ({ ...t, amount: t.strength * 7 }));
      writeFileSync(p, JSON.stringify(raw));
    }
    const again = ensureStrengthScales(ctx, loaded, doc, () => (zCalls++, z));
    expect(zCalls).toBe(1);
    expect(again.neuron.table[20]).toEqual({ strength: 1, amount: 7 });
    expect(again.direction?.table[10]).toEqual({ strength: 0.5, amount: 3.5 });
    // other SAE weights: measured again
    const other = ensureStrengthScales(ctx, { ...loaded, fingerprint: "f2" }, doc, () => (zCalls++, z));
    expect(zCalls).toBe(2);
    expect(other.neuron.table).toEqual(first.neuron.table);
    expect(other.direction?.table).toEqual(first.direction?.table);
  });
});
