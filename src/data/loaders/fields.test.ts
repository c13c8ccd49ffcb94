import { describe, expect, it } from "vitest";
import {
  parseIntId,
  parseNumber,
  parseNumericLine,
  parseTimestamp,
  RecordAssembler,
  splitDelimited,
} from "./fields.js";

describe("splitDelimited", () => {
  it("splits plain and RFC 4180 quoted fields", () => {
    expect(splitDelimited("1,Toy Story (1995),Comedy", ",")).toEqual(["1", "Toy Story (1995)", "Comedy"]);
    expect(splitDelimited('11,"American President, The (1995)",Comedy|Drama', ",")).toEqual([
      "11",
      "American President, The (1995)",
      "Comedy|Drama",
    ]);
    expect(splitDelimited('1,"say ""hi""",', ",")).toEqual(["1", 'say "hi"', ""]);
    expect(splitDelimited('"a"', ",")).toEqual(["a"]);
    expect(splitDelimited("1::Title::A|B", "::")).toEqual(["1", "Title", "A|B"]);
    expect(splitDelimited('1,"open', ",")).toBeNull();
  });

  it("joins quoted fields spanning lines and reports the starting line", () => {
    const asm = new RecordAssembler(",", "tags.csv");
    expect(asm.push('15,339,"two', 4)).toBeNull();
    expect(asm.push('lines",1138537770', 5)).toEqual(["15", "339", "two\nlines", "1138537770"]);
    expect(asm.startLine).toBe(4);
    expect(asm.push('1,2,"never closed', 9)).toBeNull();
    expect(() => asm.finish()).toThrow(/tags\.csv line 9: unterminated quoted field at end of file/);
  });
});

describe("field parsers", () => {
  it("parse valid values", () => {
    expect(parseIntId(" 0042 ", "f", 1, "id")).toBe(42);
    expect(parseNumber("3.5", "f", 1, "rating")).toBe(3.5);
    expect(parseNumber("0", "f", 1, "rating")).toBe(0);
    expect(parseTimestamp("881250949", "f", 1, "ts")).toBe(881250949);
    expect(parseTimestamp("2020-01-02T00:00:00Z", "f", 1, "ts")).toBe(Date.UTC(2020, 0, 2) / 1000);
  });

  it("name file, line, field and value on bad input", () => {
    expect(() => parseIntId("u12", "u.data", 7, "user id")).toThrow(
      'u.data line 7, field "user id": expected a non-negative integer id, got "u12"',
    );
    expect(() => parseIntId("", "u.data", 7, "user id")).toThrow(
      /expected a non-negative integer id, got ""/,
    );
    expect(() => parseNumber("four", "r.csv", 3, "rating")).toThrow(
      'r.csv line 3, field "rating": expected a number, got "four"',
    );
    expect(() => parseNumber(" ", "r.csv", 3, "rating")).toThrow(/expected a number/);
    expect(() => parseTimestamp("yesterday", "r.csv", 3, "timestamp")).toThrow(
      /r\.csv line 3, field "timestamp": expected a timestamp/,
    );
  });
});

describe("parseNumericLine (allocation-free fast path)", () => {
  const out = new Float64Array(4);
  const frac = new Uint8Array(4);
  it("parses plain decimals and flags fractions", () => {
    expect(parseNumericLine("196\t242\t3.5\t881250949", "\t", out, frac)).toBe(4);
    expect(Array.from(out)).toEqual([196, 242, 3.5, 881250949]);
    expect(Array.from(frac)).toEqual([0, 0, 1, 0]);
    expect(parseNumericLine("1::1193::5::978300760", "::", out, frac)).toBe(4);
    expect(Array.from(out)).toEqual([1, 1193, 5, 978300760]);
    expect(parseNumericLine("1,2,3,4,5,6", ",", out, frac)).toBe(6);
  });

  it("gives up (-1) on anything the checked parsers must judge", () => {
    for (const line of ["userId,movieId", "1,-2,3", "1,,3", " 1,2", "1,2e3", '1,"2"', "1;2", "1,2,"]) {
      expect(parseNumericLine(line, ",", out, frac)).toBe(-1);
    }
  });
});
