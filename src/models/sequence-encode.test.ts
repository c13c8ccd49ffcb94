import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import type { PackedSequences } from "./sequence-batch.js";
import { batchSequences, encodeAllPositions, encodeLastPositions } from "./sequence-encode.js";

/** A stand-in forward pass: each row's state is [item, position]. */
const forward = (p: PackedSequences): Matrix => {
  const m = new Matrix(p.rows, 2);
  for (let r = 0; r < p.rows; r++) {
    m.data[2 * r] = p.items[r];
    m.data[2 * r + 1] = p.positions[r];
  }
  return m;
};

// 700 sequences (more than one encoding chunk of 512): sequence b is b % 5 items (b, b+1, ...), some empty.
const seqs = Array.from({ length: 700 }, (_, b) => Int32Array.from({ length: b % 5 }, (_, j) => b + j));

describe("sequence encoding helpers", () => {
  it("last positions: the last item's state across chunk boundaries; empty sequences get the given row", () => {
    const z = encodeLastPositions(seqs, 3, 2, forward, Float32Array.of(-1, -2));
    for (const b of [0, 1, 4, 511, 512, 513, 699]) {
      const n = b % 5;
      // keeps the last maxLen = 3 items, the last at position maxLen - 1 = 2
      expect(Array.from(z.row(b))).toEqual(n === 0 ? [-1, -2] : [b + n - 1, 2]);
    }
  });

  it("all positions: every kept item once, offsets per sequence", () => {
    const { states, offsets } = encodeAllPositions(seqs, 3, 2, forward);
    const kept = seqs.map((s) => Math.min(s.length, 3));
    expect(offsets[700]).toBe(kept.reduce((a, b) => a + b, 0));
    const b = 513; // 3 items: 513, 514, 515 at positions 0, 1, 2
    expect(offsets[b + 1] - offsets[b]).toBe(3);
    expect(Array.from(states.row(offsets[b]))).toEqual([513, 0]);
    const c = 514; // 4 items, the last 3 kept: 515, 516, 517
    expect(Array.from(states.row(offsets[c]))).toEqual([515, 0]);
    expect(Array.from(states.row(offsets[c + 1] - 1))).toEqual([517, 2]);
  });

  it("batch sequences are required, one per row, items in range", () => {
    const rows = Csr.fromTriplets(2, 4, [0, 1], [0, 1]);
    expect(() => batchSequences("m.encodeUsers", { rows }, 4)).toThrow(
      "m.encodeUsers: the batch has no sequences",
    );
    expect(() => batchSequences("m.encodeUsers", { rows, sequences: [Int32Array.of(0)] }, 4)).toThrow(
      "m.encodeUsers: 1 sequences for 2 rows",
    );
    expect(() =>
      batchSequences("m.encodeUsers", { rows, sequences: [Int32Array.of(0), Int32Array.of(4)] }, 4),
    ).toThrow("sequence 1 has item 4 at position 0, outside [0, 4)");
  });
});
