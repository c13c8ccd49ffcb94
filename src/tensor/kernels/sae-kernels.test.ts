import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { blasKernels as B } from "./blas.js";
import { loadNative } from "./native.js";
import { referenceKernels as R } from "./reference.js";
import { randomMatrix } from "./test-utils/random.js";

// The SAE backward kernels sddmm (sampled products on a code's support) and denseTCsr (C^T A):
// hand-computed values on the reference backend, then the native backend against the reference on
// random k-sparse codes (empty rows, k = 1, latent ranges), bit-identical across thread counts.

/** rows x cols code with exactly k distinct random columns per row (none in `emptyRows`). */
function kSparse(rng: Rng, rows: number, cols: number, k: number, emptyRows: number[] = []): Csr {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (emptyRows.includes(i)) continue;
    const picked = new Set<number>();
    while (picked.size < k) picked.add(Math.floor(rng.uniform() * cols));
    for (const j of picked) {
      r.push(i);
      c.push(j);
      v.push(rng.uniform() + 0.1);
    }
  }
  return Csr.fromTriplets(rows, cols, r, c, v);
}

function expectClose(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let t = 0; t < a.length; t++) {
    const scale = Math.max(1, Math.abs(b[t]));
    worst = Math.max(worst, Math.abs(a[t] - b[t]) / scale);
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

describe("sddmm and denseTCsr, reference backend, hand-computed", () => {
  // A = [[2, 0, 1], [0, 0, 0], [0, 3, 0]] (row 1 empty); G and W have d = 2.
  const a = Csr.fromTriplets(3, 3, [0, 0, 2], [0, 2, 1], [2, 1, 3]);
  const g = Matrix.fromRows([
    [1, 2],
    [5, 5],
    [-1, 4],
  ]);
  const w = Matrix.fromRows([
    [3, 1],
    [0, 2],
    [1, -1],
  ]);

  it("sddmm adds <G_r, W_j> on the pattern, only for columns in [lo, hi)", () => {
    // entries: (0,0): <[1,2],[3,1]> = 5; (0,2): <[1,2],[1,-1]> = -1; (2,1): <[-1,4],[0,2]> = 8.
    expect(Array.from(R.sddmm(a, g, w, new Float32Array([10, 20, 30])))).toEqual([15, 19, 38]);
    expect(Array.from(R.sddmm(a, g, w, new Float32Array(3), 1, 3))).toEqual([0, -1, 8]);
    expect(Array.from(R.sddmm(a, g, w, new Float32Array(3), 1, 1))).toEqual([0, 0, 0]);
  });

  it("denseTCsr gives alpha C^T A + beta out", () => {
    // C = G (3 x 2): C^T A = [[1*2, -1*3, 1*1], [2*2, 4*3, 2*1]] = [[2, -3, 1], [4, 12, 2]].
    expect(Array.from(R.denseTCsr(g, a).data)).toEqual([2, -3, 1, 4, 12, 2]);
    const out = Matrix.fromRows([
      [1, 1, 1],
      [0, 0, 10],
    ]);
    R.denseTCsr(g, a, out, 2, 0.5);
    expect(Array.from(out.data)).toEqual([4.5, -5.5, 2.5, 8, 24, 9]);
  });

  it("rejects mismatched shapes and bad ranges with messages naming them", () => {
    expect(() => R.sddmm(a, g, w, new Float32Array(2))).toThrow(/sddmm: vals has length 2/);
    expect(() => R.sddmm(a, g, w, new Float32Array(3), 2, 4)).toThrow(/column range \[2, 4\)/);
    expect(() => R.sddmm(a, randomMatrix(new Rng(1), 3, 3), w, new Float32Array(3))).toThrow(/G 3x3/);
    expect(() => R.denseTCsr(randomMatrix(new Rng(1), 2, 2), a)).toThrow(/denseTCsr/);
  });
});

const load = loadNative();
describe.skipIf(!load.ok)(
  `sddmm and denseTCsr, blas vs reference${load.ok ? "" : " (SKIPPED: no addon)"}`,
  () => {
    let threadsBefore = 1;
    beforeAll(() => {
      threadsBefore = B.threads();
    });
    afterAll(() => B.setThreads(threadsBefore));

    const cases: [string, number, number, number, number, number[]][] = [
      // name, rows, cols (latents), d, k, empty rows
      ["k = 1", 40, 64, 24, 1, []],
      ["empty rows", 33, 50, 17, 5, [0, 7, 32]],
      ["all rows empty", 6, 10, 8, 0, []],
      ["SAE-like, threaded", 512, 1024, 64, 32, [3, 100]],
    ];
    for (const [name, rows, cols, d, k, empty] of cases) {
      it(`matches the reference to 1e-5 (${name})`, () => {
        const rng = new Rng(rows * 31 + cols);
        const a = kSparse(rng, rows, cols, k, empty);
        const g = randomMatrix(rng, rows, d);
        const w = randomMatrix(rng, cols, d);
        const start = new Float32Array(a.indices.length).map(() => rng.normal());
        for (const [lo, hi] of [
          [0, cols],
          [Math.floor(cols / 3), Math.floor((2 * cols) / 3)],
        ]) {
          const want = R.sddmm(a, g, w, start.slice(), lo, hi);
          for (const threads of [1, 2]) {
            B.setThreads(threads);
            expectClose(B.sddmm(a, g, w, start.slice(), lo, hi), want, 1e-5);
          }
        }
        const c = randomMatrix(rng, rows, d);
        const out0 = randomMatrix(rng, d, cols);
        const want = R.denseTCsr(c, a, out0.clone(), 0.5, 1);
        const got: Float32Array[] = [];
        for (const threads of [1, 2]) {
          B.setThreads(threads);
          const out = B.denseTCsr(c, a, out0.clone(), 0.5, 1);
          expectClose(out.data, want.data, 1e-5);
          got.push(out.data);
        }
        // Each output element is summed by one thread in a fixed order: thread count changes nothing.
        expect(Buffer.from(got[0].buffer).equals(Buffer.from(got[1].buffer))).toBe(true);
        expectClose(B.denseTCsr(c, a).data, R.denseTCsr(c, a).data, 1e-5);
      });
    }

    it("sddmm is bit-identical at 1 and 2 threads", () => {
      const rng = new Rng(7);
      const a = kSparse(rng, 1024, 4096, 32);
      const g = randomMatrix(rng, 1024, 128);
      const w = randomMatrix(rng, 4096, 128);
      B.setThreads(1);
      const one = B.sddmm(a, g, w, new Float32Array(a.indices.length));
      B.setThreads(2);
      const two = B.sddmm(a, g, w, new Float32Array(a.indices.length));
      expect(Buffer.from(one.buffer).equals(Buffer.from(two.buffer))).toBe(true);
    });

    it("native argument checks name the kernel and the bad index", () => {
      const a = new Csr(1, 3, new Int32Array([0, 1]), new Int32Array([5]), new Float32Array([1]));
      expect(() => B.sddmm(a, new Matrix(1, 2), new Matrix(3, 2), new Float32Array(1))).toThrow(
        /sddmm: column index 5 at position 0 \(row 0\) out of range \[0, 3\)/,
      );
      expect(() => B.denseTCsr(new Matrix(1, 2), a)).toThrow(/denseTCsr: column index 5/);
    });
  },
);

describe.skipIf(!load.ok)("spdInverseInPlace", () => {
  it("equals spdInverse (blas and reference) and overwrites its argument", () => {
    const rng = new Rng(3);
    const x = randomMatrix(rng, 60, 40);
    const g = new Matrix(40, 40);
    B.gemm(true, false, 1, x, x, 0, g);
    for (let i = 0; i < 40; i++) g.data[i * 40 + i] += 5;
    const want = R.spdInverse(g);
    const a = g.clone();
    expect(B.spdInverseInPlace(a)).toBe(a);
    expectClose(a.data, want.data, 1e-4);
    const r = g.clone();
    R.spdInverseInPlace(r);
    expectClose(r.data, want.data, 1e-6);
    // A^-1 of [[4, 2], [2, 3]] = [[3, -2], [-2, 4]] / 8.
    const small = Matrix.fromRows([
      [4, 2],
      [2, 3],
    ]);
    expectClose(B.spdInverseInPlace(small).data, new Float32Array([0.375, -0.25, -0.25, 0.5]), 1e-6);
  });

  it("rejects a matrix that is not positive definite", () => {
    const m = (): Matrix =>
      Matrix.fromRows([
        [1, 2],
        [2, 1],
      ]);
    expect(() => B.spdInverseInPlace(m())).toThrow(
      /spdInverseInPlace: matrix is not positive definite \(leading minor of order 2/,
    );
    expect(() => R.spdInverseInPlace(m())).toThrow(/not positive definite/);
  });
});
