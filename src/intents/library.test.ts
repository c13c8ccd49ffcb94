import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textItemEmbedder } from "../embeddings/items.js";
import { LsaEmbedder } from "../embeddings/lsa.js";
import { BadInput, Conflict, NotFound } from "../errors.js";
import { loadSae } from "../sae/io.js";
import { type BuiltIntents, buildIntents } from "./build.js";
import { INTENTS_JSON, alignIntentLibrary, readIntentLibrary } from "./library.js";
import { plantedCatalogue } from "./testing.js";
import { writeIntentLibrary } from "./write.js";

let dir: string;
let built: BuiltIntents;
const out = (): string => join(dir, "lib");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reclens-intents-"));
  const { ids, texts } = plantedCatalogue(200, 5);
  built = await buildIntents(ids, texts, textItemEmbedder(new LsaEmbedder({ dim: 12, seed: 0 })), {
    sae: { width: 16, k: 2, epochs: 30, lr: 5e-3, batchSize: 50, seed: 1 },
    label: { topItems: 20 },
    threshold: 0.5,
  });
  writeIntentLibrary(
    out(),
    built.library,
    { createdAt: "t", source: { dataset: "planted" }, ...built.doc },
    built.sae,
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("intent library files", () => {
  it("round-trips vectors, labels, confidences and activations exactly", () => {
    const lib = readIntentLibrary(out());
    const b = built.library;
    expect(lib.labels.length).toBeGreaterThan(0);
    expect(lib.itemIds).toEqual(b.itemIds);
    expect(lib.labels).toEqual(b.labels);
    expect(Array.from(lib.confidence)).toEqual(Array.from(b.confidence));
    expect(Array.from(lib.vectors.data)).toEqual(Array.from(b.vectors.data));
    expect(Array.from(lib.itemActivations.indptr)).toEqual(Array.from(b.itemActivations.indptr));
    expect(Array.from(lib.itemActivations.values)).toEqual(Array.from(b.itemActivations.values));
    expect(Array.from(lib.latents ?? [])).toEqual(Array.from(b.latents ?? []));
  });

  it("stores intent vectors = the SAE encoder rows of the kept latents, and activations = its code", () => {
    const lib = readIntentLibrary(out());
    const sae = loadSae(join(out(), "sae"));
    const w = sae.params.W_enc.value; // dIn x dSae
    const latents = lib.latents as Int32Array;
    for (let j = 0; j < lib.vectors.rows; j++)
      for (let c = 0; c < lib.vectors.cols; c++)
        expect(lib.vectors.get(j, c)).toBeCloseTo(w.get(c, latents[j]), 6);
    const code = sae.encode(built.embeddings);
    // item 0: its kept activations equal the code's values on those latents
    const row = new Map<number, number>();
    for (let p = code.indptr[0]; p < code.indptr[1]; p++) row.set(code.indices[p], code.values[p]);
    const idx = lib.itemActivations.rowIndices(0);
    const val = lib.itemActivations.rowValues(0);
    idx.forEach((j, p) => expect(val[p]).toBeCloseTo(row.get(latents[j]) as number, 5));
  });

  it("aligns to a dataset's item order by id: missing items get empty rows", () => {
    const lib = readIntentLibrary(out());
    const a = lib.itemActivations;
    const order = ["item3", "unknown", "item1", "item200", "nope"];
    const { activations, matched } = alignIntentLibrary(lib, order);
    expect(matched).toBe(3);
    expect(activations.rows).toBe(5);
    expect(activations.cols).toBe(lib.labels.length);
    const same = (dst: number, src: number): void => {
      expect(Array.from(activations.rowIndices(dst))).toEqual(Array.from(a.rowIndices(src)));
      expect(Array.from(activations.rowValues(dst))).toEqual(Array.from(a.rowValues(src)));
    };
    same(0, 2);
    same(2, 0);
    same(3, 199);
    expect(activations.rowNnz(1)).toBe(0);
    expect(activations.rowNnz(4)).toBe(0);
  });

  it("refuses to overwrite without force, and reports missing or damaged libraries clearly", () => {
    expect(() =>
      writeIntentLibrary(out(), built.library, { createdAt: "t", source: {}, ...built.doc }, built.sae),
    ).toThrow(Conflict);
    expect(() => readIntentLibrary(join(dir, "none"))).toThrow(NotFound);
    const j = JSON.parse(readFileSync(join(out(), INTENTS_JSON), "utf8")) as {
      intents: { confidence: number }[];
    };
    j.intents[0].confidence = 1.5;
    const bad = join(dir, "bad");
    writeIntentLibrary(bad, built.library, { createdAt: "t", source: {}, ...built.doc }, built.sae);
    writeFileSync(join(bad, INTENTS_JSON), JSON.stringify(j));
    expect(() => readIntentLibrary(bad)).toThrow(BadInput);
    expect(() => readIntentLibrary(bad)).toThrow(
      /intents\[0\]\.confidence must be a number in \[0, 1\], got 1.5/,
    );
  });
});
