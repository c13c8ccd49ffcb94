import { describe, expect, it } from "vitest";
import { Matrix } from "../matrix.js";
import { Rng } from "../rng.js";
import { gradCheck } from "./gradcheck.js";
import { indexedAttention, indexedAttentionWeights, type AttentionSlots } from "./indexed-attention.js";
import { Tape } from "./tape.js";

const rand = (rows: number, cols: number, seed: number): Matrix => {
  const m = new Matrix(rows, cols);
  new Rng(seed).fillNormal(m.data, 0, 1);
  return m;
};

describe("indexedAttention", () => {
  it("computes softmax(q.k / sqrt(dk)) weighted values by hand, masks empty slots, zero rows", () => {
    // One head, d = 2: q = [1, 0]; keys [2, 0], [0, 1], [1, 1]; row 0 uses keys 0 and 1.
    const q = Matrix.fromRows([
      [1, 0],
      [0, 2],
      [5, 5],
    ]);
    const K = Matrix.fromRows([
      [2, 0],
      [0, 1],
      [1, 1],
    ]);
    const V = Matrix.fromRows([
      [1, 0],
      [0, 1],
      [3, 3],
    ]);
    const slots: AttentionSlots = { slots: 2, ids: Int32Array.from([0, 1, 2, -1, -1, -1]) };
    const out = indexedAttention(Tape.inference(), q, K, V, slots, 1).value;
    const s = 1 / Math.sqrt(2);
    const e0 = Math.exp(2 * s);
    const e1 = Math.exp(0);
    const p0 = e0 / (e0 + e1);
    expect(out.get(0, 0)).toBeCloseTo(p0, 6);
    expect(out.get(0, 1)).toBeCloseTo(1 - p0, 6);
    // Row 1 has one filled slot (key 2): weight 1, output V[2].
    expect(Array.from(out.row(1))).toEqual([3, 3]);
    // Row 2 has none: 0.
    expect(Array.from(out.row(2))).toEqual([0, 0]);
    const w = indexedAttentionWeights(q, K, slots, 1);
    expect(w[0]).toBeCloseTo(p0, 6);
    expect(Array.from(w.subarray(2))).toEqual([1, 0, 0, 0]);
  });

  it("two heads attend independently on their own columns", () => {
    const q = Matrix.fromRows([[1, 0, 0, 1]]);
    const K = Matrix.fromRows([
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ]);
    const w = indexedAttentionWeights(q, K, { slots: 2, ids: Int32Array.from([0, 1]) }, 2);
    const a = Math.exp(1 / Math.sqrt(2)) / (Math.exp(1 / Math.sqrt(2)) + 1);
    expect(w[0]).toBeCloseTo(a, 6); // head 0 prefers key 0
    expect(w[3]).toBeCloseTo(a, 6); // head 1 prefers key 1
  });

  it("has finite-difference gradients for q, K and V (shared ids, empty slots, two heads)", () => {
    const slots: AttentionSlots = {
      slots: 3,
      ids: Int32Array.from([0, 2, 4, 1, -1, 2, 3, 3, 0, -1, -1, -1, 4, 1, -1]),
    };
    for (const heads of [1, 2]) {
      const report = gradCheck(
        (t, [q, K, V]) => indexedAttention(t, q, K, V, slots, heads),
        [rand(5, 4, 1), rand(5, 4, 2), rand(5, 4, 3)],
        { eps: 1e-2, atol: 1e-3 },
      );
      expect(report.failures).toEqual([]);
      expect(report.checked).toBe(60);
      expect(report.forwardMismatch).toBe(0);
    }
  });

  it("shared slots (every row the same table rows) go through BLAS and match the per-row loops", () => {
    // Rows 0-3 share ids [4, -1, 1, 2]; a fifth row with other ids forces the loop path, so the
    // first four output rows of the two calls must agree (and the shared one is hand-checked below).
    const shared = [4, -1, 1, 2];
    const both = { slots: 4, ids: Int32Array.from([...shared, ...shared, ...shared, ...shared]) };
    const mixed = { slots: 4, ids: Int32Array.from([...both.ids, 0, 3, -1, -1]) };
    const q = rand(5, 4, 7);
    const K = rand(5, 4, 8);
    const V = rand(5, 4, 9);
    for (const heads of [1, 2]) {
      const q4 = new Matrix(4, 4, q.data.slice(0, 16));
      const fast = indexedAttention(Tape.inference(), q4, K, V, both, heads).value;
      const loop = indexedAttention(Tape.inference(), q, K, V, mixed, heads).value;
      for (let t = 0; t < 16; t++) expect(fast.data[t]).toBeCloseTo(loop.data[t], 5);
    }
    // One head by hand, row 0: softmax over keys 4, 1, 2 of q.k / 2, then the weighted values.
    const out = indexedAttention(Tape.inference(), new Matrix(4, 4, q.data.slice(0, 16)), K, V, both, 1);
    const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, c) => s + x * b[c], 0);
    const e = [4, 1, 2].map((id) => Math.exp(dot(q.row(0), K.row(id)) / 2));
    const z = e[0] + e[1] + e[2];
    for (let c = 0; c < 4; c++)
      expect(out.value.get(0, c)).toBeCloseTo(
        (e[0] * V.get(4, c) + e[1] * V.get(1, c) + e[2] * V.get(2, c)) / z,
        5,
      );
  });

  it("has finite-difference gradients on the shared (BLAS) path, one and two heads", () => {
    const slots: AttentionSlots = { slots: 3, ids: Int32Array.from([2, -1, 0, 2, -1, 0, 2, -1, 0]) };
    for (const heads of [1, 2]) {
      const report = gradCheck(
        (t, [q, K, V]) => indexedAttention(t, q, K, V, slots, heads),
        [rand(3, 4, 11), rand(4, 4, 12), rand(4, 4, 13)],
        { eps: 1e-2, atol: 1e-3 },
      );
      expect(report.failures).toEqual([]);
      expect(report.checked).toBe(44);
      expect(report.forwardMismatch).toBe(0);
    }
  });

  it("rejects bad slot tables naming the row and slot", () => {
    const q = rand(2, 4, 1);
    const K = rand(3, 4, 2);
    expect(() =>
      indexedAttention(Tape.inference(), q, K, K, { slots: 2, ids: Int32Array.from([0, 1, 2]) }, 1),
    ).toThrow("indexedAttention: 3 slot ids for 2 rows x 2 slots (expected 4)");
    expect(() =>
      indexedAttention(Tape.inference(), q, K, K, { slots: 2, ids: Int32Array.from([0, 1, 2, 7]) }, 1),
    ).toThrow("indexedAttention: row 1 slot 1 names table row 7, outside [0, 3)");
    expect(() =>
      indexedAttention(Tape.inference(), q, K, K, { slots: 1, ids: Int32Array.from([0, 1]) }, 3),
    ).toThrow("heads must be a positive divisor of the width 4, got 3");
  });
});
