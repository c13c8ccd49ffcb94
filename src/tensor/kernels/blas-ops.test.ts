import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { blasKernels as B } from "./blas.js";
import { loadNative } from "./native.js";
import { referenceKernels as R } from "./reference.js";
import { absMatrix, expectSameValues, expectWithin, randomMatrix } from "./test-utils/random.js";
import type { AdamStep, Kernels } from "./types.js";

// Row ops, elementwise ops, reductions, Adam, SPD inverse/solve and error messages of the blas
// backend against the reference (gemm and sparse products are in blas.test.ts).
const load = loadNative();
const title = load.ok
  ? "blas row/elementwise/SPD kernels vs reference"
  : `blas row/elementwise/SPD kernels vs reference (SKIPPED: ${load.reason})`;
if (!load.ok)
  console.warn(
    `blas kernel tests skipped: ${load.reason} (${load.path}); run \`node scripts/build-native.mjs\``,
  );

describe.skipIf(!load.ok)(title, () => {
  const rng = new Rng(20240611);
  let threadsBefore = 1;
  beforeAll(() => {
    threadsBefore = B.threads();
    B.setThreads(2);
  });
  afterAll(() => B.setThreads(threadsBefore));

  describe("row ops", () => {
    it("top-k matches the reference exactly, ties and NaN included", () => {
      for (const [rows, cols, ks] of [
        [1, 1, [0, 1]],
        [3, 10, [1, 3, 10]],
        [50, 300, [1, 5, 37, 40, 299, 300]],
        [200, 1000, [16]],
      ] as [number, number, number[]][]) {
        const a = new Matrix(rows, cols);
        for (let t = 0; t < a.size; t++) {
          const u = rng.uniform();
          a.data[t] = u < 0.03 ? Number.NaN : u < 0.05 ? Number.NEGATIVE_INFINITY : rng.int(5);
        }
        for (const k of ks) {
          const want = R.rowTopK(a, k);
          const got = B.rowTopK(a, k);
          expect([got.rows, got.k]).toEqual([rows, k]);
          expectSameValues(got.indices, want.indices, `${rows}x${cols} k=${k} indices`);
          expectSameValues(got.values, want.values, `${rows}x${cols} k=${k} values`);
        }
      }
    });

    it("softmax and log-softmax (stable for large and -Infinity entries)", () => {
      const a = randomMatrix(rng, 400, 700);
      for (let t = 0; t < a.size; t++) a.data[t] *= 5;
      a.data[5] = Number.NEGATIVE_INFINITY;
      a.data[150] = 500;
      const sm = B.softmaxRows(a);
      expectWithin(sm.data, R.softmaxRows(a).data, R.softmaxRows(a).data, 1e-5, 1e-9, "softmax");
      const want = R.logSoftmaxRows(a);
      expectWithin(B.logSoftmaxRows(a).data, want.data, want.data.map(Math.abs), 1e-6, 1e-5, "logSoftmax");
      const inPlace = a.clone();
      B.softmaxRows(inPlace, inPlace);
      expectSameValues(inPlace.data, sm.data, "softmax in place");
    });

    for (const n of [20, 50, 200]) {
      it(`causal softmax and its gradient, ${n} x ${n} (with and without a dropout mask)`, () => {
        const scores = randomMatrix(rng, n, n);
        for (let t = 0; t < scores.size; t++) scores.data[t] *= 4;
        scores.data[n + 1] = 300; // row 1: one dominant entry
        const [pb, pr] = [scores.clone(), scores.clone()];
        B.causalSoftmax(pb);
        R.causalSoftmax(pr);
        expectWithin(pb.data, pr.data, pr.data, 1e-5, 1e-9, "causal softmax");
        expect(pb.data[n - 1]).toBe(0); // row 0 attends to position 0 only
        expect(pb.data[0]).toBe(1);
        const upstream = randomMatrix(rng, n, n);
        const mask = pr.clone();
        mask.data.forEach((v, t) => (mask.data[t] = t % 3 === 0 ? 0 : v * 2));
        for (const dropped of [null, mask]) {
          const [gb, gr] = [upstream.clone(), upstream.clone()];
          B.causalSoftmaxGrad(gb, pr, dropped, 2, 0.125);
          R.causalSoftmaxGrad(gr, pr, dropped, 2, 0.125);
          const scale = pr.data.map((v) => v * 2);
          expectWithin(gb.data, gr.data, scale, 2e-6, 1e-9, `causal softmax grad, mask ${dropped !== null}`);
          expect(gb.data[1]).toBe(0);
        }
      });
    }
  });

  describe("elementwise ops and reductions: small (JS path), mid (native) and large (native, threaded)", () => {
    for (const [rows, cols] of [
      [3, 4],
      [70, 130],
      [600, 500],
    ]) {
      it(`${rows}x${cols}`, () => {
        const x = randomMatrix(rng, rows, cols);
        const y = randomMatrix(rng, rows, cols);
        const v = randomMatrix(rng, 1, cols).data;
        const mag = x.data.map((t, i) => Math.abs(t) + Math.abs(y.data[i]));
        expectWithin(B.axpby(1.5, x, -0.5, y).data, R.axpby(1.5, x, -0.5, y).data, mag, 1e-6, 0, "axpby");
        expectWithin(B.mul(x, y).data, R.mul(x, y).data, 0, 0, 0, "mul");
        expectWithin(B.addRowVector(x, v).data, R.addRowVector(x, v).data, 0, 0, 0, "addRowVector");
        expectWithin(B.relu(x).data, R.relu(x).data, 0, 0, 0, "relu");
        // GELU on x spread to [-12, 12] plus the tails and zero; native tanh goes through exp.
        const gx = x.clone();
        gx.data.forEach((t, i) => (gx.data[i] = 4 * t));
        gx.data.set([0, -30, 30, -1e-6].slice(0, gx.size));
        const [thB, thR] = [new Float32Array(gx.size), new Float32Array(gx.size)];
        const geluR = R.gelu(gx, thR);
        const scale = gx.data.map((t) => Math.abs(t) + 1e-6);
        expectWithin(B.gelu(gx, thB).data, geluR.data, scale, 1e-6, 0, "gelu");
        expectWithin(thB, thR, 1, 2e-7, 0, "gelu tanh");
        const [gB, gR] = [y.clone(), y.clone()];
        B.geluGrad(gx, thR, x, gB);
        R.geluGrad(gx, thR, x, gR);
        expectWithin(
          gB.data,
          gR.data,
          x.data.map((t, i) => Math.abs(t) * 1.2 + Math.abs(y.data[i])),
          1e-6,
          0,
          "geluGrad",
        );
        // Layer norm: forward outputs and the accumulated input gradient (rows shifted and scaled
        // so that mean and variance matter).
        const lx = x.clone();
        lx.data.forEach((t, i) => (lx.data[i] = 3 + 5 * t * (1 + (Math.floor(i / cols) % 3))));
        const [gain, bias] = [randomMatrix(rng, 1, cols).data, randomMatrix(rng, 1, cols).data];
        const ln = [0, 1].map(() => ({
          y: new Matrix(rows, cols),
          h: new Matrix(rows, cols),
          rstd: new Float64Array(rows),
          dx: y.clone(),
        }));
        B.layerNormRows(lx, gain, bias, 1e-5, ln[0].y, ln[0].h, ln[0].rstd);
        R.layerNormRows(lx, gain, bias, 1e-5, ln[1].y, ln[1].h, ln[1].rstd);
        expectWithin(ln[0].h.data, ln[1].h.data, 1, 1e-6, 0, "layerNorm xhat");
        expectWithin(ln[0].y.data, ln[1].y.data, 1, 2e-6, 0, "layerNorm y");
        expectWithin(ln[0].rstd, ln[1].rstd, ln[1].rstd, 1e-12, 0, "layerNorm rstd");
        B.layerNormRowsGrad(x, gain, ln[1].h, ln[1].rstd, ln[0].dx);
        R.layerNormRowsGrad(x, gain, ln[1].h, ln[1].rstd, ln[1].dx);
        expectWithin(ln[0].dx.data, ln[1].dx.data, 1, 1e-6, 0, "layerNorm dx");
        const ax = absMatrix(x);
        expectWithin(B.sumRows(x), R.sumRows(x), R.sumRows(ax), 1e-6, 0, "sumRows");
        expectWithin(B.sumCols(x), R.sumCols(x), R.sumCols(ax), 1e-6, 0, "sumCols");
        expectWithin(B.rowNorms(x), R.rowNorms(x), R.rowNorms(x), 1e-6, 0, "rowNorms");
        expectWithin(B.colNorms(x), R.colNorms(x), R.colNorms(x), 1e-6, 0, "colNorms");
        expectWithin([B.sumAll(x)], [R.sumAll(x)], R.sumAll(ax), 1e-9, 0, "sumAll");
        expectWithin(
          [B.dot(x.data, y.data)],
          [R.dot(x.data, y.data)],
          R.dot(ax.data, absMatrix(y).data),
          1e-9,
          0,
          "dot",
        );
        const out = new Matrix(rows, cols);
        expect(B.relu(x, out)).toBe(out);
      });
    }

    it("Adam and AdamW over three steps", () => {
      for (const decoupled of [true, false]) {
        const n = 70000;
        const start = randomMatrix(rng, 1, n).data;
        const state = [0, 1].map(() => ({
          p: start.slice(),
          m: new Float32Array(n),
          v: new Float32Array(n),
        }));
        for (let step = 1; step <= 3; step++) {
          const g = randomMatrix(rng, 1, n).data;
          const h: AdamStep = {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weightDecay: 0.05,
            decoupled,
            step,
          };
          R.adamUpdate(state[0].p, g, state[0].m, state[0].v, h);
          B.adamUpdate(state[1].p, g, state[1].m, state[1].v, h);
        }
        const label = decoupled ? "AdamW" : "Adam+L2";
        expectWithin(state[1].p, state[0].p, 1, 1e-6, 0, `${label} param`);
        // m and v are sums of O(1) terms that partly cancel: absolute float32 rounding of those terms.
        expectWithin(state[1].m, state[0].m, state[0].m.map(Math.abs), 1e-5, 1e-7, `${label} m`);
        expectWithin(state[1].v, state[0].v, state[0].v, 1e-5, 1e-9, `${label} v`);
      }
    });
  });

  describe("SPD inverse and solve", () => {
    const spd = (n: number): Matrix => {
      const x = randomMatrix(rng, n + 20, n);
      const g = R.gemm(true, false, 1, x, x, 0, new Matrix(n, n));
      for (let i = 0; i < n; i++) g.data[i * n + i] += 5;
      return g;
    };

    it("inverse matches the reference and A A^-1 = I", () => {
      for (const n of [1, 3, 60]) {
        const a = spd(n);
        const inv = B.spdInverse(a);
        const want = R.spdInverse(a);
        const top = want.data.reduce((s, t) => Math.max(s, Math.abs(t)), 0);
        expectWithin(inv.data, want.data, top, 1e-4, 0, `inverse n=${n}`);
        expectWithin(
          R.gemm(false, false, 1, a, inv, 0, new Matrix(n, n)).data,
          Matrix.eye(n).data,
          1,
          1e-4,
          0,
          `A A^-1 n=${n}`,
        );
      }
    });

    it("solve matches the reference for several right-hand sides", () => {
      const a = spd(45);
      const b = randomMatrix(rng, 45, 7);
      const want = R.spdSolve(a, b);
      const top = want.data.reduce((s, t) => Math.max(s, Math.abs(t)), 0);
      expectWithin(B.spdSolve(a, b).data, want.data, top, 1e-4, 0, "solve");
      expect(B.spdSolve(a, new Matrix(45, 0)).shape).toBe("45x0");
    });
  });

  describe("errors match the reference", () => {
    const m23 = new Matrix(2, 3);
    const m45 = new Matrix(4, 5);
    const s23 = Csr.fromDense(
      Matrix.fromRows([
        [1, 0, 2],
        [0, 3, 0],
      ]),
    );
    const indefinite = Matrix.fromRows([
      [1, 2],
      [2, 1],
    ]);
    const nonFinite = Matrix.fromRows([
      [1, Number.NaN],
      [Number.POSITIVE_INFINITY, 1],
    ]);
    const f = (n: number): Float32Array => new Float32Array(n);
    const adam: AdamStep = {
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      decoupled: true,
      step: 1,
    };
    const cases: [string, (K: Kernels) => unknown, RegExp][] = [
      [
        "gemm inner",
        (K) => K.gemm(false, false, 1, m23, m45, 0, new Matrix(2, 5)),
        /^gemm: shape mismatch 2x3 vs 4x5/,
      ],
      [
        "gemm output",
        (K) => K.gemm(false, true, 1, m23, m23, 0, m45),
        /^gemm: shape mismatch 4x5 vs 2x2 \(output\)/,
      ],
      [
        "gemm overlap",
        (K) => K.gemm(false, false, 1, m45.rowRange(0, 2), new Matrix(5, 5), 0, m45.rowRange(1, 3)),
        /^gemm: output C overlaps input A/,
      ],
      ["csrMm", (K) => K.csrMm(s23, m23), /^csrMm: shape mismatch 2x3 vs 2x3/],
      ["csrMm out", (K) => K.csrMm(s23, new Matrix(3, 4), m45), /^csrMm: out is 4x5, expected 2x4/],
      ["csrTMm", (K) => K.csrTMm(s23, m45), /^csrTMm: shape mismatch 2x3 vs 4x5/],
      ["denseCsrT", (K) => K.denseCsrT(m45, s23), /^denseCsrT: shape mismatch 4x5 vs 2x3/],
      ["rowTopK", (K) => K.rowTopK(m23, 4), /^rowTopK: k=4 invalid for 2x3/],
      [
        "axpby",
        (K) => K.axpby(1, new Matrix(50, 50), 1, new Matrix(50, 51)),
        /^axpby: shape mismatch 50x50 vs 50x51/,
      ],
      ["mul", (K) => K.mul(new Matrix(50, 50), new Matrix(51, 50)), /^mul: shape mismatch 50x50 vs 51x50/],
      [
        "addRowVector",
        (K) => K.addRowVector(new Matrix(50, 50), f(49)),
        /^addRowVector: shape mismatch 50x50 vs vector of 49/,
      ],
      ["sumRows out", (K) => K.sumRows(new Matrix(50, 50), f(3)), /^sumRows: out has length 3, expected 50/],
      ["dot", (K) => K.dot(f(5000), f(4999)), /^dot: length mismatch 5000 vs 4999/],
      [
        "adam",
        (K) => K.adamUpdate(f(5000), f(5000), f(5000), f(4), adam),
        /^adamUpdate: length mismatch param 5000, grad 5000, m 5000, v 4/,
      ],
      [
        "adam step",
        (K) => K.adamUpdate(f(5000), f(5000), f(5000), f(5000), { ...adam, step: 0 }),
        /^adamUpdate: step must be an integer >= 1, got 0/,
      ],
      [
        "spdInverse indefinite",
        (K) => K.spdInverse(indefinite),
        /^spdInverse: matrix is not positive definite \(leading minor of order 2 is not positive\)/,
      ],
      ["spdInverse square", (K) => K.spdInverse(m23), /^spdInverse: matrix is 2x3, expected square/],
      [
        "spdInverse NaN",
        (K) => K.spdInverse(nonFinite),
        /^spdInverse: non-finite value Infinity at \(1, 0\)/,
      ],
      [
        "spdSolve indefinite",
        (K) => K.spdSolve(indefinite, m23),
        /^spdSolve: matrix is not positive definite/,
      ],
      ["spdSolve rows", (K) => K.spdSolve(indefinite, m45), /^spdSolve: shape mismatch 2x2 vs 4x5/],
    ];
    for (const [name, call, pattern] of cases) {
      it(name, () => {
        expect(() => call(R), "reference").toThrow(pattern);
        expect(() => call(B), "blas").toThrow(pattern);
      });
    }

    it("setThreads rejects non-positive counts", () => {
      expect(() => B.setThreads(0)).toThrow(/setThreads: n must be a positive integer, got 0/);
    });
  });
});
