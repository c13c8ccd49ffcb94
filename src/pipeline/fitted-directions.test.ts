import { beforeAll, describe, expect, it } from "vitest";
import { plantedWorld, type PlantedWorld } from "../steer/testing.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { fittedConceptDirections, itemResponse } from "./fitted-directions.js";
import { linearItemMatrix } from "./linear-decoder.js";

/** Fitted concept directions on the planted steering world (ELSA, 4 concepts of 30 items each). */
let w: PlantedWorld;
let z: Matrix;
let concepts: Csr;
const ITEMS = 120;

beforeAll(async () => {
  w = await plantedWorld();
  const oneHot = Csr.fromTriplets(
    ITEMS,
    ITEMS,
    Array.from({ length: ITEMS }, (_, i) => i),
    Array.from({ length: ITEMS }, (_, i) => i),
  );
  z = w.sae.encodeDense(w.model.encodeUsers({ rows: oneHot }));
  concepts = Csr.fromTriplets(
    ITEMS,
    4,
    Array.from({ length: ITEMS }, (_, i) => i),
    Array.from(w.truth.itemConcept),
  );
});

describe("itemResponse", () => {
  it("ELSA's Jacobian is its item matrix, and a basis row is the latent's decoder row", () => {
    const at = new Float32Array(w.model.dim).fill(0.1);
    const r = itemResponse(w.model, w.sae, at, Int32Array.from([0, 3]));
    const a = linearItemMatrix(w.model);
    let err = 0;
    let big = 0;
    for (let t = 0; t < a.data.length; t++) {
      err = Math.max(err, Math.abs(r.jacobian.data[t] - a.data[t]));
      big = Math.max(big, Math.abs(a.data[t]));
    }
    expect(err).toBeLessThan(1e-3 * big);
    // decoding a code with 2 on latent 3 moves the representation by 2 * basis row 1
    const code = (v: number) => ({
      rows: 1,
      dSae: w.sae.dSae,
      indptr: Int32Array.from([0, v > 0 ? 1 : 0]),
      indices: Int32Array.from(v > 0 ? [3] : []),
      values: Float32Array.from(v > 0 ? [v] : []),
    });
    const moved = w.sae.decode(code(2)).row(0);
    const still = w.sae.decode(code(0)).row(0);
    for (let j = 0; j < w.model.dim; j++) expect(moved[j] - still[j]).toBeCloseTo(2 * r.basis.get(1, j), 5);
  });
});

describe("fittedConceptDirections", () => {
  it("each planted concept's fitted shift ranks its own items first (>= 90% of the top 30 by score change)", () => {
    const fam = { kind: "planted", names: ["c0", "c1", "c2", "c3"], matrix: concepts };
    const reps = w.model.encodeUsers({ rows: w.split.train });
    const fitted = fittedConceptDirections(w.model, w.sae, reps, z, w.split.train, [fam], {
      // single items are off the users' distribution for ELSA: few latents fire on them, so all are candidates
      candidates: Int32Array.from({ length: w.sae.dSae }, (_, j) => j),
      fit: { maxNeurons: 8 },
    });
    expect(fitted.size).toBe(4);
    const at = new Float32Array(w.model.dim);
    for (let r = 0; r < reps.rows; r++)
      for (let j = 0; j < reps.cols; j++) at[j] += reps.get(r, j) / reps.rows;
    for (let c = 0; c < 4; c++) {
      const f = fitted.get(`planted\u0000${c}`);
      expect(f).toBeDefined();
      const dir = f?.direction ?? [];
      expect(dir.reduce((s, d) => s + d.weight, 0)).toBeCloseTo(1, 6);
      expect(f?.r2 ?? 0).toBeGreaterThan(0.3);
      // the decoded change of a shift along the direction, through the real SAE and model
      const shifted = new Matrix(2, w.model.dim);
      shifted.row(0).set(at);
      shifted.row(1).set(at);
      const unit = itemResponse(w.model, w.sae, at, Int32Array.from(dir.map((d) => d.neuron)));
      for (let q = 0; q < dir.length; q++)
        for (let j = 0; j < w.model.dim; j++)
          shifted.data[w.model.dim + j] += dir[q].weight * unit.basis.get(q, j);
      const s = w.model.decode(shifted);
      const delta = Array.from({ length: ITEMS }, (_, i) => s.get(1, i) - s.get(0, i));
      const top = Array.from({ length: ITEMS }, (_, i) => i)
        .sort((x, y) => delta[y] - delta[x])
        .slice(0, 30);
      const own = top.filter((i) => w.truth.itemConcept[i] === c).length;
      expect(own).toBeGreaterThanOrEqual(27);
    }
  });
});
