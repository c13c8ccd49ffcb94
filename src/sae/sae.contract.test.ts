import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { listArchitectures } from "./architectures/index.js";
import { codeL0, codeNnz } from "./code.js";
import { makeSaeConfig } from "./config.js";
import { LinearScorer } from "./losses/scorer.js";
import type { LossConfig } from "./losses/types.js";
import { SparseAutoencoder } from "./model.js";
import { loadSae, saveSae } from "./io.js";
import { trainSae } from "./trainer.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fdMismatches, finiteDifferences } from "./testing/finite-diff.js";
import type { NormalisationKind, SaeConfig, StepContext } from "./types.js";

const D_IN = 8;
const D_SAE = 24;
const B = 6;

function randomMatrix(rows: number, cols: number, seed: number, std = 1, mean = 0): Matrix {
  const m = new Matrix(rows, cols);
  new Rng(seed).fillNormal(m.data, mean, std);
  return m;
}

function configFor(
  arch: string,
  normalisation: NormalisationKind,
  extra: Partial<SaeConfig> = {},
): SaeConfig {
  const base: Partial<SaeConfig> = { normalisation, k: 3, ...extra };
  if (arch === "matryoshka") base.prefixes = [6, 12, 24];
  return makeSaeConfig(arch, D_IN, D_SAE, base);
}

/** An SAE with non-trivial biases so every parameter's gradient is exercised. */
function perturbedSae(cfg: SaeConfig, data: Matrix): SparseAutoencoder {
  const sae = new SparseAutoencoder(cfg, 7);
  sae.initialise(data);
  const rng = new Rng(3);
  for (const v of [sae.params.b_enc.value, sae.params.b_dec.value])
    for (let i = 0; i < v.data.length; i++) v.data[i] += 0.1 * rng.normal();
  return sae;
}

const scorer = new LinearScorer(randomMatrix(20, D_IN, 11), new Float32Array(20).fill(0.3));

const TERM_CONFIGS: Record<string, LossConfig> = {
  l2: { l2: { weight: 1 } },
  cosine: { cosine: { weight: 1 } },
  fvu: { fvu: { weight: 1 } },
  l1: { l1: { weight: 0.5, decoderNormWeighted: false } },
  "l1 decoder-norm weighted": { l1: { weight: 0.5, decoderNormWeighted: true } },
  kl: { kl: { weight: 0.3, target: 0.05 } },
  prediction: { prediction: { weight: 1, scorer, items: 7 } },
  "auxk variance": { auxk: { weight: 1, deadAfter: 1, normalisation: "variance", kAux: 3 } },
  "auxk sum": { auxk: { weight: 1, deadAfter: 1, normalisation: "sum", kAux: 3 } },
  combined: {
    l2: { weight: 1 },
    cosine: { weight: 0.5 },
    l1: { weight: 0.1, decoderNormWeighted: true },
    prediction: { weight: 0.2, scorer, items: 5 },
    auxk: { weight: 1 / 32, deadAfter: 1, normalisation: "variance" },
  },
};

/** Half the latents dead (for AuxK) and a fixed residual (AuxK's residual is detached). */
function ctxFactory(): () => StepContext {
  const dead = new Uint8Array(D_SAE);
  for (let j = 0; j < D_SAE; j += 2) dead[j] = 1;
  const residual = randomMatrix(B, D_IN, 21, 0.5);
  return () => ({ rng: new Rng(5), dead, auxResidual: residual });
}

function checkGradients(sae: SparseAutoencoder, x: Matrix, losses: LossConfig): string[] {
  const ctx = ctxFactory();
  sae.zeroGrad();
  sae.forwardBackward(x, losses, ctx());
  const failures: string[] = [];
  let nonZero = 0;
  for (const [name, p] of Object.entries(sae.params)) {
    const analytic = (p.grad as Matrix).clone();
    const samples = finiteDifferences(() => sae.evaluate(x, losses, ctx()).loss, p.value, analytic, 16, 1e-3);
    const bad = fdMismatches(samples, 2e-2, 1e-5);
    if (bad.length > 0) failures.push(`${name}: ${JSON.stringify(bad.slice(0, 3))}`);
    const kinks = samples.filter((s) => s.kink).length;
    if (kinks > 2)
      failures.push(`${name}: ${kinks} of ${samples.length} coordinates sit on a selection boundary`);
    nonZero += samples.filter((s) => !s.kink && Math.abs(s.analytic) > 1e-4).length;
  }
  if (nonZero < 8) failures.push(`only ${nonZero} non-zero gradient coordinates were compared`);
  return failures;
}

