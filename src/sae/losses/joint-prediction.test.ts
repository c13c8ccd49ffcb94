import { describe, expect, it } from "vitest";
import { ncfLogits, type NcfHead } from "../../models/ncfHead.js";
import { Matrix } from "../../tensor/matrix.js";
import { Rng } from "../../tensor/rng.js";
import { makeSaeConfig } from "../config.js";
import { SparseAutoencoder } from "../model.js";
import { fdMismatches, finiteDifferences } from "../testing/finite-diff.js";
import {
  DotPairScorer,
  JointBatch,
  TapePairScorer,
  jointPredictionLoss,
  type PairScorer,
} from "./joint-prediction.js";
import { validateLossConfig } from "./index.js";

function randomMatrix(rows: number, cols: number, seed: number, std = 1): Matrix {
  const m = new Matrix(rows, cols);
  new Rng(seed).fillNormal(m.data, 0, std);
  return m;
}

/** 3 users (rows 0-2) and 4 items (rows 3-6); pairs include repeated users and items. */
function batch(dim: number, seed: number): JointBatch {
  const m = randomMatrix(7, dim, seed);
  return new JointBatch(7, dim, m.data, {
    users: Int32Array.of(0, 0, 1, 2, 2, 1),
    items: Int32Array.of(3, 4, 4, 5, 6, 6),
  });
}

/** A random NeuMF head: gmf 2 + mlp 2 columns, MLP 4 -> 3 -> 2 (ReLU). */
function randomHead(seed: number): NcfHead<Matrix> {
  return {
    gmfDim: 2,
    mlpDim: 2,
    weights: [randomMatrix(4, 3, seed), randomMatrix(3, 2, seed + 1)],
    biases: [randomMatrix(1, 3, seed + 2, 0.1), randomMatrix(1, 2, seed + 3, 0.1)],
    out: randomMatrix(4, 1, seed + 4),
    outBias: Matrix.full(1, 1, 0.3),
  };
}

function ncfScorer(head: NcfHead<Matrix>): PairScorer {
  return new TapePairScorer(4, (t, u, i) => ncfLogits(t, head, u, i));
}

function lossGradOk(scorer: PairScorer, dim: number): void {
  const y = batch(dim, 1);
  const yhat = randomMatrix(7, dim, 2);
  const d = new Matrix(7, dim);
  jointPredictionLoss(y, yhat, scorer, d, 1.5);
  // Every row that is in a pair (all 7) gets a gradient: both towers are reconstructed.
  for (let r = 0; r < 7; r++)
    expect(Math.max(...Array.from(d.row(r), Math.abs)), `row ${r}`).toBeGreaterThan(0);
  const samples = finiteDifferences(
    () => 1.5 * jointPredictionLoss(y, yhat, scorer, null, 1),
    yhat,
    d,
    28,
    1e-3,
  );
  expect(fdMismatches(samples, 1e-2, 1e-5)).toEqual([]);
}

describe("joint prediction-aware loss", () => {
  it("is the mean squared score difference over the batch's pairs (MF dot product, by hand)", () => {
    // users u0 = (1, 0), u1 = (0, 2); items i0 = (1, 1), i1 = (2, 0). Pairs (u0,i0), (u1,i1), (u1,i0).
    const y = new JointBatch(4, 2, Float32Array.of(1, 0, 0, 2, 1, 1, 2, 0), {
      users: Int32Array.of(0, 1, 1),
      items: Int32Array.of(2, 3, 2),
    });
    // Reconstructions: u0~ = (1, 1), u1~ = (0, 2), i0~ = (1, 1), i1~ = (1, 0).
    const yhat = new Matrix(4, 2, Float32Array.of(1, 1, 0, 2, 1, 1, 1, 0));
    // Original scores 1, 0, 2; reconstructed 2, 0, 2 -> differences 1, 0, 0 -> mean 1/3.
    const s = new DotPairScorer(2);
    const d = new Matrix(4, 2);
    expect(jointPredictionLoss(y, yhat, s, d, 1)).toBeCloseTo(1 / 3, 6);
    // dL/ds = 2/3 on pair 0 only: du0~ = 2/3 i0~ = (2/3, 2/3), di0~ = 2/3 u0~ = (2/3, 2/3).
    expect(Array.from(d.data).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([
      0.66667, 0.66667, 0, 0, 0.66667, 0.66667, 0, 0,
    ]);
  });

  it("is 0 on a plain batch (no pairs) and on a perfect reconstruction", () => {
    const m = randomMatrix(5, 3, 4);
    expect(jointPredictionLoss(m, randomMatrix(5, 3, 5), new DotPairScorer(3), null, 1)).toBe(0);
    const y = batch(3, 6);
    expect(jointPredictionLoss(y, y.clone(), new DotPairScorer(3), null, 1)).toBe(0);
  });

  it("matches finite differences for the MF scorer (users and items both reconstructed)", () => {
    lossGradOk(new DotPairScorer(3), 3);
  });

  it("matches finite differences for the NCF scorer (backprop through the frozen MLP head)", () => {
    const head = randomHead(11);
    const s = ncfScorer(head);
    // The scorer is the head: same logits as ncfLogits on an inference tape, head left unchanged.
    const u = randomMatrix(3, 4, 12);
    const i = randomMatrix(3, 4, 13);
    const before = Array.from(head.weights[0].data);
    const scores = s.scorePairs(u, i);
    expect(scores.length).toBe(3);
    s.backwardPairs(u, i, Float32Array.of(1, -1, 0.5));
    expect(Array.from(head.weights[0].data)).toEqual(before);
    lossGradOk(s, 4);
  });

  it("gives the SAE parameters finite-difference-correct gradients through the joint term", () => {
    const x = batch(4, 21);
    const sae = new SparseAutoencoder(makeSaeConfig("relu", 4, 6, { normalisation: "none" }), 3);
    sae.initialise(x);
    for (const scorer of [new DotPairScorer(4), ncfScorer(randomHead(31))]) {
      const losses = validateLossConfig(
        { l2: { weight: 1 }, jointPrediction: { weight: 0.7, scorer } },
        "test",
      );
      sae.zeroGrad();
      sae.forwardBackward(x, losses, { rng: new Rng(1) });
      let compared = 0;
      for (const [name, p] of Object.entries(sae.params)) {
        const analytic = (p.grad as Matrix).clone();
        const samples = finiteDifferences(
          () => sae.evaluate(x, losses, { rng: new Rng(1) }).loss,
          p.value,
          analytic,
          12,
          1e-3,
        );
        expect(fdMismatches(samples, 2e-2, 1e-5), name).toEqual([]);
        compared += samples.filter((q) => !q.kink && Math.abs(q.analytic) > 1e-4).length;
      }
      expect(compared).toBeGreaterThan(8);
    }
  });

  it("rejects pairs outside the batch and a config without a pair scorer", () => {
    expect(
      () => new JointBatch(2, 1, Float32Array.of(1, 2), { users: Int32Array.of(0), items: Int32Array.of(2) }),
    ).toThrow(/outside/);
    expect(() =>
      validateLossConfig({ jointPrediction: { weight: 1, scorer: {} as unknown as PairScorer } }, "cfg.json"),
    ).toThrow(/jointPrediction.scorer/);
  });
});
