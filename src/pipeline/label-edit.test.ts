import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emptyLabels, readLabels, setLabel, writeLabels } from "../concepts/labels.js";
import { BadInput, NotFound } from "../errors.js";
import { editLabel, editLabelFile } from "./label-edit.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-label-edit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = new Date("2026-01-02T03:04:05.000Z");

describe("editLabel", () => {
  it("sets a trimmed manual label, persists it and leaves the input document untouched", () => {
    const doc = setLabel(emptyLabels(4), 1, "noir");
    const path = join(dir, "labels.json");
    const r = editLabel(doc, { neuron: 2, label: "  heist  ", description: "checked" }, path, NOW);
    expect(r.entry).toEqual({
      label: "heist",
      source: "manual",
      description: "checked",
      scores: {},
      updatedAt: "2026-01-02T03:04:05.000Z",
    });
    expect(r.persisted).toBe(true);
    expect(readLabels(path)).toEqual(r.doc);
    expect(doc.labels["2"]).toBeUndefined();
    expect(r.doc.labels["1"]).toEqual(doc.labels["1"]);
  });

  it("rejects unknown neurons (NotFound) and empty or long labels (BadInput) without writing", () => {
    const path = join(dir, "keep.json");
    const doc = emptyLabels(4);
    writeLabels(path, doc);
    const before = readFileSync(path, "utf8");
    expect(() => editLabel(doc, { neuron: 4, label: "x" }, path)).toThrow(
      new NotFound("neuron 4 not found (the SAE has 4 neurons, 0 to 3)", "neuron"),
    );
    expect(() => editLabel(doc, { neuron: 1, label: "   " }, path)).toThrow(
      new BadInput("label: must have 1 to 200 characters (trimmed), got 0", "label"),
    );
    expect(() => editLabel(doc, { neuron: 1, label: "x".repeat(201) }, path)).toThrow(BadInput);
    expect(() => editLabel(doc, { neuron: 1, label: "x", description: "d".repeat(2001) }, path)).toThrow(
      /description: must have at most 2000 characters, got 2001/,
    );
    expect(readFileSync(path, "utf8")).toBe(before);
  });

  it("editLabelFile needs the labeller's file", () => {
    expect(() => editLabelFile(join(dir, "none.json"), { neuron: 0, label: "x" })).toThrow(NotFound);
    const path = join(dir, "file.json");
    writeFileSync(path, JSON.stringify(emptyLabels(2)));
    expect(editLabelFile(path, { neuron: 1, label: "drama" }).entry.label).toBe("drama");
    expect(readLabels(path).labels["1"].label).toBe("drama");
  });
});
