import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
  SPARSIFY_WEIGHTS_FILE,
  loadSae,
  saeConfigFromJson,
  saveSae,
  saveSparsifySae,
} from "./io.js";
import { SparseAutoencoder } from "./model.js";
import { saelensForward, sparsifyForward } from "./testing/reference-formats.js";
import type { NormalisationKind, Sae } from "./types.js";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "reclens-sae-io-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const D_IN = 6;
const D_SAE = 12;

function inputs(rows = 20, seed = 1): Matrix {
  const x = new Matrix(rows, D_IN);
  new Rng(seed).fillNormal(x.data, 1, 2);
  return x;
}

function trainedLike(
  arch: string,
  normalisation: NormalisationKind = "dataset",
  extra = {},
): SparseAutoencoder {
  const sae = new SparseAutoencoder(
    makeSaeConfig(arch, D_IN, D_SAE, {
      k: 2,
      normalisation,
      prefixes: arch === "matryoshka" ? [4, 12] : undefined,
      ...extra,
    }),
    3,
  );
  sae.initialise(inputs());
  const rng = new Rng(5);
  for (const v of [sae.params.b_enc.value, sae.params.b_dec.value])
    for (let i = 0; i < v.data.length; i++) v.data[i] += 0.2 * rng.normal();
  const th = sae.tensors().threshold;
  if (th) th.data.fill(0.3);
  return sae;
}

const rowsOf = (m: Matrix): number[][] => Array.from({ length: m.rows }, (_, r) => Array.from(m.row(r)));

/** reclens's codes and reconstructions equal the oracle's (relative 1e-4, same support). */
function expectSameOutputs(sae: Sae, x: Matrix, ref: { codes: number[][]; recon: number[][] }): void {
  const z = sae.encodeDense(x);
  const recon = sae.reconstruct(x);
  let active = 0;
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < sae.dSae; j++) {
      const want = ref.codes[r][j];
      expect(z.get(r, j) !== 0).toBe(want !== 0);
      expect(Math.abs(z.get(r, j) - want)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want)));
      if (want !== 0) active++;
    }
    for (let c = 0; c < sae.dIn; c++)
      expect(Math.abs(recon.get(r, c) - ref.recon[r][c])).toBeLessThanOrEqual(
        1e-4 * (1 + Math.abs(ref.recon[r][c])),
      );
  }
  expect(active).toBeGreaterThan(x.rows); // the comparison is not vacuous
}

