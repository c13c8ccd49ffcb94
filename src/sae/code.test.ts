import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import {
  CodeBuilder,
  codeFiredCounts,
  codeFromDense,
  codeL0,
  codeNnz,
  codeToCsr,
  codeToDense,
} from "./code.js";

describe("sparse codes", () => {
  it("round-trips through dense and converts to a column-sorted Csr", () => {
    const b = new CodeBuilder(3, 5, 1);
    b.push(4, 1.5);
    b.push(1, 2);
    b.endRow();
    b.endRow();
    b.push(0, -1);
    b.endRow();
    const code = b.build();
    expect(codeNnz(code)).toBe(3);
    expect(Array.from(codeL0(code))).toEqual([2, 0, 1]);
    expect(Array.from(codeFiredCounts(code))).toEqual([1, 1, 0, 0, 1]);
    const dense = codeToDense(code);
    expect(dense.toArray()).toEqual([
      [0, 2, 0, 0, 1.5],
      [0, 0, 0, 0, 0],
      [-1, 0, 0, 0, 0],
    ]);
    const csr = codeToCsr(code);
    expect(Array.from(csr.indices)).toEqual([1, 4, 0]);
    expect(Array.from(csr.values)).toEqual([2, 1.5, -1]);
    expect(codeToDense(codeFromDense(dense)).data).toEqual(dense.data);
    expect(() => b.endRow()).toThrow(/more than 3 rows/);
    expect(() => codeToDense(code, new Matrix(2, 5))).toThrow(/expected 3x5/);
  });
});
