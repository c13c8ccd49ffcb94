import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { batchTopKCode, kthLargest, minCodeValue, reluCode, thresholdCode, topKCode } from "./activations.js";
import { codeL0, codeNnz, codeToDense } from "./code.js";

describe("activations", () => {
  const pre = Matrix.fromRows([
    [0.5, -1, 2, 0.5],
    [3, 1, -2, 0],
  ]);

  it("relu keeps the positive entries", () => {
    expect(codeToDense(reluCode(pre)).toArray()).toEqual([
      [0.5, 0, 2, 0.5],
      [3, 1, 0, 0],
    ]);
  });

  it("topk keeps the k largest positive entries of each row", () => {
    expect(codeToDense(topKCode(pre, 2)).toArray()).toEqual([
      [0.5, 0, 2, 0],
      [3, 1, 0, 0],
    ]);
    // Only two positives in row 1: k = 3 keeps two there.
    expect(Array.from(codeL0(topKCode(pre, 3)))).toEqual([3, 2]);
  });

  it("batchtopk keeps exactly `total` entries over the batch, ties in row-major order", () => {
    const code = batchTopKCode(pre, 3);
    expect(codeToDense(code).toArray()).toEqual([
      [0, 0, 2, 0],
      [3, 1, 0, 0],
    ]);
    const tie = batchTopKCode(pre, 4); // cut at 0.5: the first 0.5 (row 0, col 0) is taken
    expect(codeToDense(tie).toArray()).toEqual([
      [0.5, 0, 2, 0],
      [3, 1, 0, 0],
    ]);
    expect(codeNnz(batchTopKCode(pre, 100))).toBe(5); // only 5 positives exist
    expect(minCodeValue(code)).toBe(1);
  });

  it("threshold keeps pre > max(theta_j, 0)", () => {
    expect(codeToDense(thresholdCode(pre, new Float32Array([1, 0, 1, 0.4]))).toArray()).toEqual([
      [0, 0, 2, 0.5],
      [3, 1, 0, 0],
    ]);
  });

  it("kthLargest agrees with sorting, duplicates included", () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.int(200);
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = rng.int(20) - 5;
      const sorted = Array.from(a).sort((x, y) => y - x);
      const k = 1 + rng.int(n);
      expect(kthLargest(a.slice(), k)).toBe(sorted[k - 1]);
    }
    expect(() => kthLargest(new Float32Array(3), 4)).toThrow(/k=4/);
  });
});
