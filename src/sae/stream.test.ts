import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { encodeNpyMatrix } from "../store/npy.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { shuffledBatches } from "./batches.js";
import { makeSaeConfig } from "./config.js";
import type { LossConfig } from "./losses/types.js";
import { SparseAutoencoder } from "./model.js";
import { listShardFiles, openShards } from "./shards.js";
import { initialiseFromShards, streamedBatches } from "./stream.js";
import { trainSae } from "./trainer.js";
import { fixtureDir } from "../data/test-utils/fixtures.js";

const losses: LossConfig = {
  l2: { weight: 1 },
  auxk: { weight: 1 / 32, deadAfter: 16, normalisation: "variance" },
};
const quiet = { progress: "never" as const };

function data(rows: number, cols: number, seed: number): Matrix {
  const m = new Matrix(rows, cols);
  new Rng(seed).fillNormal(m.data, 0.3, 1);
  return m;
}

/** Writes `m` as shards of the given sizes (.npy or Parquet with 7-row groups); returns the dir. */
function writeShards(m: Matrix, sizes: number[], kind: "npy" | "parquet"): string {
  const dir = fixtureDir({}, "reclens-shards-");
  let at = 0;
  sizes.forEach((n, i) => {
    const part = new Matrix(n, m.cols, m.data.slice(at * m.cols, (at + n) * m.cols));
    const file = join(dir, `part-${String(i).padStart(3, "0")}.${kind}`);
    if (kind === "npy") writeFileSync(file, encodeNpyMatrix(part));
    else
      parquetWriteFile({
        filename: file,
        rowGroupSize: 7,
        columnData: [
          { name: "id", data: Array.from({ length: n }, (_, r) => `r${at + r}`) },
          { name: "vec", data: Array.from({ length: n }, (_, r) => Array.from(part.row(r))) },
        ],
        schema: [
          { name: "schema", num_children: 2 },
          { name: "id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
          { name: "vec", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
          { name: "list", repetition_type: "REPEATED", num_children: 1 },
          { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
        ],
      });
    at += n;
  });
  return dir;
}

async function trainBoth(kind: "npy" | "parquet", normalisation: "per-sample" | "dataset") {
  const x = data(90, 8, 5);
  const dir = writeShards(x, [40, 25, 25], kind);
  const cfg = makeSaeConfig("topk", 8, 16, { k: 2, normalisation });
  const train = { epochs: 3, lr: 1e-2, seed: 3, ...quiet };
  const mem = new SparseAutoencoder(cfg, 1);
  mem.initialise(x, { atoms: "data", seed: 4 });
  await trainSae(mem, shuffledBatches(x, 16, 4), losses, train);
  const shards = await openShards(dir);
  const st = new SparseAutoencoder(cfg, 1);
  const init = await initialiseFromShards(st, shards, { atoms: "data", seed: 4 });
  const stream = streamedBatches(shards, { batchSize: 16, seed: 4, bufferRows: 1000 });
  await trainSae(st, stream.source, losses, train);
  return { mem, st, init, stream };
}

describe("streaming SAE training over shards", () => {
  for (const kind of ["npy", "parquet"] as const)
    for (const norm of ["per-sample", "dataset"] as const)
      it(`equals in-memory training bit for bit with an exact buffer (${kind}, ${norm})`, async () => {
        const { mem, st, init, stream } = await trainBoth(kind, norm);
        expect(init.exact).toBe(true);
        expect(stream.rows).toBe(90);
        const a = mem.tensors();
        const b = st.tensors();
        for (const name of Object.keys(a)) expect(Array.from(b[name].data)).toEqual(Array.from(a[name].data));
        expect(stream.stats.rowsRead).toBe(3 * 90);
      });

  it("holds at most buffer + one batch rows and yields every row once per epoch", async () => {
    // Row r is the constant vector r: a batch tells which rows it carries.
    const n = 2000;
    const x = new Matrix(n, 4);
    for (let r = 0; r < n; r++) x.row(r).fill(r);
    const shards = await openShards(writeShards(x, [500, 300, 700, 250, 250], "npy"));
    const s = streamedBatches(shards, { batchSize: 32, seed: 1, bufferRows: 256, chunkRows: 50 });
    const epochs: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const seen: number[] = [];
      for await (const b of s.source(e)) for (let r = 0; r < b.rows; r++) seen.push(b.data[r * 4]);
      epochs.push(seen);
      expect(seen.slice().sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect(s.stats.peakRowsHeld).toBe(256 + 32);
    expect(s.stats.rowsRead).toBe(2 * n);
    // Shuffled across shards: the first buffer mixes rows of more than one shard, epochs differ.
    const shardOf = (r: number) => [500, 800, 1500, 1750, 2000].findIndex((end) => r < end);
    expect(new Set(epochs[0].slice(0, 256).map(shardOf)).size).toBeGreaterThan(1);
    expect(epochs[0]).not.toEqual(epochs[1]);
    // Same seed, same order.
    const again: number[] = [];
    for await (const b of streamedBatches(shards, {
      batchSize: 32,
      seed: 1,
      bufferRows: 256,
      chunkRows: 50,
    }).source(0))
      for (let r = 0; r < b.rows; r++) again.push(b.data[r * 4]);
    expect(again).toEqual(epochs[0]);
  });

  it("Parquet reads count the decoded row-group rows", async () => {
    const x = data(100, 3, 2);
    const shards = await openShards(writeShards(x, [60, 40], "parquet"));
    const s = streamedBatches(shards, { batchSize: 10, seed: 2, bufferRows: 30, chunkRows: 7 });
    let rows = 0;
    for await (const b of s.source(0)) rows += b.rows;
    expect(rows).toBe(100);
    expect(s.stats.peakRowsHeld).toBeLessThanOrEqual(30 + 10);
    expect(s.stats.peakRowsHeld).toBeGreaterThanOrEqual(30 + 7);
  });

  it("a first pass gives the exact dataset statistics when the sample is smaller than the data", async () => {
    const x = new Matrix(5, 2, Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const shards = await openShards(writeShards(x, [2, 3], "npy"));
    const sae = new SparseAutoencoder(makeSaeConfig("topk", 2, 4, { k: 1, normalisation: "dataset" }), 1);
    const rep = await initialiseFromShards(sae, shards, { sampleRows: 3, seed: 1, chunkRows: 2 });
    expect(rep.exact).toBe(false);
    const t = sae.tensors();
    // mean (5, 6); centred rows are (-4,-4), (-2,-2), (0,0), (2,2), (4,4): norms 4√2, 2√2, 0, 2√2, 4√2.
    expect(Array.from(t.norm_mean.data)).toEqual([5, 6]);
    expect(t.norm_scale.data[0]).toBeCloseTo((12 * Math.SQRT2) / 5, 6);
  });

  it("rejects bad shards with the file named", async () => {
    const dir = fixtureDir({}, "reclens-shards-");
    expect(() => listShardFiles(join(dir, "*.npy"))).toThrow(
      `--shards ${join(dir, "*.npy")}: no .npy or .parquet shard files`,
    );
    writeFileSync(join(dir, "a.npy"), encodeNpyMatrix(data(3, 4, 1)));
    writeFileSync(join(dir, "b.npy"), encodeNpyMatrix(data(3, 5, 1)));
    await expect(openShards(dir)).rejects.toThrow(
      `${join(dir, "b.npy")}: rows have 5 values, but ${join(dir, "a.npy")} has 4`,
    );
    const bad = new Matrix(2, 2, Float32Array.from([1, NaN, 3, 4]));
    writeFileSync(join(dir, "c.npy"), encodeNpyMatrix(bad));
    const [c] = await openShards([join(dir, "c.npy")]);
    await expect(c.readInto(0, 2, new Float32Array(4), 0)).rejects.toThrow(
      `${join(dir, "c.npy")}: value at row 0, column 1 is NaN`,
    );
  });
});
