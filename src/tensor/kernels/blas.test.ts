import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { blasKernels as B } from "./blas.js";
import { loadNative } from "./native.js";
import { referenceKernels as R } from "./reference.js";
import { absMatrix, expectWithin, randomCsr, randomMatrix } from "./test-utils/random.js";

const load = loadNative();
const title = load.ok ? "blas kernels vs reference" : `blas kernels vs reference (SKIPPED: ${load.reason})`;
if (!load.ok)
  console.warn(
    `blas kernel tests skipped: ${load.reason} (${load.path}); run \`node scripts/build-native.mjs\``,
  );

/** Per-element error scale of alpha*op(A)op(B) + beta*C: |alpha| |op(A)||op(B)| + |beta| |C|. */
function gemmScale(
  ta: boolean,
  tb: boolean,
  alpha: number,
  a: Matrix,
  b: Matrix,
  beta: number,
  c0: Matrix,
): Float32Array {
  const s = absMatrix(c0);
  return R.gemm(ta, tb, Math.abs(alpha), absMatrix(a), absMatrix(b), Math.abs(beta), s).data;
}

describe.skipIf(!load.ok)(title, () => {
  const rng = new Rng(20240611);
  let threadsBefore = 1;
  beforeAll(() => {
    threadsBefore = B.threads();
    B.setThreads(2);
  });
  afterAll(() => B.setThreads(threadsBefore));

  describe("gemm", () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1],
      [1, 7, 3],
      [5, 1, 9],
      [3, 4, 1],
      [17, 13, 29],
      [64, 33, 65],
      [2, 200, 3],
      [130, 70, 90],
    ];
    const coefs: [number, number][] = [
      [1, 0],
      [0.5, 1],
      [-2.3, -0.7],
    ];
    for (const [m, n, k] of shapes) {
      it(`${m}x${k} by ${k}x${n}, all transposes, alpha/beta`, () => {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            for (const [alpha, beta] of coefs) {
              const a = randomMatrix(rng, ta ? k : m, ta ? m : k);
              const b = randomMatrix(rng, tb ? n : k, tb ? k : n);
              const c0 = randomMatrix(rng, m, n);
              const want = R.gemm(ta, tb, alpha, a, b, beta, c0.clone());
              const got = B.gemm(ta, tb, alpha, a, b, beta, c0.clone());
              const label = `ta=${ta} tb=${tb} alpha=${alpha} beta=${beta}`;
              expectWithin(got.data, want.data, gemmScale(ta, tb, alpha, a, b, beta, c0), 1e-5, 1e-30, label);
            }
          }
        }
      });
    }

    it("empty dimensions: m = 0, n = 0 and k = 0 (C = beta C)", () => {
      for (const [m, n, k] of [
        [0, 3, 2],
        [3, 0, 2],
        [3, 2, 0],
      ]) {
        const a = randomMatrix(rng, m, k);
        const b = randomMatrix(rng, k, n);
        const c0 = randomMatrix(rng, m, n);
        const got = B.gemm(false, false, 1.5, a, b, 0.5, c0.clone());
        expectWithin(
          got.data,
          R.gemm(false, false, 1.5, a, b, 0.5, c0.clone()).data,
          0,
          0,
          1e-7,
          `${m}x${n}x${k}`,
        );
      }
      const c = Matrix.full(2, 2, Number.NaN);
      expect(Array.from(B.gemm(false, false, 1, new Matrix(2, 0), new Matrix(0, 2), 0, c).data)).toEqual([
        0, 0, 0, 0,
      ]);
    });

    it("reads row-range views at their offset and gives the same result on 1 and 2 threads", () => {
      const big = randomMatrix(rng, 300, 150);
      const a = big.rowRange(7, 207);
      const b = randomMatrix(rng, 150, 170);
      const want = R.gemm(false, false, 1, a, b, 0, new Matrix(200, 170));
      const scale = gemmScale(false, false, 1, a, b, 0, new Matrix(200, 170));
      for (const t of [1, 2]) {
        B.setThreads(t);
        expect(B.threads()).toBe(t);
        expectWithin(
          B.gemm(false, false, 1, a, b, 0, new Matrix(200, 170)).data,
          want.data,
          scale,
          1e-5,
          0,
          `threads=${t}`,
        );
      }
      B.setThreads(2);
    });
  });

  describe("sparse products against gemm on the dense copy", () => {
    const cases: [number, number, number, number][] = [
      [1, 1, 1, 1],
      [7, 5, 3, 0.4],
      [50, 40, 17, 0.1],
      [3, 300, 1, 0.3],
      [300, 200, 48, 0.1],
    ];
    const coefs: [number, number][] = [
      [1, 0],
      [-1.5, 0.25],
    ];
    for (const [rows, cols, n, density] of cases) {
      it(`${rows}x${cols} sparse (density ${density}) with ${n} dense columns`, () => {
        const s = randomCsr(rng, rows, cols, density, rows > 2 ? [1] : []);
        const dense = s.toDense();
        for (const K of [R, B]) {
          for (const [alpha, beta] of coefs) {
            const label = `${K.name} alpha=${alpha} beta=${beta}`;
            const b = randomMatrix(rng, cols, n);
            const c0 = randomMatrix(rng, rows, n);
            expectWithin(
              K.csrMm(s, b, c0.clone(), alpha, beta).data,
              R.gemm(false, false, alpha, dense, b, beta, c0.clone()).data,
              gemmScale(false, false, alpha, dense, b, beta, c0),
              1e-5,
              1e-30,
              `csrMm ${label}`,
            );
            const bt = randomMatrix(rng, rows, n);
            const ct = randomMatrix(rng, cols, n);
            expectWithin(
              K.csrTMm(s, bt, ct.clone(), alpha, beta).data,
              R.gemm(true, false, alpha, dense, bt, beta, ct.clone()).data,
              gemmScale(true, false, alpha, dense, bt, beta, ct),
              1e-5,
              1e-30,
              `csrTMm ${label}`,
            );
          }
          // denseCsrT with enough dense rows to be split across threads, and a count not divisible by 4.
          const d = randomMatrix(rng, Math.max(3, Math.min(70, 2 * n + 3)), cols);
          const zero = new Matrix(d.rows, rows);
          expectWithin(
            K.denseCsrT(d, s).data,
            R.gemm(false, true, 1, d, dense, 0, zero.clone()).data,
            gemmScale(false, true, 1, d, dense, 0, zero),
            1e-5,
            1e-30,
            `denseCsrT ${K.name}`,
          );
        }
      });
    }

    it("scaleRows and projectRows match the reference on a threaded size, also in place", () => {
      const g = randomMatrix(rng, 500, 300);
      const a = randomMatrix(rng, 500, 300);
      const s = new Float32Array(500).map(() => rng.normal());
      expectWithin(
        B.scaleRows(g, s).data,
        R.scaleRows(g, s).data,
        R.scaleRows(absMatrix(g), s.map(Math.abs)).data,
        1e-6,
        1e-30,
        "scaleRows",
      );
      const want = R.projectRows(g, a, s);
      const inPlace = g.clone();
      B.projectRows(inPlace, a, s, inPlace);
      const rel = want.data.reduce(
        (m, v, t) => Math.max(m, Math.abs(v - inPlace.data[t]) / (1 + Math.abs(v))),
        0,
      );
      expect(rel).toBeLessThan(1e-4);
    });

    it("csrGram equals the dense A^T A, for weighted rows and for a threaded size", () => {
      for (const [rows, cols, density] of [
        [6, 4, 0.5],
        [400, 300, 0.05],
      ] as const) {
        const s = randomCsr(rng, rows, cols, density, [2]);
        const dense = s.toDense();
        const want = R.gemm(true, false, 1, dense, dense, 0, new Matrix(cols, cols));
        const scale = R.gemm(true, false, 1, absMatrix(dense), absMatrix(dense), 0, new Matrix(cols, cols));
        for (const K of [R, B])
          expectWithin(K.csrGram(s).data, want.data, scale.data, 1e-5, 1e-30, `csrGram ${K.name}`);
      }
      const bad = new Csr(1, 2, new Int32Array([0, 1]), new Int32Array([2]), new Float32Array([1]));
      expect(() => B.csrGram(bad)).toThrow(
        /csrGram: column index 2 at position 0 \(row 0\) out of range \[0, 2\)/,
      );
    });

    it("denseCsrT on a large dense operand (threaded transposes) matches the reference", () => {
      const s = randomCsr(rng, 40, 1000, 0.02, [3]);
      const d = randomMatrix(rng, 300, 1000);
      const want = R.denseCsrT(d, s);
      const scale = R.denseCsrT(
        absMatrix(d),
        new Csr(s.rows, s.cols, s.indptr, s.indices, s.values.map(Math.abs)),
      );
      expectWithin(B.denseCsrT(d, s).data, want.data, scale.data, 1e-5, 1e-30, "denseCsrT 300x1000");
    });

    it("accepts row-range views of a Csr and rejects out-of-range column indices", () => {
      const s = randomCsr(rng, 40, 30, 0.2);
      const part = s.rowRange(10, 25);
      const b = randomMatrix(rng, 30, 9);
      const want = R.gemm(false, false, 1, part.toDense(), b, 0, new Matrix(15, 9));
      expectWithin(
        B.csrMm(part, b).data,
        want.data,
        gemmScale(false, false, 1, part.toDense(), b, 0, want),
        1e-5,
        1e-30,
      );
      const bad = new Csr(2, 3, new Int32Array([0, 1, 2]), new Int32Array([0, 5]), new Float32Array([1, 1]));
      expect(() => B.csrMm(bad, new Matrix(3, 2))).toThrow(
        /csrMm: column index 5 at position 1 \(row 1\) out of range \[0, 3\)/,
      );
    });
  });
});
