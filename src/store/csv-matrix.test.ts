import { describe, expect, it } from "vitest";
import { parseCsvMatrix } from "./csv-matrix.js";

describe("numeric CSV reader", () => {
  it("reads rows without a header", () => {
    const r = parseCsvMatrix("1,2,3\n4.5,-6,7e-1\n", "e.csv");
    expect(r.columns).toBeUndefined();
    expect([r.matrix.rows, r.matrix.cols]).toEqual([2, 3]);
    expect(Array.from(r.matrix.data)).toEqual([1, 2, 3, 4.5, -6, Math.fround(0.7)]);
  });

  it("detects a header, tabs, CRLF, quotes and blank lines", () => {
    const r = parseCsvMatrix('d0\td1\r\n\r\n"1"\t2\r\n3\t4\r\n', "e.tsv");
    expect(r.columns).toEqual(["d0", "d1"]);
    expect(Array.from(r.matrix.data)).toEqual([1, 2, 3, 4]);
  });

  it("reads whitespace-separated values and honours header: false", () => {
    expect(Array.from(parseCsvMatrix("1 2\n  3   4 \n").matrix.data)).toEqual([1, 2, 3, 4]);
    expect(() => parseCsvMatrix("a,b\n1,2\n", "h.csv", { header: false })).toThrow(
      'h.csv:1:1: "a" is not a finite number',
    );
  });

  it("names file, line and field of bad values", () => {
    expect(() => parseCsvMatrix("x,y\n1,2\n3,abc\n", "e.csv")).toThrow(
      'e.csv:3:2: "abc" is not a finite number',
    );
    expect(() => parseCsvMatrix("1,2\n3,nan\n", "e.csv")).toThrow('e.csv:2:2: "nan" is not a finite number');
    expect(() => parseCsvMatrix("1,2\n3,,4\n", "e.csv")).toThrow(
      "e.csv:2: 3 fields, expected 2 (as on line 1)",
    );
    expect(() => parseCsvMatrix("1,2\n3,\n", "e.csv")).toThrow("e.csv:2:2: empty field");
    expect(() => parseCsvMatrix("a,b\n1,2,3\n", "e.csv")).toThrow(
      "e.csv:2: 3 fields, expected 2 (as on the header)",
    );
    expect(() => parseCsvMatrix("a,b\n\n", "e.csv")).toThrow("e.csv: no numeric rows");
  });
});
