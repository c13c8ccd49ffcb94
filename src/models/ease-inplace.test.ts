import { describe, expect, it } from "vitest";
import { kernels } from "../tensor/backend.js";
import { Matrix } from "../tensor/matrix.js";
import { referenceKernels } from "../tensor/kernels/reference.js";
import { easeWeights, gramMatrix } from "./ease.js";
import { randomCsr } from "./testing.js";

/** The EASE weights as computed before the in-place inverse: P = spdInverse(G) in a second buffer. */
function easeWeightsOutOfPlace(g: Matrix, lambda: number, inverse: (a: Matrix) => Matrix): Matrix {
  const n = g.rows;
  const gl = g.clone();
  for (let i = 0; i < n; i++) gl.data[i * n + i] += lambda;
  const p = inverse(gl);
  const b = new Matrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) b.data[i * n + j] = i === j ? 0 : -p.data[i * n + j] / p.data[j * n + j];
  return b;
}

describe("EASE with the in-place inverse", () => {
  it("equals the out-of-place implementation (active backend and float64 reference) to 1e-4", () => {
    const x = randomCsr(200, 80, 0.1, 5);
    for (const lambda of [0.5, 10, 500]) {
      const got = easeWeights(x, lambda);
      const g = gramMatrix(x);
      for (const inverse of [
        (a: Matrix) => kernels().spdInverse(a),
        (a: Matrix) => referenceKernels.spdInverse(a),
      ]) {
        const want = easeWeightsOutOfPlace(g, lambda, inverse);
        let worst = 0;
        for (let t = 0; t < want.data.length; t++)
          worst = Math.max(worst, Math.abs(got.data[t] - want.data[t]));
        expect(worst).toBeLessThan(1e-4);
      }
      for (let i = 0; i < got.rows; i++) expect(got.get(i, i)).toBe(0);
    }
  });

  it("inverts the Gram matrix in its own buffer (no n x n copy handed back)", () => {
    const x = randomCsr(50, 20, 0.3, 9);
    const g = gramMatrix(x);
    for (let i = 0; i < 20; i++) g.data[i * 20 + i] += 1;
    const want = referenceKernels.spdInverse(g);
    const same = kernels().spdInverseInPlace(g);
    expect(same).toBe(g);
    for (let t = 0; t < want.data.length; t++) expect(g.data[t]).toBeCloseTo(want.data[t], 4);
  });
});
