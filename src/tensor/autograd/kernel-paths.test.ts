import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import type { Variable } from "./variable.js";
import { uniform } from "./test-utils/check.js";
import { backwardWeighted as weighted, expectClose, withGrad } from "./test-utils/naive.js";

// 48 x 64 = 3072 elements: above the blas backend's small-size cutoff (2048), so the native kernels
// run (under RECLENS_BACKEND=reference the same paths run on the TypeScript kernels). Each op is
// checked against a naive loop, for a gradient buffer created by the op and for one that already
// holds values (accumulation).
const M = 48;
const N = 64;
const rng = new Rng(5);
const backwardWeighted = (build: (t: Tape) => Variable): Float64Array => weighted(rng, build);

const shapeOf = { full: [M, N], row: [1, N], col: [M, 1], scalar: [1, 1] } as const;
type L = keyof typeof shapeOf;
const random = (l: L): Matrix => uniform(rng, shapeOf[l][0], shapeOf[l][1]);
const at = (x: Matrix, i: number, j: number): number =>
  x.data[(x.rows === 1 ? 0 : i) * x.cols + (x.cols === 1 ? 0 : j)];

describe("binary ops on kernel paths match naive broadcasting", () => {
  const pairs: [L, L][] = [
    ["full", "full"],
    ["full", "row"],
    ["row", "full"],
    ["full", "scalar"],
    ["scalar", "full"],
    ["full", "col"],
    ["col", "full"],
    ["row", "col"],
  ];
  const f = {
    add: (a: number, b: number) => a + b,
    sub: (a: number, b: number) => a - b,
    mul: (a: number, b: number) => a * b,
  };
  // d/da, d/db of each op at (a, b)
  const d = {
    add: (): [number, number] => [1, 1],
    sub: (): [number, number] => [1, -1],
    mul: (a: number, b: number): [number, number] => [b, a],
  };
  for (const op of ["add", "sub", "mul"] as const) {
    for (const [la, lb] of pairs) {
      for (const seeded of [false, true]) {
        it(`${op} ${la} x ${lb}, ${seeded ? "accumulating into existing" : "new"} gradients`, () => {
          const a0 = random(la);
          const b0 = random(lb);
          const ga0 = seeded ? random(la) : null;
          const gb0 = seeded ? random(lb) : null;
          const a = withGrad(a0, ga0);
          const b = withGrad(b0, gb0);
          let y: Variable | undefined;
          const w = backwardWeighted((t) => (y = t[op](a, b)));
          const ea = new Float64Array(a0.size).fill(0);
          const eb = new Float64Array(b0.size).fill(0);
          const ey: number[] = [];
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              const av = at(a0, i, j);
              const bv = at(b0, i, j);
              ey.push(f[op](av, bv));
              const [da, db] = d[op](av, bv);
              ea[(a0.rows === 1 ? 0 : i) * a0.cols + (a0.cols === 1 ? 0 : j)] += w[i * N + j] * da;
              eb[(b0.rows === 1 ? 0 : i) * b0.cols + (b0.cols === 1 ? 0 : j)] += w[i * N + j] * db;
            }
          }
          expectClose(y?.value.data, ey);
          expectClose(
            a.grad?.data,
            ea.map((e, t) => e + (ga0?.data[t] ?? 0)),
          );
          expectClose(
            b.grad?.data,
            eb.map((e, t) => e + (gb0?.data[t] ?? 0)),
          );
        });
      }
    }
  }

  it("mul(x, x) sums both contributions (2 x w x) on top of an existing gradient", () => {
    const x0 = uniform(rng, M, N);
    const g0 = uniform(rng, M, N);
    const x = withGrad(x0, g0);
    const w = backwardWeighted((t) => t.mul(x, x));
    expectClose(
      x.grad?.data,
      Array.from(x0.data, (v, t) => g0.data[t] + 2 * w[t] * v),
    );
  });
});