describe("SAELens v6 folders", () => {
  it("writes cfg.json keys and tensor names/shapes as SAELens reads them", () => {
    saveSae(trainedLike("batchtopk", "per-sample"), dir);
    expect(existsSync(join(dir, SPARSIFY_WEIGHTS_FILE))).toBe(false);
    const cfg = JSON.parse(readFileSync(join(dir, SAE_CONFIG_FILE), "utf8"));
    expect(cfg).toMatchObject({
      architecture: "jumprelu",
      d_in: 6,
      d_sae: 12,
      dtype: "float32",
      apply_b_dec_to_input: true,
      normalize_activations: "layer_norm",
      reshape_activations: "none",
      metadata: {
        sae_lens_version: "6.0.0",
        reclens: { format: "reclens-sae/2", architecture: "batchtopk", k: 2 },
      },
    });
    const st = readSafetensors(join(dir, SAE_WEIGHTS_FILE));
    const shapes = Object.fromEntries([...st.tensors].map(([k, t]) => [k, t.shape]));
    expect(shapes).toEqual({ W_enc: [6, 12], b_enc: [12], W_dec: [12, 6], b_dec: [6], threshold: [12] });
    saveSae(trainedLike("topk", "none"), dir);
    expect(JSON.parse(readFileSync(join(dir, SAE_CONFIG_FILE), "utf8"))).toMatchObject({
      architecture: "topk",
      k: 2,
      rescale_acts_by_decoder_norm: false,
      normalize_activations: "none",
    });
    saveSae(trainedLike("relu", "none"), dir);
    expect(JSON.parse(readFileSync(join(dir, SAE_CONFIG_FILE), "utf8")).architecture).toBe("standard");
    saveSae(trainedLike("matryoshka", "none", { matryoshkaActivation: "topk" }), dir);
    expect(JSON.parse(readFileSync(join(dir, SAE_CONFIG_FILE), "utf8"))).toMatchObject({
      architecture: "topk",
      metadata: { reclens: { architecture: "matryoshka", matryoshka_widths: [4, 12] } },
    });
  });

  const cases: [string, NormalisationKind, Record<string, unknown>][] = [
    ["relu", "none", {}],
    ["topk", "per-sample", {}],
    ["batchtopk", "dataset", {}],
    ["matryoshka", "per-sample", {}],
    ["matryoshka", "dataset", { matryoshkaActivation: "topk" }],
  ];
  for (const [arch, norm, extra] of cases) {
    it(`${arch} / ${norm}${extra.matryoshkaActivation ? " / topk" : ""}: SAELens's formulas on the files give reclens's codes, and reclens reads it back`, () => {
      const sae = trainedLike(arch, norm, extra);
      saveSae(sae, dir);
      const x = inputs(15, 9);
      expectSameOutputs(sae, x, saelensForward(dir, rowsOf(x)));
      const back = loadSae(dir);
      expect(back.config).toEqual(sae.config);
      const a = sae.encode(x);
      const b = back.encode(x);
      expect(b.indices).toEqual(a.indices);
      if (norm === "dataset") {
        // Folded into the weights on save and unfolded on load: equal up to float32 rounding.
        for (let p = 0; p < a.values.length; p++) expect(b.values[p]).toBeCloseTo(a.values[p], 5);
        const t = back.tensors();
        for (const [name, want] of Object.entries(sae.tensors()))
          for (let i = 0; i < want.data.length; i++)
            expect(Math.abs(t[name].data[i] - want.data[i])).toBeLessThanOrEqual(
              1e-6 * (1 + Math.abs(want.data[i])),
            );
      } else {
        expect(b.values).toEqual(a.values);
        expect(back.reconstruct(x).data).toEqual(sae.reconstruct(x).data);
      }
    });
  }

  it("reads SAELens's own standard and topk folders (apply_b_dec_to_input false, decoder-norm rescaling)", () => {
    const rng = new Rng(4);
    const rand = (n: number, s = 0.5): Float32Array => {
      const a = new Float32Array(n);
      rng.fillNormal(a, 0, s);
      return a;
    };
    const tensors = {
      W_enc: { shape: [6, 12], data: rand(72) },
      b_enc: { shape: [12], data: rand(12, 0.1) },
      W_dec: { shape: [12, 6], data: rand(72) },
      b_dec: { shape: [6], data: rand(6) },
    };
    const meta = {
      sae_lens_version: "6.21.0",
      sae_lens_training_version: "6.21.0",
      model_name: "gpt2",
      hook_name: "blocks.8.hook_resid_pre",
      context_size: 128,
    };
    const x = inputs(15, 2);
    for (const cfg of [
      {
        architecture: "standard",
        d_in: 6,
        d_sae: 12,
        dtype: "float32",
        device: "cpu",
        apply_b_dec_to_input: false,
        normalize_activations: "layer_norm",
        reshape_activations: "none",
        metadata: meta,
      },
      {
        architecture: "topk",
        d_in: 6,
        d_sae: 12,
        k: 3,
        rescale_acts_by_decoder_norm: true,
        dtype: "float32",
        device: "cuda",
        apply_b_dec_to_input: true,
        normalize_activations: "none",
        reshape_activations: "none",
        metadata: meta,
      },
    ]) {
      writeFileSync(join(dir, SAE_CONFIG_FILE), JSON.stringify(cfg));
      writeSafetensors(join(dir, SAE_WEIGHTS_FILE), tensors);
      const sae = loadSae(dir);
      expect(sae.architecture).toBe(cfg.architecture === "standard" ? "relu" : "topk");
      expectSameOutputs(sae, x, saelensForward(dir, rowsOf(x)));
    }
  });

  it("rejects what reclens cannot express, naming the file and the key", () => {
    const path = join(dir, SAE_CONFIG_FILE);
    const base = { architecture: "standard", d_in: 4, d_sae: 8, dtype: "float32" };
    expect(() =>
      saeConfigFromJson({ ...base, normalize_activations: "expected_average_only_in" }, path),
    ).toThrow(
      /field "normalize_activations" must be "none" or "layer_norm": the scaling factor is not stored in the folder; fold it/,
    );
    expect(() => saeConfigFromJson({ ...base, architecture: "jumprelu" }, path)).toThrow(
      /field "architecture" must be standard, topk, or the jumprelu folders reclens writes, got "jumprelu"/,
    );
    expect(() => saeConfigFromJson({ ...base, dtype: "bfloat16" }, path)).toThrow(/field "dtype"/);
    expect(() => saeConfigFromJson({ ...base, architecture: "topk", k: 99 }, path)).toThrow(
      /cfg\.json: field "k" must be an integer in \[1, 8\], got 99/,
    );
    expect(() => saeConfigFromJson({ ...base, d_sae: -3 }, path)).toThrow(
      /field "d_sae" must be an integer >= 1, got -3/,
    );
    expect(() =>
      saveSae(
        new SparseAutoencoder(makeSaeConfig("topk", 4, 8, { k: 2, normalisation: "per-sample-v1" })),
        dir,
      ),
    ).toThrow(
      /"normalisation" is reclens 0.1's per-row standardisation, which SAELens cannot express; retrain/,
    );
  });

  it("rejects weights that do not match the config, naming the file and the tensor", () => {
    const sae = trainedLike("topk");
    saveSae(sae, dir);
    const w = join(dir, SAE_WEIGHTS_FILE);
    const st = readSafetensors(w);
    const t = Object.fromEntries(
      [...st.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data as Float32Array }]),
    );
    writeSafetensors(w, { ...t, W_dec: { shape: [6, 12], data: t.W_dec.data } });
    expect(() => loadSae(dir)).toThrow(
      /sae_weights\.safetensors: tensor "W_dec" has shape \[6, 12\], expected \[12, 6\]/,
    );
    const { b_enc: _drop, ...missing } = t;
    writeSafetensors(w, missing);
    expect(() => loadSae(dir)).toThrow(/sae_weights\.safetensors: tensor "b_enc" is missing/);
    writeSafetensors(w, { ...t, extra: { shape: [1], data: new Float32Array(1) } });
    expect(() => loadSae(dir)).toThrow(/sae_weights\.safetensors: unexpected tensor "extra"/);
    writeSafetensors(w, { ...t, b_dec: { shape: [6], data: new Int32Array(6) } });
    expect(() => loadSae(dir)).toThrow(/tensor "b_dec" has dtype I32/);
    writeFileSync(join(dir, SAE_CONFIG_FILE), "{ not json");
    expect(() => loadSae(dir)).toThrow(/cfg\.json: not valid JSON/);
    rmSync(join(dir, SAE_CONFIG_FILE));
    expect(() => loadSae(dir)).toThrow(/cfg\.json: SAE config not found/);
  });
});

