import { describe, expect, it } from "vitest";
import { AliasSampler, Rng } from "./rng.js";

function stream(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

function meanVar(xs: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let q = 0;
  for (let i = 0; i < xs.length; i++) q += (xs[i] - mean) ** 2;
  return [mean, q / (xs.length - 1)];
}

/** Pearson chi-square statistic of observed counts against equal expected counts. */
function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((acc, o) => acc + (o - e) ** 2 / e, 0);
}

describe("Rng streams", () => {
  it("the same seed gives the same stream, for every method", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(stream(a, 1000)).toEqual(stream(b, 1000));
    expect([a.uniform(), a.normal(), a.normal(), a.int(1000)]).toEqual([
      b.uniform(),
      b.normal(),
      b.normal(),
      b.int(1000),
    ]);
    expect(a.permutation(50)).toEqual(b.permutation(50));
    expect(stream(a.fork(), 10)).toEqual(stream(b.fork(), 10));
  });

  it("different seeds (including negative and > 2^32) give different streams", () => {
    const seeds = [
      0,
      1,
      2,
      -1,
      -2,
      -3,
      2 ** 32,
      2 ** 32 + 1,
      2 ** 32 + 2,
      2 ** 33,
      123456789,
      Number.MAX_SAFE_INTEGER,
    ];
    const firsts = seeds.map((s) => stream(new Rng(s), 4).join(","));
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it("rejects seeds that are not integers", () => {
    expect(() => new Rng(0.5)).toThrow("Rng: seed must be an integer, got 0.5");
    expect(() => new Rng(Number.NaN)).toThrow("Rng: seed must be an integer, got NaN");
  });

  it("fork is deterministic and independent of the parent's continuation", () => {
    const parent = new Rng(9);
    const child = parent.fork();
    const sibling = parent.fork();
    const c = stream(child, 8);
    expect(c).not.toEqual(stream(parent, 8));
    expect(c).not.toEqual(stream(sibling, 8));
  });
});

describe("Rng distributions", () => {
  it("uniform: in [0, 1), mean 1/2 and variance 1/12 over 1e5 draws, flat histogram", () => {
    const rng = new Rng(1);
    const n = 100_000;
    const xs = new Float64Array(n);
    const bins = new Array<number>(10).fill(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      xs[i] = u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      bins[Math.floor(u * 10)]++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const [mean, variance] = meanVar(xs);
    // standard errors: mean 0.0009, variance 0.00024
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.0015);
    // chi-square with 9 degrees of freedom: P(> 40) < 1e-5
    expect(chiSquareUniform(bins)).toBeLessThan(40);
    const lohi = new Rng(2).fillUniform(new Float32Array(1000), -3, -1);
    expect(Math.min(...lohi)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...lohi)).toBeLessThan(-1);
  });

  it("normal: mean 0, std 1, 68.3% within one sigma over 1e5 draws", () => {
    const rng = new Rng(2);
    const n = 100_000;
    const xs = new Float64Array(n);
    let within = 0;
    for (let i = 0; i < n; i++) {
      xs[i] = rng.normal();
      if (Math.abs(xs[i]) < 1) within++;
    }
    const [mean, variance] = meanVar(xs);
    // standard errors: mean 0.0032, variance 0.0045, fraction 0.0015
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.015);
    expect(Math.abs(within / n - 0.6827)).toBeLessThan(0.008);
    const [m2, v2] = meanVar(new Rng(3).fillNormal(new Float32Array(20_000), 5, 2));
    expect(Math.abs(m2 - 5)).toBeLessThan(0.1);
    expect(Math.abs(Math.sqrt(v2) - 2)).toBeLessThan(0.06);
  });

  it("int(n) covers exactly 0..n-1 evenly and rejects bad n", () => {
    const rng = new Rng(4);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 14_000; i++) counts[rng.int(7)]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(14_000); // every draw was an integer in [0, 7)
    // chi-square with 6 degrees of freedom: P(> 35) < 1e-5
    expect(chiSquareUniform(counts)).toBeLessThan(35);
    expect(new Rng(5).int(1)).toBe(0);
    for (const bad of [0, -3, 2.5, Number.NaN])
      expect(() => rng.int(bad)).toThrow(`Rng.int: n must be a positive integer, got ${bad}`);
  });

  it("permutation is a permutation, and every element lands in every position equally often", () => {
    const rng = new Rng(6);
    const p = rng.permutation(100);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // 5 elements x 5 positions over 20 000 shuffles (expected 4 000 per cell). A shuffle that never
    // leaves an element in place (Sattolo) or swaps with any index (the naive shuffle) fails this.
    const n = 5;
    const draws = 20_000;
    const table = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let d = 0; d < draws; d++) {
      const q = rng.permutation(n);
      for (let pos = 0; pos < n; pos++) table[q[pos]][pos]++;
    }
    // position of element 0: chi-square, 4 degrees of freedom, P(> 25) < 1e-4
    expect(chiSquareUniform(table[0])).toBeLessThan(25);
    // the whole table: (n-1)^2 = 16 degrees of freedom, P(> 60) < 1e-6
    const all = table.reduce((acc, row) => acc + chiSquareUniform(row), 0);
    expect(all).toBeLessThan(60);
    expect(rng.permutation(0).length).toBe(0);
  });

  it("shuffle permutes a plain array in place", () => {
    const a = ["a", "b", "c", "d", "e", "f"];
    const same = new Rng(7).shuffle(a);
    expect(same).toBe(a);
    expect([...a].sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
  });
});

describe("AliasSampler", () => {
  it("draws categories with frequencies proportional to the weights; zero weights never", () => {
    const weights = [1, 0, 3, 6, 0, 10];
    const s = new AliasSampler(weights);
    expect(s.size).toBe(6);
    const rng = new Rng(8);
    const n = 200_000;
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < n; i++) counts[s.sample(rng)]++;
    expect(counts[1]).toBe(0);
    expect(counts[4]).toBe(0);
    // standard error of a frequency <= 0.0011
    weights.forEach((w, i) => expect(Math.abs(counts[i] / n - w / 20)).toBeLessThan(0.005));
  });

  it("handles a single category and weights whose sum overflows", () => {
    const rng = new Rng(9);
    expect(new AliasSampler([0.3]).sample(rng)).toBe(0);
    const huge = new AliasSampler([1e308, 1e308, 0]);
    let zeros = 0;
    let twos = 0;
    for (let i = 0; i < 10_000; i++) {
      const k = huge.sample(rng);
      if (k === 0) zeros++;
      if (k === 2) twos++;
    }
    expect(twos).toBe(0);
    expect(Math.abs(zeros / 10_000 - 0.5)).toBeLessThan(0.03);
  });

  it("rejects negative, non-finite and all-zero weights, naming the weight", () => {
    expect(() => new AliasSampler([1, -1])).toThrow(
      "AliasSampler: weight 1 is -1; weights must be finite and >= 0",
    );
    expect(() => new AliasSampler([Number.NaN])).toThrow("AliasSampler: weight 0 is NaN");
    expect(() => new AliasSampler([1, Infinity])).toThrow("AliasSampler: weight 1 is Infinity");
    expect(() => new AliasSampler([0, 0])).toThrow("AliasSampler: all weights are zero");
    expect(() => new AliasSampler([])).toThrow("AliasSampler: all weights are zero");
  });
});
