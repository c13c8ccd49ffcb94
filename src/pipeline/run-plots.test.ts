import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BadInput } from "../errors.js";
import { frontierSvg } from "../plot/tradeoff.js";
import { operatorReportOf, readPurityPlot, readSteerEvalPlot } from "./run-plots.js";
import { writeOperators, writePurity } from "./test-utils/run-plot-files.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "reclens-run-plots-"));
  dirs.push(d);
  return d;
}

describe("run plot data", () => {
  it("reads the operator frontier back, nulls as NaN, and redraws the same chart", () => {
    const run = tmp();
    expect(readSteerEvalPlot(run)).toMatchObject({ available: false });
    expect((readSteerEvalPlot(run) as { reason: string }).reason).toContain("reclens steer-eval");
    writeOperators(run);
    const d = readSteerEvalPlot(run);
    if (!d.available) throw new Error("expected data");
    expect(d.family).toBe("genre");
    expect(d.report.curves[1].points[2].recallKept).toBeNull();
    const r = operatorReportOf(d);
    expect(r.curves[1].points[2].recallKept).toBeNaN();
    expect(r.curves[0].points[1].share.mean).toBe(0.4);
    const svg = frontierSvg(r);
    expect(svg.match(/<path class="series"/g)).toHaveLength(4);
    expect(svg).not.toContain("NaN");
  });

  it("bins purity@K of the neurons with a (non-popularity) concept into 20 bins over [0, 1]", () => {
    const c = tmp();
    expect(readPurityPlot(c)).toMatchObject({ available: false });
    writePurity(c);
    const d = readPurityPlot(c);
    if (!d.available) throw new Error("expected data");
    expect(d.k).toBe(10);
    expect(d.counted).toBe(4);
    expect(d.edges).toHaveLength(21);
    expect(d.edges[12]).toBeCloseTo(0.6, 12);
    // 0.05 opens bin 1 ([0.05, 0.1)), 0.62 and 0.64 fall in bin 12 ([0.6, 0.65)), 0.95 in bin 19
    const nonzero = d.counts.flatMap((v, b) => (v > 0 ? [[b, v]] : []));
    expect(nonzero).toEqual([
      [1, 1],
      [12, 2],
      [19, 1],
    ]);
    expect(d.meanPurity).toBe(0.565);
    expect(() => readPurityPlot(c, 50)).toThrow(/purity@50 not stored \(ks: 10, 20\)/);
  });

  it("names the file and field of a malformed file", () => {
    const run = tmp();
    mkdirSync(join(run, "steer"));
    writeFileSync(
      join(run, "steer", "operators.json"),
      JSON.stringify({ family: "genre", report: { k: "20" } }),
    );
    expect(() => readSteerEvalPlot(run)).toThrow(BadInput);
    expect(() => readSteerEvalPlot(run)).toThrow(/operators\.json: field "report\.k"/);
    writeFileSync(join(run, "steer", "operators.json"), "{ nope");
    expect(() => readSteerEvalPlot(run)).toThrow(/operators\.json: not valid JSON/);
  });
});
