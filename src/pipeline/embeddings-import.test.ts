import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parquetWriteFile } from "hyparquet-writer";
import { encodeNpyMatrix } from "../store/npy.js";
import { openTableWriter } from "../store/table-writer.js";
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
  it("reads the same matrix from .npy, .csv and .safetensors, with the same fingerprint", async () => {
    const npy = join(dir, "e.npy");
    writeFileSync(npy, encodeNpyMatrix(M));
    const csv = join(dir, "e.csv");
    writeFileSync(csv, "a,b,c\n1,2,3\n4,5,6\n-1,0.5,0\n");
    const st = join(dir, "e.safetensors");
    writeSafetensors(st, {
      ids: { shape: [3], data: Int32Array.of(0, 1, 2) },
      emb: { shape: [3, 3], data: M.data },
    });
    const a = await importEmbeddings(npy);
    const b = await importEmbeddings(csv);
    const c = await importEmbeddings(st);
    for (const r of [a, b, c]) expect(Array.from(r.matrix.data)).toEqual(Array.from(M.data));
    expect(a.hash).toBe(matrixFingerprint(M));
    expect(new Set([a.hash, b.hash, c.hash]).size).toBe(1);
    expect([a.format, b.format, c.format]).toEqual(["npy", "csv", "safetensors"]);
    expect(b.columns).toEqual(["a", "b", "c"]);
    expect(c.tensor).toBe("emb"); // the first 2-D tensor; "ids" is 1-D
  });

  it("picks a named safetensors tensor and explains a wrong one", async () => {
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
    expect(Array.from((await importEmbeddings(st, { tensor: "second" })).matrix.data)).toEqual([9, 9, 8, 8]);
    await expect(importEmbeddings(st, { tensor: "third" })).rejects.toThrow(
      `${st}: no tensor "third" (have: first F32[3, 3], second F32[2, 2], n I32[2, 1])`,
    );
    await expect(importEmbeddings(st, { tensor: "n" })).rejects.toThrow(
      `${st}: tensor "n" holds integers (I32)`,
    );
    const flat = join(dir, "flat.safetensors");
    writeSafetensors(flat, { v: { shape: [4], data: new Float32Array(4) } });
    await expect(importEmbeddings(flat)).rejects.toThrow(
      `${flat}: no 2-D tensor to use as embeddings (have: v F32[4]); pick one with --tensor`,
    );
  });

  it("rejects unknown extensions, tiny inputs and --tensor on other formats", async () => {
    expect(() => embeddingsFormatOf("x.feather")).toThrow('x.feather: unknown embeddings format ".feather"');
    expect(embeddingsFormatOf("x.parquet")).toBe("parquet");
    expect(embeddingsFormatOf("X.NPY")).toBe("npy");
    const one = join(dir, "one.csv");
    writeFileSync(one, "1,2\n");
    await expect(importEmbeddings(one)).rejects.toThrow(`${one}: 1 row(s)`);
    const csv = join(dir, "t.csv");
    writeFileSync(csv, "1,2\n3,4\n");
    await expect(importEmbeddings(csv, { tensor: "x" })).rejects.toThrow(
      `${csv}: --tensor only applies to safetensors files`,
    );
    await expect(importEmbeddings(join(dir, "missing.npy"))).rejects.toThrow(
      `${join(dir, "missing.npy")}: cannot read (ENOENT)`,
    );
  });

  it("reads Parquet: a list<float> column with an id column, as pyarrow writes it (optional list of doubles)", async () => {
    const mine = join(dir, "e.parquet");
    const w = openTableWriter(mine, "parquet", [
      { name: "id", type: "string" },
      { name: "embedding", type: "float32[]", width: 3 },
    ]);
    w.write({ id: ["u1", "u2"], embedding: [M.row(0), M.row(1)] });
    w.write({ id: ["u3"], embedding: [M.row(2)] });
    expect(w.close()).toBe(3);
    const a = await importEmbeddings(mine);
    expect(Array.from(a.matrix.data)).toEqual(Array.from(M.data));
    expect(a.hash).toBe(matrixFingerprint(M));
    expect(a).toMatchObject({ format: "parquet", tensor: "embedding", ids: ["u1", "u2", "u3"] });
    // pyarrow's layout: OPTIONAL LIST > REPEATED list > OPTIONAL element (DOUBLE), INT64 ids, an extra column.
    const py = join(dir, "py.parquet");
    parquetWriteFile({
      filename: py,
      columnData: [
        { name: "item_id", data: [10n, 11n, 12n] },
        {
          name: "vec",
          data: [
            [1, 2, 3],
            [4, 5, 6],
            [-1, 0.5, 0],
          ],
        },
        { name: "other", data: [[7], [8], [9]] },
      ],
      schema: [
        { name: "schema", num_children: 3 },
        { name: "item_id", type: "INT64", repetition_type: "OPTIONAL" },
        { name: "vec", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "DOUBLE", repetition_type: "OPTIONAL" },
        { name: "other", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "INT32", repetition_type: "OPTIONAL" },
      ],
    });
    const b = await importEmbeddings(py);
    expect(Array.from(b.matrix.data)).toEqual(Array.from(M.data));
    expect(b.ids).toEqual(["10", "11", "12"]);
    await expect(importEmbeddings(py, { parquet: { column: "other" } })).rejects.toThrow(
      `${py}: column "other" is not a list of floats (have: item_id (INT64), vec (list<float>), other (list))`,
    );
    const ragged = join(dir, "ragged.parquet");
    parquetWriteFile({
      filename: ragged,
      columnData: [{ name: "v", data: [[1, 2], [3]] }],
      schema: [
        { name: "schema", num_children: 1 },
        { name: "v", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
      ],
    });
    await expect(importEmbeddings(ragged)).rejects.toThrow(
      `${ragged}: column "v" row 1 has 1 values, expected 2 (as row 0)`,
    );
  });
});
