import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../tensor/rng.js";
import { readCheckpoint } from "../store/checkpoint.js";
import { Elsa, ElsaConfigSchema } from "./elsa.js";
import { Gru4Rec, Gru4RecConfigSchema } from "./gru4rec.js";
import { LightGcn, LightGcnConfigSchema } from "./lightgcn.js";
import { Mf, MfConfigSchema } from "./mf.js";
import { MultVae, MultVaeConfigSchema } from "./multvae.js";
import { Ncf, NcfConfigSchema } from "./ncf.js";
import { SasRec, SasRecConfigSchema } from "./sasrec.js";
import { randomCsr } from "./testing.js";
import { runEpochs } from "./training.js";
import type { FitContext, Recommender, UserBatch, Validation } from "./types.js";
import { trainingBatch } from "./types.js";

const root = mkdtempSync(join(tmpdir(), "reclens-resume-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const train = randomCsr(40, 25, 0.2, 5);
/** Each user's items as a sequence (a fixed shuffle of the row), for the sequential models. */
const sequences = Array.from({ length: train.rows }, (_, u) => {
  const s = train.rowIndices(u).slice();
  new Rng(100 + u).shuffle(s);
  return s;
});

/** The training users [start, end) as a batch, with their sequences for sequential models. */
function batchOf(m: Recommender, start = 0, end = train.rows): UserBatch {
  const b = trainingBatch(train, start, end);
  return m.sequential ? { ...b, sequences: sequences.slice(start, end) } : b;
}

/** A deterministic validation whose score wobbles, so early stopping and best-epoch restore matter. */
function wobblyValidation(patience: number): Validation {
  return {
    patience,
    evaluate: (m: Recommender) => {
      const s = m.scoreUsers(batchOf(m, 0, 5)).data;
      let t = 0;
      for (let i = 0; i < s.length; i++) t += Math.sin(7 * s[i]);
      return t;
    },
  };
}

type Make = () => Recommender;

const models: [string, Make][] = [
  ["elsa", () => new Elsa(ElsaConfigSchema.parse({ dim: 6, epochs: 8, batchSize: 8, lr: 0.05 }))],
  [
    "mf",
    () =>
      new Mf(MfConfigSchema.parse({ dim: 5, epochs: 8, batchSize: 16, lr: 0.05, loss: "bce", bias: true })),
  ],
  ["multvae", () => new MultVae(MultVaeConfigSchema.parse({ dim: 4, hidden: 7, epochs: 8, batchSize: 8 }))],
  [
    "sasrec",
    () =>
      new SasRec(
        SasRecConfigSchema.parse({
          dim: 4,
          blocks: 1,
          heads: 2,
          maxLen: 6,
          dropout: 0.2,
          epochs: 8,
          batchSize: 8,
          lr: 0.01,
        }),
      ),
  ],
  [
    "sasrec-bce",
    () =>
      new SasRec(
        SasRecConfigSchema.parse({ dim: 4, blocks: 1, maxLen: 6, loss: "bce", epochs: 8, batchSize: 8 }),
      ),
  ],
  [
    "gru4rec",
    () =>
      new Gru4Rec(
        Gru4RecConfigSchema.parse({ dim: 4, maxLen: 6, dropout: 0.2, epochs: 8, batchSize: 8, lr: 0.01 }),
      ),
  ],
  [
    "lightgcn",
    () => new LightGcn(LightGcnConfigSchema.parse({ dim: 4, layers: 2, epochs: 8, batchSize: 32, lr: 0.02 })),
  ],
  [
    "ncf",
    () =>
      new Ncf(
        NcfConfigSchema.parse({
          gmfDim: 3,
          mlpDim: 2,
          layers: [4],
          epochs: 8,
          batchSize: 32,
          lr: 0.01,
          reg: 0.01,
          initStd: 0.1,
        }),
      ),
  ],
];

/** All the scores the model gives the training users (a bit-exact fingerprint of its weights). */
function scores(m: Recommender): number[] {
  return Array.from(m.scoreUsers(batchOf(m)).data);
}

class Stop extends Error {}

describe("checkpoint and resume of runEpochs models", () => {
  for (const [name, make] of models) {
    it(`${name}: an interrupted then resumed fit ends bit-identical to an uninterrupted one`, async () => {
      const key = `${name}-key`;
      const full = make();
      const dirA = join(root, `${name}-a`);
      const reportA = await full.fit(train, {
        sequences,
        rng: new Rng(11),
        validation: wobblyValidation(3),
        checkpoint: { dir: dirA, key },
      });

      const dirB = join(root, `${name}-b`);
      const saved: number[] = [];
      const first = make();
      const ctx: FitContext = {
        sequences,
        rng: new Rng(11),
        validation: wobblyValidation(3),
        checkpoint: { dir: dirB, key, onSaved: (e) => saved.push(e) },
        onProgress: (p) => {
          if (p.epoch === 3) throw new Stop("interrupted");
        },
      };
      await expect(first.fit(train, ctx)).rejects.toThrow(Stop);
      expect(saved).toEqual([1, 2, 3]);
      expect(readCheckpoint(dirB).state.epoch).toBe(3);

      const resumed = make();
      const reportB = await resumed.fit(train, {
        sequences,
        rng: new Rng(11),
        validation: wobblyValidation(3),
        checkpoint: { dir: dirB, key, resume: true },
      });
      expect(reportB.epochsRun).toBe(reportA.epochsRun);
      expect(reportB.bestEpoch).toBe(reportA.bestEpoch);
      expect(reportB.losses).toEqual(reportA.losses);
      expect(reportB.valScores).toEqual(reportA.valScores);
      expect(scores(resumed)).toEqual(scores(full));
    });
  }

  it("refuses a checkpoint of another training, naming both keys", async () => {
    const dir = join(root, "other");
    await new Elsa(ElsaConfigSchema.parse({ dim: 3, epochs: 2 })).fit(train, {
      rng: new Rng(1),
      checkpoint: { dir, key: "first" },
    });
    await expect(
      new Elsa(ElsaConfigSchema.parse({ dim: 3, epochs: 2 })).fit(train, {
        rng: new Rng(1),
        checkpoint: { dir, key: "second", resume: true },
      }),
    ).rejects.toThrow(/checkpoint is of another training \(first\), not of this one \(second\)/);
  });

  it("a NaN loss names the epoch and the last good checkpoint, which stays on disk", async () => {
    const dir = join(root, "nan");
    const fake = { name: "fake" } as unknown as Recommender;
    const w = new Float32Array([0]);
    await expect(
      runEpochs({
        model: fake,
        epochs: 5,
        ctx: { rng: new Rng(0), checkpoint: { dir, key: "k" } },
        runEpoch: (e) => (e === 3 ? NaN : ((w[0] = e), 1 / e)),
        snapshot: () => [w.slice()],
        restore: ([s]) => w.set(s),
        trainingState: () => ({ arrays: { w }, meta: {} }),
        restoreTrainingState: (s) => w.set(s.arrays.w as Float32Array),
      }),
    ).rejects.toThrow(
      `fake.fit: training loss is NaN at epoch 3; the last good checkpoint (epoch 2) is kept in ${dir}; lower the learning rate`,
    );
    const ck = readCheckpoint(dir);
    expect(ck.state.epoch).toBe(2);
    expect(Array.from(ck.arrays.get("model/w") ?? [])).toEqual([2]);
    expect(ck.state.losses).toEqual([1, 0.5]);
    expect(readdirSync(dir)).toEqual(["state.safetensors"]); // no temporary files left behind
    expect(existsSync(join(dir, "state.safetensors"))).toBe(true);
  });
});
