import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { createModel, loadModel, modelNames } from "./index.js";
import { topKUnseen } from "./rank.js";
import type { SaeRec } from "./saerec.js";
import { plantedPriors } from "./saerec-testing.js";
import { plantedBlocks } from "./testing.js";
import { trainingBatch, userBatch, type Recommender, type UserBatch } from "./types.js";

/**
 * The contract every registered recommender must meet. Each model needs an entry here (a small
 * config that trains in well under a second, and hyperparameter mistakes it must reject).
 */
interface ContractSpec {
  config: Record<string, unknown>;
  stochastic: boolean;
  /**
   * Sequential models get each user's items as a sequence (ascending item index) in fit and in every
   * batch. Planted blocks define no next item, so the "held-out first" check does not apply to them;
   * their planted Markov-chain tests (sasrec.test.ts, gru4rec.test.ts) check quality instead.
   */
  sequential?: true;
  /** Called on each new model before fit (e.g. SAERec attaches its planted intent library). */
  prepare?: (model: Recommender) => void;
  bad: { config: Record<string, unknown>; message: string }[];
}

const specs: Record<string, ContractSpec> = {
  ease: {
    config: { lambda: 1 },
    stochastic: false,
    bad: [
      { config: { lambda: -5 }, message: "lambda: Too small: expected number to be >0 (got -5)" },
      {
        config: { lambda: "big" },
        message: 'lambda: Invalid input: expected number, received string (got "big")',
      },
    ],
  },
  elsa: {
    config: { dim: 4, epochs: 25, batchSize: 8, lr: 0.05 },
    stochastic: true,
    bad: [
      { config: { dim: 0 }, message: "dim: Too small: expected number to be >=1 (got 0)" },
      { config: { dim: 2.5 }, message: "dim: Invalid input: expected int, received number (got 2.5)" },
      { config: { lr: -0.1 }, message: "lr: Too small: expected number to be >0 (got -0.1)" },
    ],
  },
  lightgcn: {
    config: { dim: 8, layers: 2, epochs: 40, batchSize: 16, lr: 0.05 },
    stochastic: true,
    bad: [
      { config: { layers: 0 }, message: "layers: Too small: expected number to be >=1 (got 0)" },
      { config: { reg: -1 }, message: "reg: Too small: expected number to be >=0 (got -1)" },
    ],
  },
  mf: {
    config: { dim: 4, epochs: 30, batchSize: 32, lr: 0.05, reg: 0.1, loss: "bce" },
    stochastic: true,
    bad: [
      { config: { loss: "mse" }, message: 'loss: Invalid option: expected one of "bpr"|"bce" (got "mse")' },
      { config: { negatives: 0 }, message: "negatives: Too small: expected number to be >=1 (got 0)" },
    ],
  },
  multvae: {
    config: { dim: 4, hidden: 12, epochs: 40, batchSize: 8, lr: 0.01, annealSteps: 100 },
    stochastic: true,
    bad: [
      { config: { dropout: 1 }, message: "dropout: Too big: expected number to be <1 (got 1)" },
      { config: { hidden: 0 }, message: "hidden: Too small: expected number to be >=1 (got 0)" },
    ],
  },
  gru4rec: {
    config: { dim: 8, maxLen: 8, dropout: 0.1, epochs: 5, batchSize: 8, lr: 0.01 },
    stochastic: true,
    sequential: true,
    bad: [
      { config: { dropout: 1 }, message: "dropout: Too big: expected number to be <1 (got 1)" },
      { config: { maxLen: 0 }, message: "maxLen: Too small: expected number to be >=1 (got 0)" },
    ],
  },
  sasrec: {
    config: { dim: 8, blocks: 1, heads: 2, maxLen: 8, dropout: 0.1, epochs: 5, batchSize: 8, lr: 0.01 },
    stochastic: true,
    sequential: true,
    bad: [
      {
        config: { loss: "mse" },
        message: 'loss: Invalid option: expected one of "ce"|"bce"|"sampled" (got "mse")',
      },
      { config: { blocks: 0 }, message: "blocks: Too small: expected number to be >=1 (got 0)" },
    ],
  },
  saerec: {
    config: {
      dim: 8,
      blocks: 1,
      heads: 2,
      maxLen: 8,
      dropout: 0.1,
      epochs: 5,
      batchSize: 8,
      lr: 0.01,
      personalK: 2,
      publicK: 2,
    },
    stochastic: true,
    sequential: true,
    prepare: (m) => (m as SaeRec).attachIntents(plantedPriors(15, 3, (i) => Math.min(2, Math.floor(i / 6)))),
    bad: [
      {
        config: { intents: "all" },
        message:
          'intents: Invalid option: expected one of "none"|"random"|"personal"|"public"|"both" (got "all")',
      },
      { config: { personalK: 0 }, message: "personalK: Too small: expected number to be >=1 (got 0)" },
    ],
  },
  ncf: {
    config: {
      gmfDim: 8,
      mlpDim: 2,
      layers: [4],
      epochs: 30,
      batchSize: 32,
      lr: 0.01,
      reg: 0.05,
      initStd: 0.1,
    },
    stochastic: true,
    bad: [
      { config: { layers: [] }, message: "layers: Too small: expected array to have >=1 items (got [])" },
      { config: { negatives: 0 }, message: "negatives: Too small: expected number to be >=1 (got 0)" },
    ],
  },
};

