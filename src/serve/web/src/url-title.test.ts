import { describe, expect, it } from "vitest";
import { displayTitle } from "./dom.js";
import { formatKnobs, parseKnobs } from "./url.js";

describe("titles shown once", () => {
  it("keeps a MovieLens title's own year and appends the year only when the title has none", () => {
    expect(displayTitle({ title: "Heat (1995)", year: 1995 })).toBe("Heat (1995)");
    // ml-100k: the year comes from the release date and may differ from the title's; still once.
    expect(displayTitle({ title: "Toy Story (1995)", year: 1996 })).toBe("Toy Story (1995)");
    expect(displayTitle({ title: "Blade Runner", year: 1982 })).toBe("Blade Runner (1982)");
    expect(displayTitle({ title: "Believe" })).toBe("Believe");
    // A year-like number inside the title is not its year suffix.
    expect(displayTitle({ title: "2001: A Space Odyssey", year: 1968 })).toBe("2001: A Space Odyssey (1968)");
  });
});

describe("knobs in the URL", () => {
  it("round-trips neuron:value pairs, dropping zeros and rounding to 2 decimals", () => {
    const knobs = new Map([
      [12, 0.3],
      [4, -0.55],
      [7, 0],
      [9, 1 / 3],
    ]);
    expect(formatKnobs(knobs)).toBe("12:0.3,4:-0.55,9:0.33");
    expect([...parseKnobs("12:0.3,4:-0.55,9:0.33")]).toEqual([
      [12, 0.3],
      [4, -0.55],
      [9, 0.33],
    ]);
  });

  it("skips malformed parts and clips values to [-1, 1]", () => {
    expect([...parseKnobs("#5:2,x:1,6:,7:0,8:-3,  9:.5 ")]).toEqual([
      [5, 1],
      [8, -1],
      [9, 0.5],
    ]);
    expect(parseKnobs(null).size).toBe(0);
  });
});
