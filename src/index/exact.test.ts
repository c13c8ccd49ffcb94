import { describe, expect, it } from "vitest";
import { blasKernels } from "../tensor/kernels/blas.js";
import { loadNative } from "../tensor/kernels/native.js";
import { referenceKernels } from "../tensor/kernels/reference.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { ExactItemIndex, selectTop } from "./exact.js";
import { LruCache } from "./lru.js";

const backends = loadNative().ok ? [referenceKernels, blasKernels] : [referenceKernels];

/** The naive full ranking: every non-excluded, finite item sorted by score (float32) desc, then id asc. */
function naiveTop(m: Matrix, bias: Float32Array | null, q: Float32Array, k: number, exclude: Set<number>) {
  const all: { item: number; score: number }[] = [];
  for (let i = 0; i < m.rows; i++) {
    if (exclude.has(i)) continue;
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += m.get(i, c) * q[c];
    const score = Math.fround(Math.fround(s) + (bias ? bias[i] : 0));
    if (score > -Infinity) all.push({ item: i, score });
  }
  all.sort((a, b) => b.score - a.score || a.item - b.item);
  return all.slice(0, k);
}

describe("gemv kernel", () => {
  for (const K of backends) {
    it(`${K.name}: y = alpha op(A) x + beta y on hand values`, () => {
      const a = Matrix.fromRows([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(Array.from(K.gemv(false, 1, a, Float32Array.of(1, 1, 1), 0, new Float32Array(2)))).toEqual([
        6, 15,
      ]);
      expect(Array.from(K.gemv(true, 1, a, Float32Array.of(1, 1), 0, new Float32Array(3)))).toEqual([
        5, 7, 9,
      ]);
      // 2 * [1 0 -1; 4 0 -4] ... : 2 * (A [1, 0, -1]) + 3 * [1, 1] = 2 * [-2, -2] + [3, 3]
      expect(Array.from(K.gemv(false, 2, a, Float32Array.of(1, 0, -1), 3, Float32Array.of(1, 1)))).toEqual([
        -1, -1,
      ]);
      expect(() => K.gemv(false, 1, a, new Float32Array(2), 0, new Float32Array(2))).toThrow(
        /gemv: op\(A\) is 2x3/,
      );
    });
  }

  it.runIf(loadNative().ok)(
    "blas: a one-row gemm (z V^T) equals gemv V z bit for bit, and the reference to 1e-5",
    () => {
      const rng = new Rng(4);
      const v = new Matrix(3000, 48);
      rng.fillNormal(v.data, 0, 1);
      const z = new Matrix(1, 48);
      rng.fillNormal(z.data, 0, 1);
      const viaGemm = blasKernels.gemm(false, true, 1, z, v, 0, new Matrix(1, 3000)).data;
      const viaGemv = blasKernels.gemv(false, 1, v, z.data, 0, new Float32Array(3000));
      expect(Array.from(viaGemm)).toEqual(Array.from(viaGemv));
      const ref = referenceKernels.gemm(false, true, 1, z, v, 0, new Matrix(1, 3000)).data;
      for (let i = 0; i < 3000; i += 97) expect(viaGemm[i]).toBeCloseTo(ref[i], 4);
      // not transposed: z (1 x 48) times W (48 x 30)
      const w = new Matrix(48, 30);
      rng.fillNormal(w.data, 0, 1);
      const g = blasKernels.gemm(false, false, 1, z, w, 0, new Matrix(1, 30)).data;
      const r = referenceKernels.gemm(false, false, 1, z, w, 0, new Matrix(1, 30)).data;
      for (let i = 0; i < 30; i++) expect(g[i]).toBeCloseTo(r[i], 4);
    },
  );
});

describe("ExactItemIndex", () => {
  it("equals the naive full ranking on random data with planted ties, a bias and exclusions", () => {
    const rng = new Rng(7);
    const n = 2000;
    const d = 16;
    const m = new Matrix(n, d);
    rng.fillNormal(m.data, 0, 1);
    // plant exact ties: items 10..19 copy item 5's row (same score, so ids decide)
    for (let i = 10; i < 20; i++) m.data.set(m.data.subarray(5 * d, 6 * d), i * d);
    const bias = new Float32Array(n); // zero bias on the tied items keeps them tied
    for (let i = 20; i < n; i++) bias[i] = rng.uniform() * 0.1;
    const idx = new ExactItemIndex(m, bias);
    for (let t = 0; t < 5; t++) {
      const q = new Float32Array(d);
      if (t === 0)
        q.set(m.data.subarray(5 * d, 6 * d)); // item 5 and its copies rank first
      else rng.fillNormal(q, 0, 1);
      const exclude = new Set([3, 11, 1999, t * 100 + 7]);
      const got = idx.topKSync(q, 20, [...exclude]);
      const want = naiveTop(m, bias, q, 20, exclude);
      expect(Array.from(got.items)).toEqual(want.map((h) => h.item));
      for (let p = 0; p < 20; p++) expect(got.scores[p]).toBeCloseTo(want[p].score, 4);
      if (t === 0)
        expect(Array.from(got.items.subarray(0, 10))).toEqual([5, 10, 12, 13, 14, 15, 16, 17, 18, 19]);
    }
  });

  it("scores q . v + b on hand values, never lists NaN or -Infinity, and returns short lists", () => {
    const m = Matrix.fromRows([
      [1, 0],
      [0, 1],
      [1, 1],
      [NaN, 0],
    ]);
    const idx = new ExactItemIndex(m, Float32Array.of(0, 0.5, -Infinity, 0));
    expect(Array.from(idx.scoreAll(Float32Array.of(2, 1)))).toEqual([2, 1.5, -Infinity, NaN]);
    const top = idx.topKSync(Float32Array.of(2, 1), 10);
    expect(Array.from(top.items)).toEqual([0, 1]);
    expect(Array.from(top.scores)).toEqual([2, 1.5]);
    expect(Array.from(idx.topKSync(Float32Array.of(2, 1), 10, [0]).items)).toEqual([1]);
    expect(() => idx.topKSync(Float32Array.of(1), 3)).toThrow(/query has 1 entries/);
    expect(() => selectTop(new Float32Array(3), 0)).toThrow(/k must be a positive integer/);
  });
});

describe("LruCache", () => {
  it("evicts the least recently used entry and drops entries by prefix", () => {
    const c = new LruCache<number>(2);
    c.set("u1|a", 1);
    c.set("u2|a", 2);
    expect(c.get("u1|a")).toBe(1); // u1 now most recent
    c.set("u3|a", 3); // evicts u2
    expect(c.get("u2|a")).toBeUndefined();
    expect(c.size).toBe(2);
    expect(c.deletePrefix("u1|")).toBe(1);
    expect(c.get("u1|a")).toBeUndefined();
    expect(c.get("u3|a")).toBe(3);
    expect(() => new LruCache(0)).toThrow(/capacity/);
  });
});
