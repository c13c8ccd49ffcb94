import { beforeAll, describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import type { Matrix } from "../tensor/matrix.js";
import { calibrateStrength, type StrengthCalibration } from "./calibration.js";
import { evaluateOperators } from "./operators-eval.js";
import { plantedWorld, type PlantedWorld } from "./testing.js";

/** The direction and personal operators against the single-neuron shift on planted segments. */
let w: PlantedWorld;
let itemTags: Csr;
let cal: StrengthCalibration;
let z: Matrix;
const STRENGTHS = [0, 0.25, 0.5, 1];

beforeAll(async () => {
  w = await plantedWorld();
  const items = w.dataset.items.length;
  itemTags = Csr.fromTriplets(
    items,
    4,
    Array.from({ length: items }, (_, i) => i),
    Array.from(w.truth.itemConcept),
  );
  cal = calibrateStrength(w.model, w.sae, { foldIn: w.split.train, target: w.split.train }, w.conceptNeuron, {
    k: 10,
    maxUsers: 120,
  });
  const oneHot = Csr.fromTriplets(
    items,
    items,
    Array.from({ length: items }, (_, i) => i),
    Array.from({ length: items }, (_, i) => i),
  );
  z = w.sae.encodeDense(w.model.encodeUsers({ rows: oneHot }));
});

describe("direction and personal operators", () => {
  it("a one-neuron direction is the shift, and the personal share 0 is the direction, point for point", () => {
    const one = (t: number) => [{ neuron: w.conceptNeuron[t], weight: 1 }];
    const r = evaluateOperators(w.model, w.sae, w.split.test, itemTags, w.conceptNeuron, {
      operators: ["shift", "direction", "personal"],
      k: 10,
      strengths: STRENGTHS,
      calibration: cal,
      itemActivations: z,
      tagToDirection: one,
      personal: { pool: 30, m: 5, knob: "direction", mix: 0 },
    });
    const [shift, direction, personal] = r.curves;
    expect(direction.points).toEqual(shift.points);
    expect(personal.points).toEqual(shift.points);
    // and the shift does move the planted segment
    expect(shift.points[3].share.mean).toBeGreaterThan(shift.points[0].share.mean + 0.3);
  });

  it("the personal shift starts from the model's list and pulls the segment in", () => {
    const r = evaluateOperators(w.model, w.sae, w.split.test, itemTags, w.conceptNeuron, {
      operators: ["k2k", "personal"],
      k: 10,
      strengths: STRENGTHS,
      calibration: cal,
      itemActivations: z,
      personal: { pool: 30, m: 5, knob: "neuron", mix: 0.5 },
    });
    const [k2k, personal] = r.curves;
    expect(personal.points[0]).toEqual(k2k.points[0]);
    for (let q = 1; q < STRENGTHS.length; q++)
      expect(personal.points[q].share.mean).toBeGreaterThanOrEqual(personal.points[q - 1].share.mean);
    expect(personal.points[3].share.mean).toBeGreaterThan(personal.points[0].share.mean + 0.2);
  });
});
