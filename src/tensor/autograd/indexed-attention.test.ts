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