for (const arch of listArchitectures()) {
  describe(`SAE contract: ${arch}`, () => {
    const x = randomMatrix(B, D_IN, 1, 1.5, 0.4);

    describe("hand-written gradients match central finite differences", () => {
      for (const [term, losses] of Object.entries(TERM_CONFIGS)) {
        for (const path of ["sparse", "dense"] as const) {
          it(`${term} (${path} path)`, () => {
            const sae = perturbedSae(configFor(arch, "dataset"), x);
            sae.densityThreshold = path === "dense" ? 0 : 2;
            expect(checkGradients(sae, x, losses)).toEqual([]);
          });
        }
      }
      for (const norm of ["none", "per-sample"] as const) {
        it(`l2 + prediction with ${norm} normalisation`, () => {
          const sae = perturbedSae(configFor(arch, norm), x);
          expect(
            checkGradients(sae, x, { l2: { weight: 1 }, prediction: { weight: 1, scorer, items: 9 } }),
          ).toEqual([]);
        });
      }
    });

    it("removes the decoder-parallel gradient and keeps decoder rows at unit norm after steps", async () => {
      const data = randomMatrix(48, D_IN, 4, 1, 0.2);
      const sae = new SparseAutoencoder(configFor(arch, "dataset"), 2);
      sae.initialise(data);
      sae.zeroGrad();
      sae.forwardBackward(
        data,
        { l2: { weight: 1 }, l1: { weight: 0.1, decoderNormWeighted: true } },
        { rng: new Rng(1) },
      );
      sae.constrainGradients();
      const w = sae.params.W_dec.value;
      const g = sae.params.W_dec.grad as Matrix;
      let maxDot = 0;
      let gradNorm = 0;
      for (let j = 0; j < D_SAE; j++) {
        let dot = 0;
        for (let c = 0; c < D_IN; c++) {
          dot += w.get(j, c) * g.get(j, c);
          gradNorm += g.get(j, c) ** 2;
        }
        maxDot = Math.max(maxDot, Math.abs(dot));
      }
      expect(gradNorm).toBeGreaterThan(1e-6);
      expect(maxDot).toBeLessThan(1e-6);
      const before = w.clone();
      await trainSae(
        sae,
        [data.rowRange(0, 24), data.rowRange(24, 48)],
        { l2: { weight: 1 } },
        { epochs: 3, lr: 0.05, progress: "never" },
      );
      let moved = 0;
      for (let j = 0; j < D_SAE; j++) {
        let n2 = 0;
        for (let c = 0; c < D_IN; c++) n2 += w.get(j, c) ** 2;
        expect(Math.sqrt(n2)).toBeCloseTo(1, 5);
      }
      for (let t = 0; t < w.data.length; t++) moved = Math.max(moved, Math.abs(w.data[t] - before.data[t]));
      expect(moved).toBeGreaterThan(1e-3);
    });

    it("leaves the caller's batch untouched and undoes per-sample standardisation exactly", () => {
      const sae = perturbedSae(configFor(arch, "per-sample"), x);
      const y = x.clone();
      sae.zeroGrad();
      sae.forwardBackward(y, TERM_CONFIGS.combined, ctxFactory()());
      sae.evaluate(y, TERM_CONFIGS.combined, ctxFactory()(), "inference");
      const r1 = sae.reconstruct(y);
      sae.encode(y);
      expect(y.data).toEqual(x.data);
      // Per-sample standardisation makes the SAE invariant to a per-row affine map a*y + b (a > 0):
      // reconstruct(a*y + b) must equal a*reconstruct(y) + b when the statistics are undone exactly.
      const a = [0.5, 2, 3, 1, 10, 0.25];
      const b = [1, -2, 0.5, 0, 7, -3];
      const y2 = new Matrix(B, D_IN);
      for (let r = 0; r < B; r++) for (let c = 0; c < D_IN; c++) y2.set(r, c, a[r] * y.get(r, c) + b[r]);
      const r2 = sae.reconstruct(y2);
      // Exact up to SAELens's layer_norm epsilon (x / (std + 1e-5)): a relative effect of ~1e-5 / std.
      for (let r = 0; r < B; r++) {
        for (let c = 0; c < D_IN; c++) {
          const want = a[r] * r1.get(r, c) + b[r];
          expect(Math.abs(r2.get(r, c) - want)).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(want)));
        }
      }
    });

    // "dataset" normalisation is folded into the weights on save (SAELens has no such setting), so it
    // reloads equal up to float32 rounding; see io.test.ts.
    it("saves and loads bit-exactly (per-sample normalisation)", async () => {
      const data = randomMatrix(40, D_IN, 9, 1, 0.3);
      const sae = new SparseAutoencoder(configFor(arch, "per-sample"), 5);
      sae.initialise(data);
      await trainSae(
        sae,
        [data.rowRange(0, 20), data.rowRange(20, 40)],
        { l2: { weight: 1 } },
        { epochs: 2, lr: 0.01, progress: "never" },
      );
      const dir = mkdtempSync(join(tmpdir(), "reclens-sae-"));
      try {
        saveSae(sae, dir);
        const back = loadSae(dir);
        expect(back.config).toEqual(sae.config);
        const t1 = sae.tensors();
        const t2 = back.tensors();
        expect(Object.keys(t2).sort()).toEqual(Object.keys(t1).sort());
        for (const k of Object.keys(t1)) {
          expect(t2[k].shape).toEqual(t1[k].shape);
          expect(
            Buffer.from(t2[k].data.buffer, t2[k].data.byteOffset, t2[k].data.byteLength).equals(
              Buffer.from(t1[k].data.buffer, t1[k].data.byteOffset, t1[k].data.byteLength),
            ),
          ).toBe(true);
        }
        const c1 = sae.encode(data);
        const c2 = back.encode(data);
        expect(c2.indptr).toEqual(c1.indptr);
        expect(c2.indices).toEqual(c1.indices);
        expect(c2.values).toEqual(c1.values);
        expect(back.reconstruct(data).data).toEqual(sae.reconstruct(data).data);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("produces exactly the sparsity asked for", async () => {
      const data = randomMatrix(32, D_IN, 13, 1, 0.2);
      const cfg = configFor(arch, "dataset");
      const sae = new SparseAutoencoder(cfg, 3);
      sae.initialise(data);
      sae.params.b_enc.value.data.fill(0.5); // plenty of positive pre-activations
      const pre = sae.preActivations(data);
      const batchKind =
        arch === "batchtopk" || (arch === "matryoshka" && cfg.matryoshkaActivation !== "topk");
      sae.zeroGrad();
      const res = sae.forwardBackward(data, { l2: { weight: 1 } }, { rng: new Rng(1) });
      if (arch === "relu") {
        let positives = 0;
        for (const v of pre.data) if (v > 0) positives++;
        expect(res.l0 * data.rows).toBe(positives);
      } else if (batchKind) {
        expect(res.l0 * data.rows).toBe(3 * data.rows); // k * B non-zeros over the batch
      } else {
        expect(res.l0).toBe(3);
      }
      const code = sae.encode(data);
      const l0 = codeL0(code);
      if (!batchKind && arch !== "relu") expect(Array.from(l0)).toEqual(new Array(data.rows).fill(3));
      // Inference keeps exactly: relu -> pre > 0; topk -> the k largest; batchtopk -> pre > theta.
      const theta = batchKind ? (sae.tensors().threshold.data[0] as number) : 0;
      for (let r = 0; r < data.rows; r++) {
        const kept = new Map<number, number>();
        for (let p = code.indptr[r]; p < code.indptr[r + 1]; p++) kept.set(code.indices[p], code.values[p]);
        const row = pre.row(r);
        const minKept = Math.min(...kept.values());
        for (let j = 0; j < D_SAE; j++) {
          if (kept.has(j)) expect(kept.get(j)).toBe(row[j]);
          else if (arch === "relu" || batchKind) expect(row[j] <= Math.max(theta, 0)).toBe(true);
          else expect(row[j]).toBeLessThanOrEqual(minKept);
        }
      }
      if (batchKind) {
        await trainSae(sae, [data], { l2: { weight: 1 } }, { epochs: 3, lr: 1e-3, progress: "never" });
        const th = sae.tensors().threshold.data;
        expect(th[0]).toBeGreaterThan(0);
        const pre2 = sae.preActivations(data);
        let expected = 0;
        for (const v of pre2.data) if (v > th[0]) expected++;
        expect(codeNnz(sae.encode(data))).toBe(expected);
      }
    });

    it("rejects a bad config naming the field", () => {
      expect(() => new SparseAutoencoder({ ...configFor(arch, "none"), dSae: 0 })).toThrow(/field "dSae"/);
      expect(
        () => new SparseAutoencoder({ ...configFor(arch, "none"), normalisation: "l2" as NormalisationKind }),
      ).toThrow(/field "normalisation".*"l2"/);
      if (arch !== "relu")
        expect(() => new SparseAutoencoder({ ...configFor(arch, "none"), k: D_SAE + 1 })).toThrow(
          /field "k".*25/,
        );
      if (arch === "matryoshka")
        expect(() => new SparseAutoencoder({ ...configFor(arch, "none"), prefixes: [12, 6, 24] })).toThrow(
          /field "prefixes"/,
        );
    });
  });
}

describe("SAE contract: matryoshka with a TopK activation", () => {
  const x = randomMatrix(B, D_IN, 1, 1.5, 0.4);
  for (const path of ["sparse", "dense"] as const) {
    it(`hand-written gradients match finite differences (${path} path)`, () => {
      const sae = perturbedSae(configFor("matryoshka", "dataset", { matryoshkaActivation: "topk" }), x);
      sae.densityThreshold = path === "dense" ? 0 : 2;
      expect(checkGradients(sae, x, TERM_CONFIGS.combined)).toEqual([]);
      sae.zeroGrad();
      expect(sae.forwardBackward(x, { l2: { weight: 1 } }, { rng: new Rng(1) }).l0).toBe(3);
    });
  }
});
