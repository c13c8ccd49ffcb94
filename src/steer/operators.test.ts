import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { CodeRow } from "./code-row.js";
import { steerCode } from "./ops.js";
import {
  injectCount,
  injectHistory,
  knobWeights,
  operatorName,
  popularItemsByTag,
  rerankScores,
} from "./operators.js";
import { shiftCode, shiftRow } from "./shift.js";
import { CodeBuilder } from "../sae/code.js";

function rowsOf(m: Csr): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.rowIndices(r)).sort((a, b) => a - b));
}

describe("shift operator (reclens default): z'_j = z_j + amount * S", () => {
  it("adds amount times the row's activation sum to the knob only", () => {
    // row {0: 1, 2: 3}: S = 4; amount 0.5 on latent 1 -> 2, amount 0.25 on latent 2 -> 3 + 1 = 4
    const row = new CodeRow(0, 4, [0, 2], [1, 3]);
    shiftRow(row, [
      { neuron: 1, amount: 0.5 },
      { neuron: 2, amount: 0.25 },
    ]);
    expect([row.get(0), row.get(1), row.get(2), row.get(3)]).toEqual([1, 2, 4, 0]);
  });

  it("amount 0 and an empty row change nothing; bad knobs are refused naming the field", () => {
    const b = new CodeBuilder(2, 4, 4);
    b.push(1, 0.75);
    b.push(3, 0.5);
    b.endRow();
    b.endRow(); // empty row: no scale
    const code = b.build();
    const same = shiftCode(code, [{ neuron: 0, amount: 0 }]);
    expect(Array.from(same.values)).toEqual([0.75, 0.5]);
    const moved = steerCode(code, [{ kind: "shift", knobs: [{ neuron: 0, amount: 2 }] }]);
    // row 0: S = 1.25 -> latent 0 gets 2.5; row 1 stays empty
    const entries = Array.from(moved.indices, (j, p) => [j, moved.values[p]]).sort((a, b) => a[0] - b[0]);
    expect(entries).toEqual([
      [0, 2.5],
      [1, 0.75],
      [3, 0.5],
    ]);
    expect(moved.indptr[2]).toBe(3);
    expect(() => shiftCode(code, [{ neuron: 0, amount: -1 }])).toThrow(
      /knobs\[0\]\.amount must be a finite number >= 0, got -1/,
    );
    expect(() => shiftCode(code, [{ neuron: 4, amount: 1 }])).toThrow(
      /latent 4 is not an integer in \[0, 4\)/,
    );
  });
});

describe("(c) metadata re-ranking: min-max normalised scores + alpha on the segment", () => {
  it("matches the hand computation", () => {
    // scores [1, 3, 2, 5], item 3 seen: unseen min 1, max 3 -> [0, 1, 0.5, -inf]
    const scores = Matrix.fromRows([[1, 3, 2, 5]]);
    const seen = Csr.fromTriplets(1, 4, [0], [3]);
    const seg = Uint8Array.from([1, 0, 1, 0]);
    const out = rerankScores(scores, seen, () => seg, 0.6);
    expect(out.data[0]).toBeCloseTo(0.6, 6);
    expect(out.data[1]).toBeCloseTo(1, 6);
    expect(out.data[2]).toBeCloseTo(1.1, 6);
    expect(out.data[3]).toBe(-Infinity);
    // alpha 0 keeps the order: item 1 > item 2 > item 0
    const flat = rerankScores(scores, seen, () => seg, 0);
    expect(Array.from(flat.data.subarray(0, 3))).toEqual([0, 1, 0.5]);
    // no segment for the row: scores only normalised
    expect(Array.from(rerankScores(scores, seen, () => null, 0.6).data.subarray(0, 3))).toEqual([0, 1, 0.5]);
    expect(() => rerankScores(scores, seen, () => seg, -0.1)).toThrow(/alpha must be a finite number >= 0/);
  });
});

describe("(b) knob re-rank: the neuron's item activations as soft segment weights", () => {
  it("scales the knob's column to [0, 1] and adds alpha times it", () => {
    // items x neurons: neuron 1 fires 2, 0, 4, 1 on items 0..3 -> weights 0.5, 0, 1, 0.25
    const acts = Matrix.fromRows([
      [9, 2],
      [0, 0],
      [1, 4],
      [3, 1],
    ]);
    const w = knobWeights(acts, 1);
    expect(Array.from(w)).toEqual([0.5, 0, 1, 0.25]);
    expect(Array.from(knobWeights(Matrix.fromRows([[0], [0]]), 0))).toEqual([0, 0]);
    // scores [1, 3, 2, 5], item 3 seen -> normalised [0, 1, 0.5]; + 0.4 w = [0.2, 1, 0.9]
    const out = rerankScores(Matrix.fromRows([[1, 3, 2, 5]]), Csr.fromTriplets(1, 4, [0], [3]), () => w, 0.4);
    expect(out.data[0]).toBeCloseTo(0.2, 6);
    expect(out.data[1]).toBeCloseTo(1, 6);
    expect(out.data[2]).toBeCloseTo(0.9, 6);
    expect(out.data[3]).toBe(-Infinity);
    expect(() => knobWeights(acts, 2)).toThrow(/neuron 2 is not in \[0, 2\)/);
  });
});

describe("(d) history injection", () => {
  it("adds share alpha of the input from the segment's most popular unseen items", () => {
    expect(injectCount(3, 0, 10)).toBe(0);
    expect(injectCount(3, 0.25, 10)).toBe(1); // 0.25 * 3 / 0.75 = 1
    expect(injectCount(3, 0.5, 10)).toBe(3); // half of the new input
    expect(injectCount(3, 0.9, 10)).toBe(10); // 27, capped at what is available
    expect(injectCount(3, 1, 7)).toBe(7);
    // items x tags: tag 0 on items 1, 2, 4, 5; popularity 1: 5, 2: 9, 4: 1, 5: 9
    const tags = Csr.fromTriplets(6, 2, [1, 2, 4, 5, 0], [0, 0, 0, 0, 1]);
    const popular = popularItemsByTag(tags, [0, 5, 9, 0, 1, 9]);
    expect(Array.from(popular(0))).toEqual([2, 5, 1, 4]); // ties (2, 5 at 9) by lower index
    // user 0 holds items 0, 2, 3; user 1 holds item 4 and has no segment
    const rows = Csr.fromTriplets(2, 6, [0, 0, 0, 1], [0, 2, 3, 4]);
    const half = injectHistory(rows, (r) => (r === 0 ? popular(0) : null), 0.5);
    // 3 more items, skipping item 2 already held: 5, 1, 4
    expect(rowsOf(half)).toEqual([[0, 1, 2, 3, 4, 5], [4]]);
    const quarter = injectHistory(rows, (r) => (r === 0 ? popular(0) : null), 0.25);
    expect(rowsOf(quarter)).toEqual([[0, 2, 3, 5], [4]]);
    expect(rowsOf(injectHistory(rows, () => popular(0), 0))).toEqual(rowsOf(rows));
  });

  it("names unknown operators", () => {
    expect(operatorName("rerank")).toBe("rerank");
    expect(() => operatorName("boost")).toThrow(
      /unknown steering operator "boost" \(known: k2k, shift, knob, rerank, inject, direction, personal\)/,
    );
  });
});
