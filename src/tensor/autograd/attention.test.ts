import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { causalAttention, type Segments } from "./attention.js";
import { Tape } from "./tape.js";
import { param } from "./variable.js";
import { expectGradientsMatch, uniform } from "./test-utils/check.js";

const seg = (starts: number[], lengths: number[]): Segments => ({
  starts: Int32Array.from(starts),
  lengths: Int32Array.from(lengths),
});

/** Float64 attention straight from the definition (no dropout). */
function naive(q: Matrix, k: Matrix, v: Matrix, s: Segments, heads: number): number[][] {
  const d = q.cols;
  const dk = d / heads;
  const out = Array.from({ length: q.rows }, () => new Array<number>(d).fill(0));
  for (let t = 0; t < s.starts.length; t++) {
    const o = s.starts[t];
    const n = s.lengths[t];
    for (let c = 0; c < heads; c++) {
      for (let i = 0; i < n; i++) {
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let x = c * dk; x < (c + 1) * dk; x++) dot += q.get(o + i, x) * k.get(o + j, x);
          scores.push(dot / Math.sqrt(dk));
        }
        const mx = Math.max(...scores);
        const e = scores.map((z) => Math.exp(z - mx));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j <= i; j++)
          for (let x = c * dk; x < (c + 1) * dk; x++) out[o + i][x] += (e[j] / sum) * v.get(o + j, x);
      }
    }
  }
  return out;
}

describe("causalAttention", () => {
  const rng = new Rng(3);

  it("a 2-position, 1-head example computed by hand", () => {
    // q = k: scores row 1 = [q1.k0, q1.k1] / sqrt(2) = [0, 1/sqrt 2] -> weights softmax of those.
    const q = Matrix.fromRows([
      [1, 0],
      [0, 1],
    ]);
    const v = Matrix.fromRows([
      [2, 4],
      [6, 8],
    ]);
    const out = causalAttention(Tape.inference(), q, q, v, seg([0], [2]), { heads: 1 }).value;
    const w1 = 1 / (1 + Math.exp(1 / Math.SQRT2));
    expect(out.get(0, 0)).toBeCloseTo(2, 6); // position 0 sees only itself
    expect(out.get(0, 1)).toBeCloseTo(4, 6);
    expect(out.get(1, 0)).toBeCloseTo(w1 * 2 + (1 - w1) * 6, 5);
    expect(out.get(1, 1)).toBeCloseTo(w1 * 4 + (1 - w1) * 8, 5);
  });

  for (const heads of [1, 2]) {
    it(`matches the float64 definition (${heads} head(s), left-padded layout with a padding key)`, () => {
      // 2 sequences of a [2 x L=4] padded layout: lengths 3 and 4 (row 0 is padding).
      const s = seg([1, 4], [3, 4]);
      const q = uniform(rng, 8, 4);
      const k = uniform(rng, 8, 4);
      const v = uniform(rng, 8, 4);
      const out = causalAttention(Tape.inference(), q, k, v, s, { heads }).value;
      const ref = naive(q, k, v, s, heads);
      for (let i = 0; i < 8; i++) for (let j = 0; j < 4; j++) expect(out.get(i, j)).toBeCloseTo(ref[i][j], 5);
      expect(Array.from(out.row(0))).toEqual([0, 0, 0, 0]);
      // Changing the padding row changes nothing: it is never a key.
      const k2 = k.clone();
      const v2 = v.clone();
      k2.row(0).fill(50);
      v2.row(0).fill(-50);
      const out2 = causalAttention(Tape.inference(), q, k2, v2, s, { heads }).value;
      expect(Array.from(out2.data)).toEqual(Array.from(out.data));
    });

    it(`gradients match finite differences (${heads} head(s), packed and padded, with dropout)`, () => {
      const q = uniform(rng, 9, 4);
      const k = uniform(rng, 9, 4);
      const v = uniform(rng, 9, 4);
      for (const s of [seg([0, 3, 8], [3, 5, 1]), seg([1, 5, 6], [2, 1, 3])]) {
        expectGradientsMatch((t, [a, b, c]) => causalAttention(t, a, b, c, s, { heads }), [q, k, v]);
        expectGradientsMatch(
          (t, [a, b, c]) => causalAttention(t, a, b, c, s, { heads, dropout: 0.3, rng: new Rng(5) }),
          [q, k, v],
        );
      }
    });
  }

  it("q = k = v (one variable) accumulates all three gradient paths", () => {
    const x = uniform(rng, 6, 4);
    for (const heads of [1, 2])
      expectGradientsMatch((t, [a]) => causalAttention(t, a, a, a, seg([0, 2], [2, 4]), { heads }), [x]);
  });

  it("padding rows receive no gradient", () => {
    const q = param(uniform(rng, 5, 2));
    const t = new Tape();
    const y = causalAttention(t, q, q, q, seg([2], [3]), { heads: 1 });
    t.backward(t.sum(y));
    expect(Array.from(q.grad?.data.subarray(0, 4) ?? [])).toEqual([0, 0, 0, 0]);
  });

  it("dropout draws the same masks from the same seed and is off on inference tapes", () => {
    const x = uniform(rng, 6, 4);
    const run = (t: Tape): Float32Array =>
      causalAttention(t, x, x, x, seg([0], [6]), { heads: 2, dropout: 0.5, rng: new Rng(9) }).value.data;
    expect(Array.from(run(new Tape()))).toEqual(Array.from(run(new Tape())));
    const plain = causalAttention(Tape.inference(), x, x, x, seg([0], [6]), { heads: 2 }).value.data;
    expect(Array.from(run(Tape.inference()))).toEqual(Array.from(plain));
    expect(Array.from(run(new Tape()))).not.toEqual(Array.from(plain));
  });

  it("rejects bad segments, shapes and heads with clear errors", () => {
    const x = new Matrix(4, 4);
    const t = Tape.inference();
    expect(() => causalAttention(t, x, x, x, seg([2], [3]), { heads: 1 })).toThrow(
      "causalAttention: segment 0 [2, 5) is outside the 4 rows of the inputs",
    );
    expect(() => causalAttention(t, x, x, x, seg([0, 1], [2, 2]), { heads: 1 })).toThrow(
      "causalAttention: segments 0 and 1 overlap at row 1",
    );
    expect(() => causalAttention(t, x, new Matrix(3, 4), x, seg([0], [1]), { heads: 1 })).toThrow(
      "causalAttention: shape mismatch q 4x4 vs k 3x4",
    );
    expect(() => causalAttention(t, x, x, x, seg([0], [1]), { heads: 3 })).toThrow(
      "heads must be a positive divisor of the width 4, got 3",
    );
    expect(() => causalAttention(new Tape(), x, x, x, seg([0], [1]), { heads: 1, dropout: 0.2 })).toThrow(
      "needs an rng",
    );
  });
});
