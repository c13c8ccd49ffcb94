import { describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { runEpochs } from "./training.js";
import type { FitProgress, Recommender } from "./types.js";

const fakeModel = { name: "fake" } as unknown as Recommender;

describe("runEpochs", () => {
  it("stops after `patience` epochs without improvement and restores the best epoch's weights", async () => {
    const weights = new Float32Array(1);
    const scores = [0.1, 0.3, 0.2, 0.25, 0.9];
    const progress: FitProgress[] = [];
    let restored: number | undefined;
    const report = await runEpochs({
      model: fakeModel,
      epochs: 5,
      ctx: {
        rng: new Rng(0),
        onProgress: (p) => progress.push(p),
        validation: { evaluate: () => scores[weights[0] - 1], patience: 2 },
      },
      runEpoch: (e) => {
        weights[0] = e; // "training" sets the weights to the epoch number
        return 10 - e;
      },
      snapshot: () => [weights.slice()],
      restore: ([w]) => {
        restored = w[0];
        weights.set(w);
      },
    });
    expect(report.epochsRun).toBe(4); // epochs 3 and 4 did not beat epoch 2
    expect(report.bestEpoch).toBe(2);
    expect(restored).toBe(2);
    expect(weights[0]).toBe(2);
    expect(report.losses).toEqual([9, 8, 7, 6]);
    expect(report.valScores).toEqual([0.1, 0.3, 0.2, 0.25]);
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    expect(progress[3].etaSec).toBe(0);
    expect(progress[1].valScore).toBe(0.3);
  });

  it("runs all epochs without validation and rejects a non-finite loss naming the epoch", async () => {
    const base = { model: fakeModel, ctx: { rng: new Rng(0) }, snapshot: () => [], restore: () => undefined };
    const ok = await runEpochs({ ...base, epochs: 3, runEpoch: () => 1 });
    expect(ok.epochsRun).toBe(3);
    expect(ok.bestEpoch).toBe(3);
    await expect(runEpochs({ ...base, epochs: 3, runEpoch: (e) => (e === 2 ? NaN : 1) })).rejects.toThrow(
      "fake.fit: training loss is NaN at epoch 2",
    );
  });
});
