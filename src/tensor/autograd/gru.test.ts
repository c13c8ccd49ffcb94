import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { gru } from "./gru.js";
import { Tape } from "./tape.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe("gru", () => {
  it("computes PyTorch's GRU equations by hand (H = 1, two steps, h0 = 0)", () => {
    // xProj rows [x_r, x_z, x_n]; W_hh = [w_r, w_z, w_n]; b_hh = [b_r, b_z, b_n].
    const xProj = Matrix.fromRows([
      [0.5, -0.3, 0.8],
      [-1, 0.4, 0.2],
    ]);
    const whh = Matrix.fromRows([[0.7, -0.6, 1.5]]);
    const bhh = Matrix.fromRows([[0.1, 0.2, -0.3]]);
    const out = gru(Tape.inference(), xProj, whh, bhh, {
      starts: Int32Array.from([0]),
      lengths: Int32Array.from([2]),
    }).value;
    const step = (xr: number, xz: number, xn: number, h: number) => {
      const r = sig(xr + 0.7 * h + 0.1);
      const z = sig(xz - 0.6 * h + 0.2);
      const n = Math.tanh(xn + r * (1.5 * h - 0.3));
      return (1 - z) * n + z * h;
    };
    const h1 = step(0.5, -0.3, 0.8, 0);
    const h2 = step(-1, 0.4, 0.2, h1);
    expect(out.get(0, 0)).toBeCloseTo(h1, 6);
    expect(out.get(1, 0)).toBeCloseTo(h2, 6);
  });

  it("runs packed sequences independently: a sequence's states do not depend on its neighbours", () => {
    const rng = new Rng(1);
    const xProj = uniform(rng, 5, 6);
    const whh = uniform(rng, 2, 6);
    const bhh = uniform(rng, 1, 6);
    const both = gru(Tape.inference(), xProj, whh, bhh, {
      starts: Int32Array.from([0, 3]),
      lengths: Int32Array.from([3, 2]),
    }).value;
    const second = gru(Tape.inference(), xProj.rowRange(3, 5).clone(), whh, bhh, {
      starts: Int32Array.from([0]),
      lengths: Int32Array.from([2]),
    }).value;
    for (let t = 0; t < 4; t++) expect(both.data[6 + t]).toBeCloseTo(second.data[t], 6);
  });

  it("gradients through time w.r.t. the input projections, W_hh and b_hh match finite differences", () => {
    const rng = new Rng(2);
    // Three sequences of lengths 3, 1, 2 plus one empty one, packed back to back.
    const seg = { starts: Int32Array.from([0, 3, 4, 6]), lengths: Int32Array.from([3, 1, 2, 0]) };
    expectGradientsMatch(
      (t, [x, w, b]) => gru(t, x, w, b, seg),
      [uniform(rng, 6, 9), uniform(rng, 3, 9), uniform(rng, 1, 9)],
      {
        eps: 1e-2,
        rtol: 1e-2,
        atol: 1e-3,
      },
    );
  });

  it("gradients flow through a longer chain (length 6) into the first input", () => {
    const rng = new Rng(3);
    const seg = { starts: Int32Array.from([0]), lengths: Int32Array.from([6]) };
    // Only the last state is used: the first row's projections reach it only through time.
    expectGradientsMatch(
      (t, [x, w, b]) => t.sliceRows(gru(t, x, w, b, seg), 5, 6),
      [uniform(rng, 6, 6, -2, 2), uniform(rng, 2, 6, -1.5, 1.5), uniform(rng, 1, 6)],
      { eps: 1e-2, rtol: 1e-2, atol: 1e-4 },
    );
  });

  it("rejects mismatched shapes and segments outside the rows", () => {
    const x = new Matrix(3, 6);
    expect(() =>
      gru(Tape.inference(), x, new Matrix(2, 5), new Matrix(1, 6), {
        starts: Int32Array.from([0]),
        lengths: Int32Array.from([3]),
      }),
    ).toThrow("gru: shape mismatch: input projections 3x6, W_hh 2x5, b_hh 1x6");
    expect(() =>
      gru(Tape.inference(), x, new Matrix(2, 6), new Matrix(1, 6), {
        starts: Int32Array.from([1]),
        lengths: Int32Array.from([3]),
      }),
    ).toThrow("gru: segment 0 [1, 4) out of range for 3 rows");
  });
});