describe("sparsify folders", () => {
  it("reads a folder written to sparsify's layout and computes sparsify's codes", () => {
    const rng = new Rng(8);
    const rand = (n: number, s = 0.5): Float32Array => {
      const a = new Float32Array(n);
      rng.fillNormal(a, 0, s);
      return a;
    };
    writeFileSync(
      join(dir, SAE_CONFIG_FILE),
      JSON.stringify({
        activation: "topk",
        expansion_factor: 2,
        normalize_decoder: true,
        num_latents: 0,
        k: 3,
        multi_topk: false,
        skip_connection: false,
        transcode: false,
        d_in: 6,
      }),
    );
    writeSafetensors(join(dir, SPARSIFY_WEIGHTS_FILE), {
      "encoder.weight": { shape: [12, 6], data: rand(72) },
      "encoder.bias": { shape: [12], data: rand(12, 0.1) },
      W_dec: { shape: [12, 6], data: rand(72) },
      b_dec: { shape: [6], data: rand(6) },
    });
    const sae = loadSae(dir);
    expect(sae.config).toEqual({
      architecture: "topk",
      dIn: 6,
      dSae: 12,
      k: 3,
      normalisation: "none",
      bDecInit: "zero",
    });
    const x = inputs(15, 3);
    expectSameOutputs(sae, x, sparsifyForward(dir, rowsOf(x)));
  });

  it("writes TopK SAEs for sparsify (dataset normalisation folded) and refuses the others", () => {
    const sae = trainedLike("topk", "dataset");
    saveSparsifySae(sae, dir);
    expect(existsSync(join(dir, SAE_WEIGHTS_FILE))).toBe(false);
    const cfg = JSON.parse(readFileSync(join(dir, SAE_CONFIG_FILE), "utf8"));
    expect(cfg).toMatchObject({
      activation: "topk",
      num_latents: 12,
      k: 2,
      d_in: 6,
      transcode: false,
      skip_connection: false,
    });
    const x = inputs(15, 4);
    expectSameOutputs(sae, x, sparsifyForward(dir, rowsOf(x)));
    const back = loadSae(dir);
    expect(back.config).toEqual(sae.config);
    expect(back.encode(x).indices).toEqual(sae.encode(x).indices);
    expect(() => saveSparsifySae(trainedLike("batchtopk"), dir)).toThrow(
      /must be a TopK SAE to be written for sparsify/,
    );
    expect(() => saveSparsifySae(trainedLike("topk", "per-sample"), dir)).toThrow(
      /"normalisation" must be "none" or "dataset" for sparsify/,
    );
  });
});

