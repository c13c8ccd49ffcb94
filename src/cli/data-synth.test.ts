import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { readDatasetCache } from "../data/cache.js";
import { generateSynthetic } from "../data/synth.js";
import { registerDataSynth, summariseSynthetic } from "./data-synth.js";

function dataCommand(): Command {
  const data = new Command("data").exitOverride();
  registerDataSynth(data);
  data.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => undefined }));
  return data;
}

describe("reclens data synth", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("summarises with exact figures", () => {
    const r = generateSynthetic({ users: 50, items: 24, concepts: 3, seed: 1 });
    const s = summariseSynthetic(r);
    const m = r.dataset.matrix;
    expect(s.interactions).toBe(m.nnz);
    expect(s.density).toBeCloseTo(m.nnz / (50 * 24), 12);
    expect(s.concepts.map((c) => c.items)).toEqual([8, 8, 8]);
    expect(s.concepts.reduce((a, c) => a + c.interactionShare, 0)).toBeCloseTo(1, 12);
  });

  it("writes a dataset readable from the cache format plus the truth", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reclens-synth-"));
    dirs.push(dir);
    const out = join(dir, "synth.rlds");
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    await dataCommand().parseAsync(
      ["synth", "--users", "60", "--items", "36", "--concepts", "4", "--seed", "3", "--out", out, "--json"],
      { from: "user" },
    );
    const printed = JSON.parse(String(log.mock.calls[0][0])) as { users: number; interactions: number };
    const expected = generateSynthetic({ users: 60, items: 36, concepts: 4, seed: 3 });
    expect(printed.users).toBe(60);
    expect(printed.interactions).toBe(expected.dataset.matrix.nnz);
    const back = await readDatasetCache(out);
    if (!back) throw new Error("cache file not readable");
    expect(Array.from(back.dataset.matrix.indices)).toEqual(Array.from(expected.dataset.matrix.indices));
    expect(Array.from(back.dataset.timestamps ?? [])).toEqual(Array.from(expected.dataset.timestamps ?? []));
    expect(back.dataset.concepts.map((c) => c.kind)).toEqual(["genre", "tag"]);
    expect(back.dataset.itemTitles?.[0]).toBe(expected.dataset.itemTitles?.[0]);
    const truth = JSON.parse(readFileSync(`${out}.truth.json`, "utf8")) as { itemConcept: number[] };
    expect(truth.itemConcept).toEqual(Array.from(expected.truth.itemConcept));
  });

  it("rejects bad flags with the flag named", async () => {
    await expect(dataCommand().parseAsync(["synth", "--users", "abc"], { from: "user" })).rejects.toThrow(
      /--users must be an integer >= 1, got "abc"/,
    );
    await expect(dataCommand().parseAsync(["synth", "--noise", "1.5"], { from: "user" })).rejects.toThrow(
      /--noise must be a number in \[0, 1\]/,
    );
  });
});
