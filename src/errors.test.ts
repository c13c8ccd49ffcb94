import { describe, expect, it } from "vitest";
import { DataFileMissingError, DataFormatError } from "./data/loaders/errors.js";
import { BadInput, Conflict, exitCodeOf, httpStatusOf, NotFound, Unavailable } from "./errors.js";

describe("the domain error family", () => {
  it("maps each member once to an exit code and an HTTP status", () => {
    const cases: [Error, number, number | undefined][] = [
      [new BadInput("b", "n"), 2, 400],
      [new NotFound("n"), 3, 404],
      [new Conflict("c"), 4, 409],
      [new Unavailable("u"), 5, 503],
      [new RangeError("bug"), 1, undefined],
    ];
    for (const [err, code, status] of cases) {
      expect(exitCodeOf(err)).toBe(code);
      expect(httpStatusOf(err)).toBe(status);
    }
    expect(exitCodeOf("not an error")).toBe(1);
  });

  it("loader errors belong to the family: a malformed file is bad input, a missing one not found", () => {
    const bad = new DataFormatError({ file: "r.csv", line: 3, field: "rating" }, "expected a number", "x");
    expect(bad).toBeInstanceOf(BadInput);
    expect(bad.field).toBe("rating");
    expect(exitCodeOf(bad)).toBe(2);
    const missing = new DataFileMissingError("recbole", "/d", ["a.inter"], []);
    expect(missing).toBeInstanceOf(NotFound);
    expect(httpStatusOf(missing)).toBe(404);
  });
});
