import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../store/checkpoint.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { shuffledBatches } from "./batches.js";
import { makeSaeConfig } from "./config.js";
import { evaluateSae } from "./evaluate.js";
import type { LossConfig } from "./losses/types.js";
import { SparseAutoencoder } from "./model.js";
import { trainSae, type SaeTrainerConfig } from "./trainer.js";

const root = mkdtempSync(join(tmpdir(), "reclens-sae-resume-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function data(rows: number, seed: number): Matrix {
  const m = new Matrix(rows, 8);
  new Rng(seed).fillNormal(m.data, 0.3, 1);
  return m;
}

const x = data(96, 1);
const val = data(32, 2);

function freshSae(arch: "topk" | "batchtopk"): SparseAutoencoder {
  const sae = new SparseAutoencoder(makeSaeConfig(arch, 8, 16, { k: 2 }), 1);
  sae.initialise(x);
  return sae;
}

const config: Partial<SaeTrainerConfig> = {
  progress: "never",
  epochs: 7,
  lr: 2e-2,
  seed: 3,
  patience: 3,
  decay: "cosine",
  warmupSteps: 4,
};

/** AuxK on (uses the step RNG and the firing counters) with a short dead window. */
const losses: LossConfig = {
  l2: { weight: 1 },
  auxk: { weight: 1 / 8, deadAfter: 24, normalisation: "variance" },
};

class Stop extends Error {}

describe("SAE training checkpoints", () => {
  for (const arch of ["topk", "batchtopk"] as const) {
    it(`${arch}: interrupted after epoch 3 and resumed, it ends bit-identical to an uninterrupted run`, async () => {
      const evaluate = (s: SparseAutoencoder) => evaluateSae(s, val, losses, 16, 0);
      const a = freshSae(arch);
      const repA = await trainSae(a, shuffledBatches(x, 16, 4), losses, config, {
        evaluate: (s) => evaluate(s as SparseAutoencoder),
        state: { dir: join(root, `${arch}-a`), key: "k" },
      });

      const dir = join(root, `${arch}-b`);
      const saved: number[] = [];
      await expect(
        trainSae(freshSae(arch), shuffledBatches(x, 16, 4), losses, config, {
          evaluate: (s) => evaluate(s as SparseAutoencoder),
          state: { dir, key: "k", onSaved: (e) => saved.push(e) },
          checkpoint: (_s, e) => {
            if (e.epoch === 3) throw new Stop();
          },
        }),
      ).rejects.toThrow(Stop);
      expect(saved).toEqual([1, 2, 3]);
      expect((readCheckpoint(dir).state.epochs as unknown[]).length).toBe(3);

      const b = freshSae(arch);
      const repB = await trainSae(b, shuffledBatches(x, 16, 4), losses, config, {
        evaluate: (s) => evaluate(s as SparseAutoencoder),
        state: { dir, key: "k", resume: true },
      });
      expect(repB.steps).toBe(repA.steps);
      expect(repB.bestEpoch).toBe(repA.bestEpoch);
      expect(repB.stoppedEarly).toBe(repA.stoppedEarly);
      expect(repB.epochs.map((e) => [e.loss, e.valLoss, e.lr])).toEqual(
        repA.epochs.map((e) => [e.loss, e.valLoss, e.lr]),
      );
      expect(Array.from(repB.samplesSinceFired)).toEqual(Array.from(repA.samplesSinceFired));
      for (const [name, t] of Object.entries(a.tensors()))
        expect(Array.from(b.tensors()[name].data), name).toEqual(Array.from(t.data));
    });
  }

  it("refuses a checkpoint of another training and a NaN loss names the kept checkpoint", async () => {
    const dir = join(root, "other");
    await trainSae(
      freshSae("topk"),
      shuffledBatches(x, 16, 4),
      losses,
      { ...config, epochs: 2 },
      {
        state: { dir, key: "first" },
      },
    );
    await expect(
      trainSae(freshSae("topk"), shuffledBatches(x, 16, 4), losses, config, {
        state: { dir, key: "second", resume: true },
      }),
    ).rejects.toThrow(/checkpoint is of another SAE training \(first\), not of this one \(second\)/);

    const bad = new Matrix(16, 8);
    bad.data.fill(Number.NaN);
    await expect(
      trainSae(
        freshSae("topk"),
        (epoch: number) => (epoch < 2 ? [x] : [bad]),
        { l2: { weight: 1 } },
        config,
        {
          state: { dir: join(root, "nan"), key: "n" },
        },
      ),
    ).rejects.toThrow(
      /loss is NaN at epoch 3, step 1 .*the last good checkpoint \(epoch 2\) is kept in .*nan/,
    );
  });
});
