import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Ease, easeWeights, gramMatrix, reconstructionError } from "./ease.js";
import { randomCsr } from "./testing.js";
import { userBatch } from "./types.js";

describe("EASE", () => {
  it("matches the closed form worked out by hand on a 3x3 example", async () => {
    // X = [[1,1,0],[0,1,1],[1,1,1]], lambda = 1: G = X^T X + I = [[3,2,1],[2,4,2],[1,2,3]],
    // det 16, P = G^-1 = [[8,-4,0],[-4,8,-4],[0,-4,8]] / 16, B_ij = -P_ij / P_jj.
    const x = Csr.fromDense(
      Matrix.fromRows([
        [1, 1, 0],
        [0, 1, 1],
        [1, 1, 1],
      ]),
    );
    const b = easeWeights(x, 1);
    const expected = [
      [0, 0.5, 0],
      [0.5, 0, 0.5],
      [0, 0.5, 0],
    ];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(b.get(i, j)).toBeCloseTo(expected[i][j], 6);
    const model = new Ease({ lambda: 1 });
    await model.fit(x, { rng: new Rng(0) });
    // Scores of user 0 = [1,1,0] B = row0 + row1 of B = [0.5, 0.5, 0.5].
    for (const s of model.scoreUsers(userBatch(x)).row(0)) expect(s).toBeCloseTo(0.5, 6);
  });

  it("reports the reconstruction error over all users, or over evenly spaced ones beyond the cap", () => {
    const x = randomCsr(10, 6, 0.5, 4);
    const b = easeWeights(x, 2);
    const perUser = Array.from({ length: 10 }, (_, u) => {
      const row = x.toDense().row(u);
      let e = 0;
      for (let j = 0; j < 6; j++) {
        let pred = 0;
        for (let i = 0; i < 6; i++) pred += row[i] * b.get(i, j);
        e += (pred - row[j]) ** 2;
      }
      return e;
    });
    const mean = (us: number[]) => us.reduce((a, u) => a + perUser[u], 0) / us.length;
    expect(reconstructionError(x, b)).toBeCloseTo(mean([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 5);
    expect(reconstructionError(x, b, 4)).toBeCloseTo(mean([0, 2, 5, 7]), 5); // floor(t * 10 / 4)
  });

  it("computes X^T X sparsely, equal to the dense product for weighted data", () => {
    const x = randomCsr(23, 9, 0.35, 3, true);
    const g = gramMatrix(x);
    const dense = x.toDense();
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 9; j++) {
        let s = 0;
        for (let u = 0; u < 23; u++) s += dense.get(u, i) * dense.get(u, j);
        expect(g.get(i, j)).toBe(s);
      }
    }
  });

  it("satisfies the optimality conditions of the constrained ridge problem", () => {
    // min ||X - XB||^2 + lambda ||B||^2 s.t. diag(B) = 0  =>  (G + lambda I) B - G is zero off the
    // diagonal (the diagonal holds the Lagrange multipliers).
    const x = randomCsr(40, 8, 0.3, 11);
    const lambda = 2.5;
    const b = easeWeights(x, lambda);
    const dense = x.toDense();
    const n = 8;
    const g: number[][] = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let u = 0; u < dense.rows; u++) s += dense.get(u, i) * dense.get(u, j);
        return s;
      }),
    );
    for (let i = 0; i < n; i++) {
      expect(b.get(i, i)).toBe(0);
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let s = lambda * b.get(i, j);
        for (let k = 0; k < n; k++) s += g[i][k] * b.get(k, j);
        expect(Math.abs(s - g[i][j])).toBeLessThan(1e-4);
      }
    }
  });

  it("probing site is the interaction row itself and decode(z) = z B", async () => {
    const x = randomCsr(10, 6, 0.4, 5);
    const model = new Ease({ lambda: 3 });
    await model.fit(x, { rng: new Rng(1) });
    const batch = userBatch(x);
    const z = model.encodeUsers(batch);
    expect(model.dim).toBe(6);
    expect(Array.from(z.data)).toEqual(Array.from(x.toDense().data));
    const viaDecode = model.decode(z);
    const direct = model.scoreUsers(batch);
    for (let t = 0; t < direct.size; t++) expect(viaDecode.data[t]).toBeCloseTo(direct.data[t], 5);
  });
});
