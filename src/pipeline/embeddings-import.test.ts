import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeNpyMatrix } from "../store/npy.js";
import { writeSafetensors } from "../store/safetensors.js";
import { Matrix } from "../tensor/matrix.js";
import { embeddingsFormatOf, importEmbeddings, matrixFingerprint } from "./embeddings-import.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-emb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const M = Matrix.fromRows([
  [1, 2, 3],
  [4, 5, 6],
  [-1, 0.5, 0],
]);

describe("importEmbeddings", () => {
  it("reads the same matrix from .npy, .csv and .safetensors, with the same fingerprint", () => {
    const npy = join(dir, "e.npy");
    writeFileSync(npy, encodeNpyMatrix(M));
    const csv = join(dir, "e.csv");
    writeFileSync(csv, "a,b,c\n1,2,3\n4,5,6\n-1,0.5,0\n");
    const st = join(dir, "e.safetensors");
    writeSafetensors(st, {
      ids: { shape: [3], data: Int32Array.of(0, 1, 2) },
      emb: { shape: [3, 3], data: M.data },
    });
    const a = importEmbeddings(npy);
    const b = importEmbeddings(csv);
    const c = importEmbeddings(st);
    for (const r of [a, b, c]) expect(Array.from(r.matrix.data)).toEqual(Array.from(M.data));
    expect(a.hash).toBe(matrixFingerprint(M));
    expect(new Set([a.hash, b.hash, c.hash]).size).toBe(1);
    expect([a.format, b.format, c.format]).toEqual(["npy", "csv", "safetensors"]);
    expect(b.columns).toEqual(["a", "b", "c"]);
    expect(c.tensor).toBe("emb"); // the first 2-D tensor; "ids" is 1-D
  });

  it("picks a named safetensors tensor and explains a wrong one", () => {
    const st = join(dir, "two.safetensors");
    const other = Matrix.fromRows([
      [9, 9],
      [8, 8],
    ]);
    writeSafetensors(st, {
      first: { shape: [3, 3], data: M.data },
      second: { shape: [2, 2], data: other.data },
      n: { shape: [2, 1], data: Int32Array.of(1, 2) },
    });
    expect(Array.from(importEmbeddings(st, { tensor: "second" }).matrix.data)).toEqual([9, 9, 8, 8]);
    expect(() => importEmbeddings(st, { tensor: "third" })).toThrow(
      `${st}: no tensor "third" (have: first F32[3, 3], second F32[2, 2], n I32[2, 1])`,
    );
    expect(() => importEmbeddings(st, { tensor: "n" })).toThrow(`${st}: tensor "n" holds integers (I32)`);
    const flat = join(dir, "flat.safetensors");
    writeSafetensors(flat, { v: { shape: [4], data: new Float32Array(4) } });
    expect(() => importEmbeddings(flat)).toThrow(
      `${flat}: no 2-D tensor to use as embeddings (have: v F32[4]); pick one with --tensor`,
    );
  });

  it("rejects unknown extensions, tiny inputs and --tensor on other formats", () => {
    expect(() => embeddingsFormatOf("x.parquet")).toThrow('x.parquet: unknown embeddings format ".parquet"');
    expect(embeddingsFormatOf("X.NPY")).toBe("npy");
    const one = join(dir, "one.csv");
    writeFileSync(one, "1,2\n");
    expect(() => importEmbeddings(one)).toThrow(`${one}: 1 row(s)`);
    const csv = join(dir, "t.csv");
    writeFileSync(csv, "1,2\n3,4\n");
    expect(() => importEmbeddings(csv, { tensor: "x" })).toThrow(
      `${csv}: --tensor only applies to safetensors files`,
    );
    expect(() => importEmbeddings(join(dir, "missing.npy"))).toThrow(
      `${join(dir, "missing.npy")}: cannot read (ENOENT)`,
    );
  });
});
