import { describe, expect, it } from "vitest";
import { Matrix } from "../tensor/matrix.js";
import { LinearScorer } from "../sae/losses/scorer.js";
import {
  buildLossConfig,
  buildSaeConfig,
  isScaleFree,
  parseLossSpec,
  resolveSaeSettings,
  saeWidth,
} from "./sae-settings.js";

describe("SAE settings", () => {
  it("parses loss specs with weights", () => {
    expect(parseLossSpec("l2")).toEqual({ l2: 1 });
    expect(parseLossSpec("l2+cosine:0.5")).toEqual({ l2: 1, cosine: 0.5 });
    expect(() => parseLossSpec("mse")).toThrow('unknown loss term "mse" in "mse" (known: l2, cosine, fvu');
    expect(() => parseLossSpec("l2:0")).toThrow('bad weight in "l2:0"');
    expect(() => parseLossSpec("l2+l2:2")).toThrow('"l2" appears twice');
  });

  it("applies defaults and derives the SAE and loss configs", () => {
    const s = resolveSaeSettings({ k: 4, expansion: 2.5, loss: "cosine+l2:0.1", auxk: 0.05 });
    expect(s.architecture).toBe("topk");
    expect(s.normalisation).toBe("per-sample");
    expect(saeWidth(s, 16)).toBe(40);
    const cfg = buildSaeConfig(s, 16);
    expect([cfg.architecture, cfg.dIn, cfg.dSae, cfg.k, cfg.normalisation]).toEqual([
      "topk",
      16,
      40,
      4,
      "per-sample",
    ]);
    expect(buildLossConfig(s, 500)).toEqual({
      cosine: { weight: 1 },
      l2: { weight: 0.1 },
      auxk: { weight: 0.05, deadAfter: 500, normalisation: "variance", rescale: "least-squares" },
    });
    // defaults: AuxK 1/32 for the TopK family, none for relu, which gets L1 1e-2 instead
    expect(buildLossConfig(resolveSaeSettings({}), 20_000).auxk).toEqual({
      weight: 1 / 32,
      deadAfter: 10_000,
      normalisation: "variance",
      rescale: "least-squares",
    });
    expect(buildLossConfig(resolveSaeSettings({ auxkRescale: "none" }), 10).auxk?.rescale).toBe("none");
    expect(s.init).toBe("data");
    expect(() => resolveSaeSettings({ init: "zeros" as "data" })).toThrow(/init/);
    const relu = buildLossConfig(resolveSaeSettings({ architecture: "relu" }), 100);
    expect(relu).toEqual({ l2: { weight: 1 }, l1: { weight: 1e-2, decoderNormWeighted: true } });
  });

  it("calls a loss scale-free only when no term ties the reconstruction's scale to the data", () => {
    expect(isScaleFree(buildLossConfig(resolveSaeSettings({ loss: "cosine" }), 10))).toBe(true);
    expect(isScaleFree(buildLossConfig(resolveSaeSettings({ loss: "cosine+l2:0.1" }), 10))).toBe(false);
    expect(isScaleFree(buildLossConfig(resolveSaeSettings({ loss: "fvu" }), 10))).toBe(false);
    const scorer = new LinearScorer(new Matrix(3, 2));
    const withPrediction = buildLossConfig(resolveSaeSettings({ loss: "cosine", prediction: 1 }), 10, scorer);
    expect(isScaleFree(withPrediction)).toBe(false);
  });

  it("adds the prediction-aware term only with a scorer", () => {
    const s = resolveSaeSettings({ prediction: 0.5, predictionItems: 7 });
    const scorer = new LinearScorer(new Matrix(3, 2));
    expect(buildLossConfig(s, 10, scorer).prediction).toEqual({ weight: 0.5, scorer, items: 7 });
    expect(() => buildLossConfig(s, 10)).toThrow(/needs the recommender's scorer/);
  });

  it("rejects bad settings naming the field", () => {
    expect(() => resolveSaeSettings({ architecture: "gated" })).toThrow(
      'unknown architecture "gated" (known: relu, topk, batchtopk, matryoshka)',
    );
    expect(() => resolveSaeSettings({ k: 0 })).toThrow(/k: .*\(got 0\)/);
    expect(() => resolveSaeSettings({ epochs: 1.5 })).toThrow(/epochs/);
    expect(() => resolveSaeSettings({ architecture: "relu", l1: 0 })).toThrow(
      "a relu SAE needs an L1 weight > 0",
    );
    expect(() => resolveSaeSettings({ lr: 1e-3, batchsize: 3 } as never)).toThrow(
      /unknown field\(s\) "batchsize"/,
    );
    expect(() => buildSaeConfig(resolveSaeSettings({ k: 50, expansion: 2 }), 16)).toThrow(
      "k = 50 exceeds the 32 latents",
    );
  });
});
