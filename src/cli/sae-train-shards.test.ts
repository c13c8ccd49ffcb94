import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSae } from "../sae/io.js";
import { encodeNpyMatrix } from "../store/npy.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { reclens } from "./test-utils/reclens.js";
import { fixtureDir } from "../data/test-utils/fixtures.js";

describe("reclens sae train --shards", () => {
  it("streams .npy shards through a bounded buffer and writes an SAE directory", async () => {
    const dir = fixtureDir({}, "reclens-shards-cli-");
    for (let i = 0; i < 3; i++) {
      const m = new Matrix(100, 8);
      new Rng(i).fillNormal(m.data, 0, 1);
      writeFileSync(join(dir, `part-${i}.npy`), encodeNpyMatrix(m));
    }
    writeFileSync(join(dir, "notes.txt"), "not a shard");
    const out = join(dir, "sae");
    const args = ["sae", "train", "--shards", join(dir, "part-*.npy"), "--buffer-rows", "64"];
    await reclens(...args, "--out", out, "--epochs", "2", "--k", "2", "--batch-size", "16", "--quiet");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.config.source).toBe("shards");
    expect(manifest.config.data.trainRows).toBe(300);
    // 64 buffer rows + one batch of 16 held at most.
    expect(manifest.config.stream).toEqual({ bufferRows: 64, peakRowsHeld: 80 });
    const training = JSON.parse(readFileSync(join(out, "training.json"), "utf8"));
    expect(training.epochs.map((e: { samples: number }) => e.samples)).toEqual([300, 300]);
    expect(loadSae(out).dIn).toBe(8);
    await expect(reclens(...args)).rejects.toThrow("--out <dir> is required with --shards");
    await expect(reclens("sae", "train", "--shards", join(dir, "none-*.npy"), "--out", out)).rejects.toThrow(
      `--shards ${join(dir, "none-*.npy")}: no .npy or .parquet shard files`,
    );
  });
});
