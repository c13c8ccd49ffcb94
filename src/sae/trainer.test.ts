import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { batchesPerEpoch, shuffledBatches } from "./batches.js";
import { makeSaeConfig } from "./config.js";
import { SparseAutoencoder } from "./model.js";
import { formatDuration, ProgressLine, progressWanted } from "./progress.js";
import { resolveTrainerConfig, trainSae } from "./trainer.js";
import type { LossConfig } from "./losses/types.js";

function data(rows: number, seed: number): Matrix {
  const m = new Matrix(rows, 8);
  new Rng(seed).fillNormal(m.data, 0.3, 1);
  return m;
}

const losses: LossConfig = {
  l2: { weight: 1 },
  auxk: { weight: 1 / 32, deadAfter: 16, normalisation: "variance" },
};
const quiet = { progress: "never" as const };

function freshSae(seed = 1): SparseAutoencoder {
  const sae = new SparseAutoencoder(makeSaeConfig("topk", 8, 16, { k: 2 }), seed);
  sae.initialise(data(64, 9));
  return sae;
}

describe("trainSae", () => {
  it("is deterministic under a seed and reduces the loss", async () => {
    const x = data(64, 1);
    const run = async () => {
      const sae = freshSae();
      const rep = await trainSae(sae, shuffledBatches(x, 16, 4), losses, {
        ...quiet,
        epochs: 4,
        lr: 1e-2,
        seed: 3,
      });
      return { sae, rep };
    };
    const a = await run();
    const b = await run();
    expect(b.sae.params.W_enc.value.data).toEqual(a.sae.params.W_enc.value.data);
    expect(b.sae.params.W_dec.value.data).toEqual(a.sae.params.W_dec.value.data);
    expect(b.rep.epochs.map((e) => e.loss)).toEqual(a.rep.epochs.map((e) => e.loss));
    expect(a.rep.steps).toBe(4 * batchesPerEpoch(64, 16));
    expect(a.rep.epochs[3].loss).toBeLessThan(a.rep.epochs[0].loss);
  });

  it("stops early when validation stops improving and restores the best epoch", async () => {
    const sae = freshSae();
    const vals = [3, 2, 2.5, 2.6, 2.7, 1];
    const snapshots: Float32Array[] = [];
    const rep = await trainSae(
      sae,
      [data(32, 2)],
      { l2: { weight: 1 } },
      { ...quiet, epochs: 6, patience: 2, lr: 1e-2 },
      {
        evaluate: (s, epoch) => {
          snapshots.push(s.params.W_dec.value.data.slice());
          return { loss: vals[epoch - 1] };
        },
      },
    );
    expect(rep.stoppedEarly).toBe(true);
    expect(rep.epochs.length).toBe(4); // epochs 3 and 4 did not improve on epoch 2
    expect(rep.bestEpoch).toBe(2);
    expect(rep.bestValLoss).toBe(2);
    expect(rep.epochs.map((e) => e.best)).toEqual([true, true, false, false]);
    expect(sae.params.W_dec.value.data).toEqual(snapshots[1]);
  });

  it("tracks samples since each latent fired and counts dead latents", async () => {
    const sae = freshSae();
    sae.params.b_enc.value.data.fill(-100);
    sae.params.b_enc.value.data[0] = 100; // latent 0 always fires, the others never
    const rep = await trainSae(
      sae,
      [data(10, 3), data(10, 4)],
      { l2: { weight: 1 } },
      { ...quiet, epochs: 2, lr: 1e-6, deadAfter: 25 },
    );
    expect(rep.samplesSinceFired[0]).toBe(0);
    expect(rep.samplesSinceFired[5]).toBe(40);
    expect(rep.epochs[0].deadFraction).toBe(0); // 20 samples < 25
    expect(rep.epochs[1].deadFraction).toBeCloseTo(15 / 16, 10);
    expect(rep.epochs[1].l0).toBe(1);
  });

  it("calls the checkpoint hook each epoch and rejects a one-shot iterator for several epochs", async () => {
    const seen: number[] = [];
    await trainSae(
      freshSae(),
      [data(8, 5)],
      { l2: { weight: 1 } },
      { ...quiet, epochs: 3 },
      { checkpoint: (_s, e) => void seen.push(e.epoch) },
    );
    expect(seen).toEqual([1, 2, 3]);
    function* once() {
      yield data(8, 6);
    }
    await expect(
      trainSae(freshSae(), once(), { l2: { weight: 1 } }, { ...quiet, epochs: 2 }),
    ).rejects.toThrow(/no batches in epoch 2.*one-shot/);
  });

  it("accepts async batch sources and initialises an uninitialised SAE from the first batch", async () => {
    const sae = new SparseAutoencoder(makeSaeConfig("topk", 8, 16, { k: 2 }), 1);
    expect(sae.initialised).toBe(false);
    async function* batches() {
      yield data(8, 7);
      yield data(8, 8);
    }
    const rep = await trainSae(sae, () => batches(), { l2: { weight: 1 } }, { ...quiet, epochs: 2 });
    expect(sae.initialised).toBe(true);
    expect(rep.steps).toBe(4);
  });

  it("validates its options naming the field", () => {
    expect(() => resolveTrainerConfig({ epochs: 0 })).toThrow(/field "epochs"/);
    expect(() => resolveTrainerConfig({ beta2: 1 })).toThrow(/field "beta2"/);
    expect(() => resolveTrainerConfig({ lr: -1 })).toThrow(/field "lr"/);
    expect(() => resolveTrainerConfig({ speed: 1 } as never)).toThrow(
      /field "speed" is not a trainer option/,
    );
    expect(resolveTrainerConfig({}).beta2).toBe(0.99);
  });
});

describe("progress line", () => {
  it("draws only on a TTY outside CI", () => {
    expect(progressWanted({ isTTY: true, write: () => true }, {})).toBe(true);
    expect(progressWanted({ isTTY: true, write: () => true }, { CI: "true" })).toBe(false);
    expect(progressWanted({ isTTY: false, write: () => true }, {})).toBe(false);
  });

  it("overwrites itself and ends with a newline; silent when disabled", () => {
    const out: string[] = [];
    const stream = { isTTY: true, write: (s: string) => (out.push(s), true) };
    const line = new ProgressLine(stream, true, 0);
    line.update("epoch 1 loss 0.5");
    line.update("epoch 1");
    line.done();
    expect(out).toEqual(["\repoch 1 loss 0.5", "\repoch 1         ", "\n"]);
    const off: string[] = [];
    const silent = new ProgressLine({ write: (s: string) => (off.push(s), true) }, false);
    silent.update("x", true);
    silent.done();
    expect(off).toEqual([]);
    expect(formatDuration(3725)).toBe("1h02m");
    expect(formatDuration(185)).toBe("3m05s");
    expect(formatDuration(NaN)).toBe("?");
  });

  it("is written by the trainer when forced and shows epoch, loss, L0, dead % and ETA", async () => {
    const out: string[] = [];
    await trainSae(
      freshSae(),
      [data(8, 1), data(8, 2)],
      { l2: { weight: 1 } },
      { epochs: 1, progress: "always" },
      { stream: { write: (s) => (out.push(s), true) } },
    );
    const text = out.join("");
    expect(text).toMatch(
      /sae train 1\/2 \(50%\) {2}epoch 1\/1 step 1\/2 loss [\d.]+ L0 [\d.]+ dead [\d.]+% {2}\d+s elapsed, ETA \d+s/,
    );
    expect(text.endsWith("\n")).toBe(true);
  });
});
