import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { codeFromDense, codeToDense } from "./code.js";
import { Grouping, decodeBackward, decodeInto, encoderBackward } from "./sparse-ops.js";

function sparseRandom(rows: number, cols: number, density: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const m = new Matrix(rows, cols);
  for (let t = 0; t < m.data.length; t++) if (rng.uniform() < density) m.data[t] = rng.uniform() + 0.1;
  return m;
}

function naiveMatmul(a: Matrix, b: Matrix, transA = false): Matrix {
  const A = transA ? a.transpose() : a;
  const out = new Matrix(A.rows, b.cols);
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let p = 0; p < A.cols; p++) s += A.get(i, p) * b.get(p, j);
      out.set(i, j, s);
    }
  return out;
}

function close(a: Matrix | Float32Array, b: Matrix | Float32Array): void {
  const x = a instanceof Matrix ? a.data : a;
  const y = b instanceof Matrix ? b.data : b;
  expect(x.length).toBe(y.length);
  for (let t = 0; t < x.length; t++) expect(x[t]).toBeCloseTo(y[t], 4);
}

describe("sparse products (sparse and dense paths against a naive oracle)", () => {
  const z = sparseRandom(7, 12, 0.3, 1);
  const code = codeFromDense(z);
  const w = new Matrix(12, 5);
  new Rng(2).fillNormal(w.data);
  const grouping = new Grouping([0, 3, 8, 12]);

  for (const dense of [false, true]) {
    it(`decodeInto splits the product by latent group (${dense ? "dense" : "sparse"})`, () => {
      const outs = [0, 1, 2].map(() => new Matrix(7, 5));
      decodeInto(code, w, grouping, outs, dense);
      for (let g = 0; g < 3; g++) {
        const zg = new Matrix(7, 12);
        for (let r = 0; r < 7; r++)
          for (let j = grouping.bounds[g]; j < grouping.bounds[g + 1]; j++) zg.set(r, j, z.get(r, j));
        close(outs[g], naiveMatmul(zg, w));
      }
    });

    it(`decodeBackward gives Z_g^T G_g and <G_g, W_j> on the support (${dense ? "dense" : "sparse"})`, () => {
      const gs = [0, 1, 2].map((g) => {
        const m = new Matrix(7, 5);
        new Rng(10 + g).fillNormal(m.data);
        return m;
      });
      const dW = new Matrix(12, 5);
      const dVals = new Float32Array(code.values.length);
      decodeBackward(code, w, grouping, gs, dW, dVals, dense);
      const expectW = new Matrix(12, 5);
      const expectZ = new Matrix(7, 12);
      for (let j = 0; j < 12; j++) {
        const g = grouping.groupOf[j];
        for (let r = 0; r < 7; r++) {
          let s = 0;
          for (let c = 0; c < 5; c++) {
            expectW.data[j * 5 + c] += z.get(r, j) * gs[g].get(r, c);
            s += gs[g].get(r, c) * w.get(j, c);
          }
          if (z.get(r, j) !== 0) expectZ.set(r, j, s);
        }
      }
      close(dW, expectW);
      const dz = codeToDense({ ...code, values: dVals });
      close(dz, expectZ);
    });

    it(`encoderBackward gives C^T dP and column sums (${dense ? "dense" : "sparse"})`, () => {
      const c = new Matrix(7, 4);
      new Rng(3).fillNormal(c.data);
      const dVals = new Float32Array(code.values.length);
      new Rng(4).fillNormal(dVals);
      const dW = new Matrix(4, 12);
      const db = new Float32Array(12);
      encoderBackward(code, dVals, c, dW, db, dense);
      const dP = codeToDense({ ...code, values: dVals });
      close(dW, naiveMatmul(c, dP, true));
      const colSums = new Float32Array(12);
      for (let r = 0; r < 7; r++) for (let j = 0; j < 12; j++) colSums[j] += dP.get(r, j);
      close(db, colSums);
    });
  }
});
