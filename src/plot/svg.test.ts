import { describe, expect, it } from "vitest";
import { escapeXml, tickNumber } from "./svg.js";

describe("svg helpers", () => {
  it("escapeXml replaces the five XML specials and nothing else", () => {
    expect(escapeXml(`<a href="x">'&'</a> ok`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt; ok",
    );
  });

  it("tickNumber: 3 significant digits, exponential outside [1e-3, 1e4)", () => {
    expect(tickNumber(0, 2)).toBe("0");
    expect(tickNumber(-0, 1)).toBe("0");
    expect(tickNumber(0.123456, 2)).toBe("0.123");
    expect(tickNumber(1234.5, 2)).toBe("1230");
    expect(tickNumber(12345, 2)).toBe("1.23e+4");
    expect(tickNumber(12345, 1)).toBe("1.2e+4");
    expect(tickNumber(-0.0005, 1)).toBe("-5.0e-4");
  });
});