const dir = mkdtempSync(join(tmpdir(), "reclens-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const planted = plantedBlocks(10, 6, 3, 7);
const nUsers = planted.train.rows;

const cache = new Map<string, Recommender>();

/** Each planted user's items as a sequence, ascending item index. */
const plantedSequences = Array.from({ length: nUsers }, (_, u) => planted.train.rowIndices(u).slice());

/** `batch` (rows [start, start + rows) of the planted users) with their sequences for sequential models. */
function withSequences(name: string, batch: UserBatch, start = 0): UserBatch {
  if (!specs[name].sequential) return batch;
  return { ...batch, sequences: plantedSequences.slice(start, start + batch.rows.rows) };
}

/** A model fitted on the planted data; the seed-1 fit is shared by the tests that only read it. */
async function fitted(name: string, seed = 1): Promise<Recommender> {
  const key = `${name}/${seed}`;
  const hit = seed === 1 ? cache.get(key) : undefined;
  if (hit) return hit;
  const model = createModel(name, specs[name].config);
  specs[name].prepare?.(model);
  await model.fit(planted.train, {
    rng: new Rng(seed),
    ...(specs[name].sequential ? { sequences: plantedSequences } : {}),
  });
  if (seed === 1) cache.set(key, model);
  return model;
}

function expectHeldOutFirst(model: Recommender, batch: UserBatch): void {
  const top = topKUnseen(model.scoreUsers(batch), batch.rows, 1);
  const misses: number[] = [];
  for (let u = 0; u < nUsers; u++) if (top.indices[u] !== planted.heldOut[u]) misses.push(u);
  expect(misses, `users whose held-out item is not ranked first`).toEqual([]);
}

function sameBits(a: Matrix, b: Matrix): boolean {
  return (
    a.shape === b.shape &&
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
      Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    )
  );
}

describe("recommender contract", () => {
  it("every registered model has a contract spec", () => {
    expect(modelNames().filter((n) => !(n in specs))).toEqual([]);
  });

  for (const name of modelNames()) {
    if (!(name in specs)) continue;
    const spec = specs[name];
    describe(name, () => {
      it.skipIf(spec.sequential)(
        "ranks each user's held-out item of the planted block first among unseen items",
        async () => {
          const model = await fitted(name);
          expectHeldOutFirst(model, trainingBatch(planted.train));
          // The same users presented as unseen (no ids): autoencoders ignore ids, MF folds them in.
          expectHeldOutFirst(model, userBatch(planted.train));
        },
      );

      it("encode/decode have the documented shapes and scoreUsers = decode(encodeUsers)", async () => {
        const model = await fitted(name);
        const batch = withSequences(name, trainingBatch(planted.train, 3, 9), 3);
        const z = model.encodeUsers(batch);
        expect([z.rows, z.cols]).toEqual([6, model.dim]);
        expect(model.dim).toBeGreaterThan(0);
        const scores = model.scoreUsers(batch);
        expect([scores.rows, scores.cols]).toEqual([6, planted.train.cols]);
        const viaDecode = model.decode(z, batch);
        for (let t = 0; t < scores.size; t++) expect(viaDecode.data[t]).toBeCloseTo(scores.data[t], 5);
        expect(scores.data.every((s) => Number.isFinite(s))).toBe(true);
        expect(() => model.decode(new Matrix(2, model.dim + 1))).toThrow(
          `${name}.decode: code is 2x${model.dim + 1}`,
        );
      });

      it("save/load round-trips bit-exactly", async () => {
        const model = await fitted(name);
        const path = join(dir, name);
        model.save(path);
        const back = loadModel(path);
        expect(back.name).toBe(name);
        expect(back.config).toEqual(model.config);
        for (const batch of [trainingBatch(planted.train), userBatch(planted.train)].map((b) =>
          withSequences(name, b),
        )) {
          expect(sameBits(back.scoreUsers(batch), model.scoreUsers(batch))).toBe(true);
          expect(sameBits(back.encodeUsers(batch), model.encodeUsers(batch))).toBe(true);
        }
      });

      it("is deterministic under a seed", async () => {
        const batch = withSequences(name, trainingBatch(planted.train));
        const a = (await fitted(name, 5)).scoreUsers(batch);
        const b = (await fitted(name, 5)).scoreUsers(batch);
        expect(sameBits(a, b)).toBe(true);
        if (spec.stochastic) expect(sameBits(a, (await fitted(name, 6)).scoreUsers(batch))).toBe(false);
      });

      it("rejects bad hyperparameters naming the field and value", () => {
        expect(() => createModel(name, { bogus: 1 })).toThrow(
          `${name} config: (root): unknown field(s) "bogus"`,
        );
        for (const bad of spec.bad)
          expect(() => createModel(name, bad.config)).toThrow(`${name} config: ${bad.message}`);
      });

      it("refuses to encode before fitting and rejects batches of the wrong width", async () => {
        const fresh = createModel(name, spec.config);
        expect(() => fresh.encodeUsers(withSequences(name, userBatch(planted.train)))).toThrow(
          `${name}.encodeUsers: the model is not fitted`,
        );
        const model = await fitted(name);
        const narrow = planted.train.toDense();
        const wrong: UserBatch = {
          ...userBatch(Csr.fromDense(new Matrix(2, narrow.cols - 1))),
          ...(spec.sequential ? { sequences: [Int32Array.of(0), Int32Array.of(1)] } : {}),
        };
        expect(() => model.scoreUsers(wrong)).toThrow(
          `batch has ${narrow.cols - 1} item columns, the model has ${narrow.cols} items`,
        );
      });
    });
  }
});
