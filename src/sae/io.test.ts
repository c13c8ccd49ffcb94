import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../store/safetensors.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { makeSaeConfig } from "./config.js";
import {
  SAE_CONFIG_FILE,
  SAE_WEIGHTS_FILE,
  loadSae,
  saeConfigFromJson,
  saeConfigToJson,
  saveSae,
} from "./io.js";
import { SparseAutoencoder } from "./model.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "reclens-sae-io-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function trainedLike(arch: string): SparseAutoencoder {
  const sae = new SparseAutoencoder(
    makeSaeConfig(arch, 6, 12, { k: 2, prefixes: arch === "matryoshka" ? [4, 12] : undefined }),
    3,
  );
  const x = new Matrix(20, 6);
  new Rng(1).fillNormal(x.data, 1, 2);
  sae.initialise(x);
  return sae;
}

describe("SAE files", () => {
  it("writes SAELens-compatible names and shapes", () => {
    saveSae(trainedLike("batchtopk"), dir);
    const cfg = JSON.parse(readFileSync(join(dir, SAE_CONFIG_FILE), "utf8"));
    expect(cfg).toMatchObject({
      architecture: "batchtopk",
      d_in: 6,
      d_sae: 12,
      k: 2,
      normalisation: "dataset",
      apply_b_dec_to_input: true,
      dtype: "float32",
    });
    const st = readSafetensors(join(dir, SAE_WEIGHTS_FILE));
    const shapes = Object.fromEntries([...st.tensors].map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({
      W_enc: [6, 12],
      b_enc: [12],
      W_dec: [12, 6],
      b_dec: [6],
      norm_mean: [6],
      norm_scale: [1],
      threshold: [12],
    });
    expect(saeConfigToJson(trainedLike("relu").config).architecture).toBe("standard");
    expect(saeConfigToJson(trainedLike("matryoshka").config)).toMatchObject({
      architecture: "matryoshka_batchtopk",
      matryoshka_widths: [4, 12],
    });
  });

  it("rejects weights whose shape does not match the config, naming the file and the tensor", () => {
    const sae = trainedLike("topk");
    saveSae(sae, dir);
    const t = { ...sae.tensors() };
    t.W_dec = { shape: [6, 12], data: t.W_dec.data };
    writeSafetensors(join(dir, SAE_WEIGHTS_FILE), t);
    expect(() => loadSae(dir)).toThrow(
      /sae\.safetensors: tensor "W_dec" has shape \[6, 12\], expected \[12, 6\]/,
    );
    const { b_enc: _drop, ...missing } = sae.tensors();
    writeSafetensors(join(dir, SAE_WEIGHTS_FILE), missing);
    expect(() => loadSae(dir)).toThrow(/sae\.safetensors: tensor "b_enc" is missing/);
    writeSafetensors(join(dir, SAE_WEIGHTS_FILE), {
      ...sae.tensors(),
      extra: { shape: [1], data: new Float32Array(1) },
    });
    expect(() => loadSae(dir)).toThrow(/sae\.safetensors: unexpected tensor "extra"/);
    writeSafetensors(join(dir, SAE_WEIGHTS_FILE), {
      ...sae.tensors(),
      b_dec: { shape: [6], data: new Int32Array(6) },
    });
    expect(() => loadSae(dir)).toThrow(/tensor "b_dec" has dtype I32/);
  });

  it("rejects a bad cfg.json naming the file and the key", () => {
    saveSae(trainedLike("topk"), dir);
    const path = join(dir, SAE_CONFIG_FILE);
    const good = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...good, d_sae: -3 }));
    expect(() => loadSae(dir)).toThrow(/cfg\.json: field "d_sae" must be an integer >= 1, got -3/);
    writeFileSync(path, JSON.stringify({ ...good, k: 99 }));
    expect(() => loadSae(dir)).toThrow(/cfg\.json: field "k" must be an integer in \[1, 12\], got 99/);
    writeFileSync(path, JSON.stringify({ ...good, architecture: "gated" }));
    expect(() => loadSae(dir)).toThrow(/cfg\.json: field "architecture" must be one of/);
    writeFileSync(path, JSON.stringify({ ...good, d_in: 7 }));
    expect(() => loadSae(dir)).toThrow(/tensor "W_enc" has shape \[6, 12\], expected \[7, 12\]/);
    writeFileSync(path, "{ not json");
    expect(() => loadSae(dir)).toThrow(/cfg\.json: not valid JSON/);
    rmSync(path);
    expect(() => loadSae(dir)).toThrow(/cfg\.json: SAE config not found/);
  });

  it("reads a SAELens-style config without reclens keys", () => {
    const cfg = saeConfigFromJson(
      { architecture: "standard", d_in: 4, d_sae: 8, dtype: "float32", device: "cpu", hook_name: "x" },
      "cfg.json",
    );
    expect(cfg).toMatchObject({ architecture: "relu", dIn: 4, dSae: 8, normalisation: "none" });
    expect(() =>
      saeConfigFromJson({ architecture: "topk", d_in: 4, d_sae: 8, dtype: "bfloat16", k: 2 }, "cfg.json"),
    ).toThrow(/"dtype"/);
  });
});
