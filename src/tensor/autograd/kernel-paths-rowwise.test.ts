import { describe, expect, it } from "vitest";
import { Csr } from "../csr.js";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { Tape } from "./tape.js";
import type { Variable } from "./variable.js";
import { uniform } from "./test-utils/check.js";
import { backwardWeighted as weighted, expectClose, withGrad } from "./test-utils/naive.js";

// Row-wise, loss and structural ops at 48 x 64 (above the blas small-size cutoff) against naive
// formulas, with a new gradient buffer and with one that already holds values.
const M = 48;
const N = 64;
const rng = new Rng(9);
const backwardWeighted = (build: (t: Tape) => Variable): Float64Array => weighted(rng, build);
const seeds = (rows: number, cols: number): (Matrix | null)[] => [null, uniform(rng, rows, cols)];
const plus = (seed: Matrix | null, xs: ArrayLike<number>): number[] =>
  Array.from(xs, (v, k) => v + (seed?.data[k] ?? 0));

/** Row-wise softmax in float64. */
function naiveSoftmax(x: Matrix): Float64Array {
  const p = new Float64Array(x.size);
  for (let i = 0; i < x.rows; i++) {
    const row = Array.from(x.row(i));
    const mx = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - mx), 0);
    row.forEach((v, j) => (p[i * x.cols + j] = Math.exp(v - mx) / s));
  }
  return p;
}

const rowSum = (a: ArrayLike<number>, i: number): number => {
  let s = 0;
  for (let j = 0; j < N; j++) s += a[i * N + j];
  return s;
};

describe("row-wise ops on kernel paths match naive formulas", () => {
  const x0 = uniform(rng, M, N, -3, 3);
  const p = naiveSoftmax(x0);

  it("softmax: dX = Y (W - rowsum(W Y))", () => {
    for (const seed of seeds(M, N)) {
      const x = withGrad(x0, seed);
      let y: Variable | undefined;
      const w = backwardWeighted((t) => (y = t.softmax(x)));
      expectClose(y?.value.data, p);
      const wy = Array.from(w, (v, k) => v * p[k]);
      expectClose(
        x.grad?.data,
        plus(
          seed,
          Array.from(p, (v, k) => v * (w[k] - rowSum(wy, Math.floor(k / N)))),
        ),
      );
    }
  });

  it("logSoftmax: dX = W - softmax(X) rowsum(W)", () => {
    for (const seed of seeds(M, N)) {
      const x = withGrad(x0, seed);
      let y: Variable | undefined;
      const w = backwardWeighted((t) => (y = t.logSoftmax(x)));
      expectClose(y?.value.data, Array.from(p, Math.log));
      expectClose(
        x.grad?.data,
        plus(
          seed,
          Array.from(p, (v, k) => w[k] - v * rowSum(w, Math.floor(k / N))),
        ),
      );
    }
  });

  it("multinomialLogLikelihood: dense and sparse targets give (softmax rowsum(X) - X) / rows", () => {
    const counts = new Matrix(M, N);
    for (let k = 0; k < counts.size; k++) counts.data[k] = rng.uniform() < 0.1 ? 1 + rng.int(3) : 0;
    for (let j = 0; j < N; j++) counts.data[5 * N + j] = 0; // an empty row: no gradient from it
    const expected = Array.from(
      p,
      (v, k) => (v * rowSum(counts.data, Math.floor(k / N)) - counts.data[k]) / M,
    );
    for (const target of [counts, Csr.fromDense(counts)]) {
      for (const seed of seeds(M, N)) {
        const z = withGrad(x0, seed);
        const t = new Tape();
        const loss = t.multinomialLogLikelihood(z, target);
        t.backward(loss);
        let s = 0;
        for (let k = 0; k < p.length; k++) s += counts.data[k] * Math.log(p[k]);
        expect(loss.item()).toBeCloseTo(-s / M, 4);
        expectClose(z.grad?.data, plus(seed, expected));
      }
    }
  });

  it("layerNorm: d gain = colsum(W xhat), d bias = colsum(W)", () => {
    const gain0 = uniform(rng, 1, N);
    const bias0 = uniform(rng, 1, N);
    const xhat = new Float64Array(x0.size);
    for (let i = 0; i < M; i++) {
      const row = Array.from(x0.row(i));
      const mean = row.reduce((a, v) => a + v, 0) / N;
      const sd = Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / N + 1e-5);
      row.forEach((v, j) => (xhat[i * N + j] = (v - mean) / sd));
    }
    for (const seed of seeds(1, N)) {
      const gain = withGrad(gain0, seed);
      const bias = withGrad(bias0, seed);
      const w = backwardWeighted((t) => t.layerNorm(x0, gain, bias));
      const dGain = new Float64Array(N);
      const dBias = new Float64Array(N);
      for (let k = 0; k < w.length; k++) {
        dGain[k % N] += w[k] * xhat[k];
        dBias[k % N] += w[k];
      }
      expectClose(gain.grad?.data, plus(seed, dGain), 1e-4);
      expectClose(bias.grad?.data, plus(seed, dBias));
    }
  });

  it("gaussianKl: d mu = mu / rows, d logvar = (e^logvar - 1) / (2 rows)", () => {
    const lv0 = uniform(rng, M, N);
    for (const seed of seeds(M, N)) {
      const mu = withGrad(x0, seed);
      const lv = withGrad(lv0, null);
      const t = new Tape();
      t.backward(t.gaussianKl(mu, lv));
      expectClose(
        mu.grad?.data,
        plus(
          seed,
          Array.from(x0.data, (v) => v / M),
        ),
      );
      expectClose(
        lv.grad?.data,
        Array.from(lv0.data, (v) => (Math.exp(v) - 1) / (2 * M)),
      );
    }
  });
});

describe("structural ops on kernel paths route gradients to the right elements", () => {
  it("sliceRows, concatRows and reshape", () => {
    const x0 = uniform(rng, M, N);
    const b0 = uniform(rng, 40, N);
    for (const seed of seeds(M, N)) {
      let x = withGrad(x0, seed);
      let w = backwardWeighted((t) => t.sliceRows(x, 5, 45));
      expectClose(
        x.grad?.data,
        plus(
          seed,
          Array.from(x0.data, (_v, k) => (k >= 5 * N && k < 45 * N ? w[k - 5 * N] : 0)),
        ),
      );

      x = withGrad(x0, seed);
      const b = withGrad(b0, null);
      w = backwardWeighted((t) => t.concatRows([x, b]));
      expectClose(x.grad?.data, plus(seed, w.subarray(0, M * N)));
      expectClose(b.grad?.data, w.subarray(M * N));

      x = withGrad(x0, seed);
      w = backwardWeighted((t) => t.reshape(x, N, M));
      expectClose(x.grad?.data, plus(seed, w));
    }
  });
});
