import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type LabelEntry,
  emptyLabels,
  getLabel,
  labelsPath,
  mergeLabels,
  readLabels,
  removeLabel,
  setLabel,
  setLabelInFile,
  writeLabels,
} from "./labels.js";

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "reclens-labels-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const now = new Date("2025-01-02T03:04:05.000Z");
const generated: LabelEntry = {
  label: "Noir",
  source: "tfidf",
  concept: { kind: "genre", name: "Noir" },
  scores: {
    "purity@10": 0.9,
    tfidf: 1.2,
    tfidfRank: 1,
    baseRate: 0.1,
    excessPurity: 0.8,
    entropy: 0.5,
    kl: 1.5,
    support: 40,
  },
  updatedAt: now.toISOString(),
};

describe("labels.json", () => {
  it("round-trips atomically with neurons in order", () => {
    const path = labelsPath(tmp());
    const doc = mergeLabels(
      emptyLabels(64),
      new Map([
        [12, generated],
        [3, { ...generated, label: "Heist", concept: { kind: "genre", name: "Heist" } }],
      ]),
    );
    writeLabels(path, doc);
    expect(readLabels(path)).toEqual(doc);
    const text = readFileSync(path, "utf8");
    expect(text.indexOf('"3"')).toBeLessThan(text.indexOf('"12"'));
    expect(readdirSync(join(path, ".."))).toEqual(["labels.json"]); // no temp file left behind
  });

  it("names the file and line of bad JSON, and the field of bad values", () => {
    const dir = tmp();
    const path = join(dir, "labels.json");
    writeFileSync(path, '{\n  "format": "reclens-labels",\n  "neurons": 4,,\n}');
    expect(() => readLabels(path)).toThrow(
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: invalid JSON`),
    );
    const bad = { format: "reclens-labels", formatVersion: 1, neurons: 4, labels: { "7": { ...generated } } };
    writeFileSync(path, JSON.stringify(bad));
    expect(() => readLabels(path)).toThrow(/labels\.7: neuron 7 out of range \[0, 4\)/);
    writeFileSync(path, JSON.stringify({ ...bad, labels: { "1": { ...generated, source: "guess" } } }));
    expect(() => readLabels(path)).toThrow(/labels\.1\.source: .*\(got "guess"\)/);
    writeFileSync(path, JSON.stringify({ ...bad, labels: { "01": generated } }));
    expect(() => readLabels(path)).toThrow(/non-negative integers/);
    expect(() => readLabels(join(dir, "missing.json"))).toThrow(
      /missing\.json: cannot read labels \(ENOENT\)/,
    );
  });

  it("set (manual) keeps neuron scores, drops concept scores", () => {
    const doc = mergeLabels(emptyLabels(8), new Map([[5, generated]]));
    const edited = setLabel(doc, 5, "  film noir ", { now });
    const e = getLabel(edited, 5);
    expect(e).toEqual({
      label: "film noir",
      source: "manual",
      scores: { entropy: 0.5, kl: 1.5, support: 40 },
      updatedAt: now.toISOString(),
    });
    expect(getLabel(doc, 5)?.label).toBe("Noir"); // input unchanged
    expect(getLabel(setLabel(doc, 6, "new", { description: "d", now }), 6)).toEqual({
      label: "new",
      source: "manual",
      description: "d",
      scores: {},
      updatedAt: now.toISOString(),
    });
    expect(() => setLabel(doc, 8, "x")).toThrow(/neuron 8 out of range \[0, 8\)/);
    expect(() => setLabel(doc, 1, "   ")).toThrow(/label of neuron 1/);
    expect(getLabel(removeLabel(edited, 5), 5)).toBeUndefined();
  });

  it("relabelling keeps manual labels unless asked", () => {
    const doc = setLabel(mergeLabels(emptyLabels(8), new Map([[2, generated]])), 2, "my label", { now });
    const update = new Map([
      [2, { ...generated, label: "Heist" }],
      [3, generated],
    ]);
    expect(getLabel(mergeLabels(doc, update), 2)?.label).toBe("my label");
    expect(getLabel(mergeLabels(doc, update), 3)?.label).toBe("Noir");
    expect(getLabel(mergeLabels(doc, update, true), 2)?.label).toBe("Heist");
  });

  it("setLabelInFile edits the file in place", () => {
    const path = labelsPath(tmp());
    expect(() => setLabelInFile(path, 1, "x")).toThrow(/no labels file; run the labeller/);
    writeLabels(path, mergeLabels(emptyLabels(200), new Map([[123, generated]])));
    const e = setLabelInFile(path, 123, "film noir", { now });
    expect(e.label).toBe("film noir");
    expect(readLabels(path).labels["123"]).toEqual(e);
  });
});