describe("reclens 0.1 folders", () => {
  it("still load (sae.safetensors + a reclens-sae/1 cfg.json), with the old per-sample standardisation", () => {
    const sae = trainedLike("topk", "per-sample-v1");
    const cfg = {
      architecture: "topk",
      d_in: 6,
      d_sae: 12,
      dtype: "float32",
      apply_b_dec_to_input: true,
      normalisation: "per-sample",
      b_dec_init: "mean",
      format: "reclens-sae/1",
      k: 2,
    };
    writeFileSync(join(dir, SAE_CONFIG_FILE), JSON.stringify(cfg));
    writeSafetensors(join(dir, SPARSIFY_WEIGHTS_FILE), sae.tensors());
    const back = loadSae(dir);
    expect(back.config.normalisation).toBe("per-sample-v1");
    const x = inputs(10, 6);
    expect(back.encode(x).values).toEqual(sae.encode(x).values);
    // Row 0 by hand: population std, no epsilon.
    const y = Array.from(x.row(0));
    const m = y.reduce((a, b) => a + b, 0) / 6;
    const s = Math.sqrt(y.reduce((a, v) => a + (v - m) ** 2, 0) / 6);
    const pre = sae.preActivations(Matrix.fromRows([y]));
    const t = sae.tensors();
    let want = t.b_enc.data[0];
    for (let c = 0; c < 6; c++) want += ((y[c] - m) / s - t.b_dec.data[c]) * t.W_enc.data[c * 12];
    expect(pre.get(0, 0)).toBeCloseTo(want, 4);
    // Saving again writes the SAELens layout only when SAELens can express it.
    expect(() => saveSae(back, dir)).toThrow(/retrain the SAE/);
  });
});
