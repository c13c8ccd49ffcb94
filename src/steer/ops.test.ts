import { describe, expect, it } from "vitest";
import { CodeBuilder } from "../sae/code.js";
import type { SparseCode } from "../sae/types.js";
import { boostCode } from "./boost.js";
import { clampCode } from "./clamp.js";
import { steerCode } from "./ops.js";
import { suppressCode } from "./suppress.js";

/** Rows of a code as {latent: value} objects. */
function rowsOf(code: SparseCode): Record<number, number>[] {
  const out: Record<number, number>[] = [];
  for (let r = 0; r < code.rows; r++) {
    const row: Record<number, number> = {};
    for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) row[code.indices[p]] = code.values[p];
    out.push(row);
  }
  return out;
}

function hand(rows: [number, number][][], dSae = 8): SparseCode {
  const b = new CodeBuilder(rows.length, dSae);
  for (const r of rows) {
    for (const [j, v] of r) b.push(j, v);
    b.endRow();
  }
  return b.build({
    rowMean: new Float32Array(rows.length).fill(0.5),
    rowScale: new Float32Array(rows.length).fill(2),
  });
}

/** row 0: sum 8; row 1: sum 1; row 2: empty. */
const code = (): SparseCode =>
  hand([
    [
      [1, 2],
      [3, 6],
    ],
    [[0, 1]],
    [],
  ]);

function snapshot(c: SparseCode): string {
  return JSON.stringify([
    Array.from(c.indptr),
    Array.from(c.indices),
    Array.from(c.values),
    Array.from(c.rowMean ?? []),
    Array.from(c.rowScale ?? []),
  ]);
}

describe("boost", () => {
  it("single knob: (1 - alpha) z + alpha S e_j, the row sum S is kept", () => {
    const out = boostCode(code(), [{ neuron: 3, alpha: 0.25 }]);
    expect(rowsOf(out)).toEqual([{ 1: 1.5, 3: 6.5 }, { 0: 0.75, 3: 0.25 }, {}]);
    expect(Array.from(out.rowMean ?? [])).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(out.rowScale ?? [])).toEqual([2, 2, 2]);
  });

  it("several knobs: (1 - sum alpha) z + S sum alpha_j e_j", () => {
    const out = boostCode(code(), [
      { neuron: 1, alpha: 0.25 },
      { neuron: 5, alpha: 0.5 },
    ]);
    expect(rowsOf(out)).toEqual([{ 1: 2.5, 3: 1.5, 5: 4 }, { 0: 0.25, 1: 0.25, 5: 0.5 }, {}]);
  });

  it("alpha 1 puts the whole mass S on the knob", () => {
    expect(rowsOf(boostCode(code(), [{ neuron: 6, alpha: 1 }]))).toEqual([{ 6: 8 }, { 6: 1 }, {}]);
  });

  it("alpha 0 returns every row bit for bit (odd float32 values included)", () => {
    const c = hand([
      [
        [2, 0.1],
        [7, 1 / 3],
      ],
      [[4, 1e-7]],
    ]);
    const out = boostCode(c, [{ neuron: 5, alpha: 0 }]);
    expect(Array.from(out.indices)).toEqual(Array.from(c.indices));
    expect(Array.from(out.values)).toEqual(Array.from(c.values));
    expect(Array.from(out.indptr)).toEqual(Array.from(c.indptr));
  });

  it("rejects bad knobs and negative activations", () => {
    expect(() => boostCode(code(), [{ neuron: 8, alpha: 0.1 }])).toThrow(
      /knobs\[0\]\.neuron: latent 8 is not an integer in \[0, 8\)/,
    );
    expect(() => boostCode(code(), [{ neuron: 1, alpha: -0.1 }])).toThrow(
      /knobs\[0\]\.alpha must be in \[0, 1\], got -0.1/,
    );
    expect(() =>
      boostCode(code(), [
        { neuron: 1, alpha: 0.6 },
        { neuron: 2, alpha: 0.6 },
      ]),
    ).toThrow(/sum to 1.2/);
    expect(() =>
      boostCode(code(), [
        { neuron: 1, alpha: 0.1 },
        { neuron: 1, alpha: 0.1 },
      ]),
    ).toThrow(/knobs\[1\] repeats neuron 1/);
    expect(() => boostCode(hand([[[1, -1]]]), [{ neuron: 1, alpha: 0.1 }])).toThrow(
      /row 0 has activation -1 at latent 1/,
    );
  });
});

describe("suppress and clamp", () => {
  it("suppress scales the listed latents; factor 0 removes them", () => {
    expect(rowsOf(suppressCode(code(), [3], 0.5))).toEqual([{ 1: 2, 3: 3 }, { 0: 1 }, {}]);
    expect(rowsOf(suppressCode(code(), [3, 0]))).toEqual([{ 1: 2 }, {}, {}]);
    expect(() => suppressCode(code(), [1], -1)).toThrow(/factor must be a finite number >= 0, got -1/);
  });

  it("clamp sets a latent to a value whatever it was; 0 removes it", () => {
    expect(rowsOf(clampCode(code(), 0, 4))).toEqual([{ 0: 4, 1: 2, 3: 6 }, { 0: 4 }, { 0: 4 }]);
    expect(rowsOf(clampCode(code(), 3, 0))).toEqual([{ 1: 2 }, { 0: 1 }, {}]);
    expect(() => clampCode(code(), 0, NaN)).toThrow(/value must be finite, got NaN/);
  });
});

describe("steerCode", () => {
  it("applies ops in order and never modifies its input", () => {
    const c = code();
    const before = snapshot(c);
    // suppress 3 (row 0 -> {1: 2}, sum 2), then boost 5 by 0.5 (-> {1: 1, 5: 1}), then clamp 1 to 3
    const out = steerCode(c, [
      { kind: "suppress", neurons: [3] },
      { kind: "boost", knobs: [{ neuron: 5, alpha: 0.5 }] },
      { kind: "clamp", neuron: 1, value: 3 },
    ]);
    expect(rowsOf(out)).toEqual([{ 1: 3, 5: 1 }, { 0: 0.5, 5: 0.5, 1: 3 }, { 1: 3 }]);
    expect(snapshot(c)).toBe(before);
    expect(out.values).not.toBe(c.values);
    expect(out.rowMean).not.toBe(c.rowMean);
  });

  it("per-row plans", () => {
    const out = steerCode(code(), (r) => (r === 1 ? [{ kind: "clamp", neuron: 2, value: 7 }] : []));
    expect(rowsOf(out)).toEqual([{ 1: 2, 3: 6 }, { 0: 1, 2: 7 }, {}]);
    expect(() => steerCode(code(), (r) => (r === 2 ? [{ kind: "clamp", neuron: 9, value: 1 }] : []))).toThrow(
      /steer \(row 2\)\[0\] \(clamp\): neuron: latent 9/,
    );
  });

  it("rejects unknown op kinds", () => {
    expect(() => steerCode(code(), [{ kind: "amplify" } as never])).toThrow(
      /steer\[0\] \(amplify\): unknown steering op kind/,
    );
  });
});