describe("unary ops and reductions on kernel paths", () => {
  it("relu passes the gradient exactly where x > 0 (not at 0 or -0; NaN gradients masked)", () => {
    const x0 = uniform(rng, M, N);
    x0.data[0] = 0;
    x0.data[1] = -0;
    x0.data[2] = 1e-40; // subnormal, still positive
    x0.data[3] = -0.5; // masked position that receives a NaN gradient
    for (const g0 of [null, uniform(rng, M, N)]) {
      const x = withGrad(x0, g0);
      const seed = uniform(rng, M, N);
      seed.data[3] = Number.NaN;
      const t = new Tape();
      const y = t.relu(x);
      t.backward(y, seed);
      expect(Array.from(y.value.data)).toEqual(Array.from(x0.data, (v) => (v > 0 ? v : 0)));
      const expected = Array.from(x0.data, (v, k) => (v > 0 ? seed.data[k] : 0) + (g0?.data[k] ?? 0));
      expect(Array.from(x.grad?.data ?? [])).toEqual(Array.from(Float32Array.from(expected)));
    }
  });

  it("topkMask routes the gradient to the kept entries, adding to an existing gradient", () => {
    const x0 = uniform(rng, M, N);
    const g0 = uniform(rng, M, N);
    const x = withGrad(x0, g0);
    let y: Variable | undefined;
    const w = backwardWeighted((t) => (y = t.topkMask(x, 5)));
    for (let i = 0; i < M; i++) {
      const row = Array.from(x0.row(i));
      const kth = [...row].sort((p, q) => q - p)[4];
      for (let j = 0; j < N; j++) {
        const kept = row[j] >= kth;
        const k = i * N + j;
        expect(y?.value.data[k]).toBe(kept ? x0.data[k] : 0);
        expect(x.grad?.data[k]).toBeCloseTo(g0.data[k] + (kept ? w[k] : 0), 6);
      }
    }
  });

  it("mse value and both gradients match the naive sums", () => {
    const a0 = uniform(rng, M, N);
    const b0 = uniform(rng, M, N);
    const g0 = uniform(rng, M, N);
    const a = withGrad(a0, g0);
    const b = withGrad(b0, null);
    const t = new Tape();
    const loss = t.mse(a, b);
    t.backward(loss);
    let s = 0;
    for (let k = 0; k < a0.size; k++) s += (a0.data[k] - b0.data[k]) ** 2;
    expect(loss.item()).toBeCloseTo(s / a0.size, 6);
    const diff = Array.from(a0.data, (v, k) => (2 * (v - b0.data[k])) / a0.size);
    expectClose(
      a.grad?.data,
      diff.map((v, k) => v + g0.data[k]),
    );
    expectClose(
      b.grad?.data,
      diff.map((v) => -v),
    );
  });

  it("scale, addScalar, exp and dropout backward match their derivatives", () => {
    const x0 = uniform(rng, M, N);
    const g0 = uniform(rng, M, N);
    for (const [name, build, deriv] of [
      ["scale", (t: Tape, x: Variable) => t.scale(x, -2.5), () => -2.5],
      ["addScalar", (t: Tape, x: Variable) => t.addScalar(x, 0.75), () => 1],
      ["exp", (t: Tape, x: Variable) => t.exp(x), (v: number) => Math.exp(v)],
    ] as const) {
      const x = withGrad(x0, g0);
      let y: Variable | undefined;
      const w = backwardWeighted((t) => (y = build(t, x)));
      const fwd =
        name === "scale"
          ? (v: number) => -2.5 * v
          : name === "addScalar"
            ? (v: number) => v + 0.75
            : Math.exp;
      expectClose(y?.value.data, Array.from(x0.data, fwd));
      expectClose(
        x.grad?.data,
        Array.from(x0.data, (v, k) => g0.data[k] + w[k] * deriv(v)),
      );
    }
    const x = withGrad(x0, g0);
    let y: Variable | undefined;
    const w = backwardWeighted((t) => (y = t.dropout(x, 0.5, new Rng(3))));
    const kept = Array.from(y?.value.data ?? [], (v) => (v === 0 ? 0 : 2));
    expectClose(
      x.grad?.data,
      kept.map((s, k) => g0.data[k] + s * w[k]),
    );
  });

  it("sum, mean, sumRows and meanCols backward add the broadcast gradient to an existing one", () => {
    const x0 = uniform(rng, M, N);
    const g0 = uniform(rng, M, N);
    const cases: [
      string,
      (t: Tape, x: Variable) => Variable,
      (w: Float64Array, i: number, j: number) => number,
    ][] = [
      ["sum", (t, x) => t.sum(x), (w) => w[0]],
      ["mean", (t, x) => t.mean(x), (w) => w[0] / (M * N)],
      ["sumRows", (t, x) => t.sumRows(x), (w, i) => w[i]],
      ["meanCols", (t, x) => t.meanCols(x), (w, _i, j) => w[j] / M],
    ];
    for (const [, build, grad] of cases) {
      for (const seed of [null, g0]) {
        const x = withGrad(x0, seed);
        const w = backwardWeighted((t) => build(t, x));
        const expected = Array.from(
          x0.data,
          (_v, k) => (seed?.data[k] ?? 0) + grad(w, Math.floor(k / N), k % N),
        );
        expectClose(x.grad?.data, expected);
      }
    }
  });

  it("matmul writes a new gradient (beta 0) and adds to an existing one (beta 1)", () => {
    const K = 40;
    const a0 = uniform(rng, M, K);
    const b0 = uniform(rng, K, N);
    for (const gA of [null, uniform(rng, M, K)]) {
      const a = withGrad(a0, gA);
      const b = withGrad(b0, null);
      const w = backwardWeighted((t) => t.matmul(a, b));
      const dA: number[] = [];
      for (let i = 0; i < M; i++) {
        for (let p = 0; p < K; p++) {
          let s = gA?.data[i * K + p] ?? 0;
          for (let j = 0; j < N; j++) s += w[i * N + j] * b0.data[p * N + j];
          dA.push(s);
        }
      }
      const dB: number[] = [];
      for (let p = 0; p < K; p++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let i = 0; i < M; i++) s += a0.data[i * K + p] * w[i * N + j];
          dB.push(s);
        }
      }
      expectClose(a.grad?.data, dA, 1e-4);
      expectClose(b.grad?.data, dB, 1e-4);
    }
  });
});
