import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { writeOperators, writePurity } from "../pipeline/test-utils/run-plot-files.js";
import { buildProgram, runCli } from "./program.js";

const run = mkdtempSync(join(tmpdir(), "reclens-plots-cli-"));
afterAll(() => rmSync(run, { recursive: true, force: true }));

describe("reclens plots", () => {
  it("re-draws operators.svg and purity-at-K.svg from the stored JSON", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      expect(await runCli(["node", "reclens", "plots", "--run", run], buildProgram())).toBe(0);
      expect(log.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(
        /operators: not drawn, no steer-eval/,
      );
      writeOperators(run);
      writePurity(join(run, "concepts"));
      expect(await runCli(["node", "reclens", "plots", "--run", run, "--k", "10"], buildProgram())).toBe(0);
    } finally {
      log.mockRestore();
    }
    const ops = readFileSync(join(run, "steer", "operators.svg"), "utf8");
    expect(ops.match(/<path class="series"/g)).toHaveLength(4); // 2 operators x 2 charts
    const purity = readFileSync(join(run, "concepts", "purity-at-10.svg"), "utf8");
    // 4 neurons with a concept: bars of 1, 2 and 1 among the 20 bins
    expect(
      [...purity.matchAll(/<title>\[[^\]<]+\): (\d+)<\/title>/g)]
        .map((m) => Number(m[1]))
        .filter((c) => c > 0),
    ).toEqual([1, 2, 1]);
    expect(purity).toContain("purity@10 of the 4 labelled neurons with a concept (mean 0.565)");
    expect(existsSync(join(run, "concepts", "purity-at-20.svg"))).toBe(false);
    const err = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(await runCli(["node", "reclens", "plots", "--run", run, "--k", "50"], buildProgram())).not.toBe(
        0,
      );
      expect(String(err.mock.calls[0]?.[0])).toContain("purity@50 not stored");
    } finally {
      err.mockRestore();
    }
  });
});
