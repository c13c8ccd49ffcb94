import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateNested } from "../nested/nested-eval.js";
import { identitySae } from "../nested/nested-testing.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { isPositionEncoder, saeTrainingRows } from "./representations.js";
import { openModelRun, type ModelRunContext } from "./run-context.js";
import { evaluateSaeOnRun } from "./sae-eval.js";
import { evaluateNestedMetrics } from "./sae-metrics.js";
import { nestedProtocolOf } from "./sae-protocol.js";
import { trainSaeOnRun } from "./sae-run.js";
import { modelScorer } from "./sae-settings.js";
import { TINY_MODELS, writeSequenceCsv } from "./sequence-fixture.js";
import { trainRun } from "./train-run.js";

/** RecSAE probing on leave-one-out runs: which rows the SAE trains on, and the nested protocol. */
const root = mkdtempSync(join(tmpdir(), "reclens-sae-probing-"));
const csv = join(root, "seq.csv");
let seqs: number[][];
const runs = new Map<string, ModelRunContext>();

async function run(model: string): Promise<ModelRunContext> {
  const out = join(root, model);
  await trainRun({
    data: `csv:${csv}`,
    model,
    modelConfig: TINY_MODELS[model],
    seed: 3,
    split: { kind: "leaveOneOut" },
    out,
    patience: 100,
  });
  return openModelRun(out);
}

beforeAll(async () => {
  seqs = writeSequenceCsv(csv, { users: 40, items: 24, minLen: 4, maxLen: 12, seed: 7 });
  for (const m of ["sasrec", "gru4rec", "mf", "elsa", "ncf"]) runs.set(m, await run(m));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ctxOf = (m: string): ModelRunContext => runs.get(m) as ModelRunContext;

describe("SAE training rows", () => {
  for (const name of ["sasrec", "gru4rec"]) {
    it(`${name}: every non-padding position of every training sequence, in order`, () => {
      const ctx = ctxOf(name);
      const maxLen = TINY_MODELS[name].maxLen as number;
      // every user has >= 4 items: 2 go to validation/test, the rest train; the model sees the last maxLen
      const expected = seqs.reduce((s, q) => s + Math.min(q.length - 2, maxLen), 0);
      const r = saeTrainingRows(ctx.model, ctx.split);
      expect(r.source).toBe("positions");
      expect(r.rows.rows).toBe(expected);
      expect(r.positions).toBe(expected);
      expect(r.rows.cols).toBe(ctx.model.dim);
      if (!isPositionEncoder(ctx.model)) throw new Error("not a position encoder");
      const train = ctx.split.trainSequences as readonly Int32Array[];
      const pos = ctx.model.encodePositions(train);
      expect(Array.from(r.rows.data)).toEqual(Array.from(pos.states.data));
      // the last position of each sequence is the user's probing-site state (what scores the next item)
      for (const u of [0, 7, 23]) {
        const z = ctx.model.encodeUsers({ rows: ctx.split.train.rowRange(u, u + 1), sequences: [train[u]] });
        const last = r.rows.row(pos.offsets[u + 1] - 1);
        for (let c = 0; c < z.cols; c++) expect(last[c]).toBeCloseTo(z.get(0, c), 5);
        expect(pos.offsets[u + 1] - pos.offsets[u]).toBe(Math.min(train[u].length, maxLen));
      }
    });
  }

  it("mf (two-tower): the training users' embeddings, then every item's", () => {
    const ctx = ctxOf("mf");
    const r = saeTrainingRows(ctx.model, ctx.split);
    const users = ctx.split.train.rows;
    const items = ctx.model.nItems;
    expect(r).toMatchObject({ source: "users+items", users, items, positions: 0 });
    expect(r.rows.rows).toBe(users + items);
    const ids = Int32Array.from({ length: users }, (_, u) => u);
    const z = ctx.model.encodeUsers({ rows: ctx.split.train, userIds: ids });
    const q = (ctx.model.encodeItems as () => Matrix).call(ctx.model);
    expect(Array.from(r.rows.data.subarray(0, z.data.length))).toEqual(Array.from(z.data));
    expect(Array.from(r.rows.data.subarray(z.data.length))).toEqual(Array.from(q.data));
  });

  it("elsa (autoencoder): the training users only", () => {
    const ctx = ctxOf("elsa");
    const r = saeTrainingRows(ctx.model, ctx.split);
    expect(r).toMatchObject({ source: "users", users: ctx.split.train.rows, items: 0, positions: 0 });
  });

  it("a sequential model without training sequences is refused with the fix", () => {
    const ctx = ctxOf("sasrec");
    expect(() => saeTrainingRows(ctx.model, { train: ctx.split.train })).toThrow(
      "saeTrainingRows: sasrec is sequential but the run has no training sequences (train it with --split leave-one-out)",
    );
  });
});

describe("nested evaluation under the leave-one-out protocol", () => {
  it("protocol: HR/NDCG@10 with the full ranking for leave-one-out, Recall_trunc/nDCG@20 otherwise", () => {
    expect(nestedProtocolOf({ kind: "leaveOneOut", seed: 1 })).toEqual({
      k: 10,
      hitMetric: "hr",
      fullRanking: true,
    });
    expect(nestedProtocolOf({ kind: "leaveKOut", seed: 1, k: 5, valK: 5, order: "random" }, 50)).toEqual({
      k: 50,
      hitMetric: "recall_trunc",
      fullRanking: false,
    });
    expect(() => nestedProtocolOf({ kind: "leaveOneOut", seed: 1 }, 0)).toThrow(
      "nested protocol: k must be a positive integer, got 0",
    );
  });

  for (const name of ["sasrec", "gru4rec", "mf", "elsa"]) {
    it(`${name}: an exact SAE keeps HR@10, NDCG@10, MRR, RBO and tau at 1; the original matches the run's test`, () => {
      const ctx = ctxOf(name);
      const protocol = nestedProtocolOf(ctx.splitSettings);
      const { metrics } = evaluateNestedMetrics(
        ctx.model,
        identitySae(ctx.model.dim),
        ctx.split.test,
        "test",
        protocol,
      );
      for (const key of ["kept/hr@10", "kept/ndcg@10", "kept/mrr", "rbo", "kendallTau", "fve", "cosine"])
        expect(metrics[`test/${key}`], key).toBe(1);
      expect(metrics["test/users"]).toBe(seqs.length);
      // the nested evaluation's original model is the run's own test evaluation
      for (const key of ["hr@10", "ndcg@10", "mrr"])
        expect(metrics[`test/${key}`], key).toBeCloseTo(ctx.manifest.metrics[`test/${key}`], 6);
      expect(metrics["test/recall_trunc@10"]).toBeUndefined();
    });
  }

  it("sasrec: a TopK SAE with its error added back is the original model; without it the ranking moves", () => {
    const ctx = ctxOf("sasrec");
    const rows = saeTrainingRows(ctx.model, ctx.split).rows;
    const sae = new SparseAutoencoder(makeSaeConfig("topk", ctx.model.dim, 16, { k: 2 }), 4);
    sae.initialise(rows);
    const opts = { k: 10, hitMetric: "hr" as const, fullRanking: true };
    const back = evaluateNested(ctx.model, sae, ctx.split.test, { ...opts, addError: true });
    expect(back.kept).toEqual({ hit: 1, ndcg: 1, mrr: 1 });
    expect(back.fidelity.rbo.mean).toBe(1);
    const pure = evaluateNested(ctx.model, sae, ctx.split.test, opts);
    expect(pure.original).toEqual(back.original);
    expect(pure.sparsity.meanL0).toBe(2);
    expect(pure.fidelity.rbo.mean).toBeLessThan(1);
  });

  it("hand-computed HR@2 and MRR kept (one target per user)", () => {
    // identity decoder over 5 items; u0 saw 4 and wants 0, u1 saw 3 and wants 1; the "SAE" swaps items 0 and 1
    const z = [
      [5, 4, 3, 2, 1],
      [2, 3, 5, 9, 1],
    ];
    const model = {
      name: "lookup",
      config: {},
      nItems: 5,
      dim: 5,
      fit: () => Promise.reject(new Error("no")),
      // the whole part is one batch (batchSize 512): row r is user r
      encodeUsers: (b: { rows: Csr }) => Matrix.fromRows(z.slice(0, b.rows.rows)),
      decode: (m: Matrix) => m.clone(),
      scoreUsers: (b: { rows: Csr }) => Matrix.fromRows(z.slice(0, b.rows.rows)),
      save: () => undefined,
    };
    const swap = identitySae(5, (m) => {
      for (let r = 0; r < m.rows; r++) {
        const t = m.get(r, 0);
        m.set(r, 0, m.get(r, 1));
        m.set(r, 1, t);
      }
    });
    const part = {
      foldIn: Csr.fromTriplets(2, 5, [0, 1], [4, 3]),
      target: Csr.fromTriplets(2, 5, [0, 1], [0, 1]),
    };
    const { metrics } = evaluateNestedMetrics(model, swap, part, "test", {
      k: 2,
      hitMetric: "hr",
      fullRanking: true,
    });
    // original ranks of the targets: u0 1, u1 2; nested: u0 2 ([1, 0, 2, 3]), u1 3 ([2, 0, 1, 4])
    expect(metrics["test/hr@2"]).toBe(1);
    expect(metrics["test/nested/hr@2"]).toBe(0.5);
    expect(metrics["test/kept/hr@2"]).toBe(0.5);
    expect(metrics["test/mrr"]).toBeCloseTo(0.75, 12);
    expect(metrics["test/nested/mrr"]).toBeCloseTo(5 / 12, 12);
    expect(metrics["test/kept/mrr"]).toBeCloseTo(5 / 9, 12);
    const l3 = 1 / Math.log2(3);
    expect(metrics["test/kept/ndcg@2"]).toBeCloseTo(l3 / (1 + l3), 12);
  });
});

describe("trainSaeOnRun / evaluateSaeOnRun on a sequential run", () => {
  it("trains on the positions, records them, and eval reproduces the manifest's HR@10 keys", async () => {
    const ctx = ctxOf("sasrec");
    const r = await trainSaeOnRun(
      ctx,
      { k: 2, expansion: 2, epochs: 3, batchSize: 32, lr: 3e-3 },
      { progress: "never" },
    );
    const positions = saeTrainingRows(ctx.model, ctx.split).positions;
    const cfg = r.manifest.config as {
      data: { trainRows: number; validationRows: number; rows: Record<string, unknown> };
      nested: unknown;
    };
    expect(cfg.data.trainRows).toBe(positions);
    expect(cfg.data.validationRows).toBe(seqs.length);
    expect(cfg.data.rows).toEqual({ source: "positions", users: 0, items: 0, positions });
    expect(cfg.nested).toEqual({ k: 10, hitMetric: "hr", fullRanking: true });
    const keys = [
      "test/kept/hr@10",
      "test/kept/ndcg@10",
      "test/rbo",
      "test/kendallTau",
      "test/fve",
      "test/l0",
    ];
    for (const key of [...keys, "train/deadFraction"])
      expect(Number.isFinite(r.metrics[key]), key).toBe(true);
    expect(r.metrics["test/l0"]).toBe(2);
    const ev = evaluateSaeOnRun(ctx);
    expect(ev.protocol.hitMetric).toBe("hr");
    for (const key of [...keys, "train/deadFraction"]) expect(ev.metrics[key], key).toBe(r.metrics[key]);
  });
});

describe("the prediction-aware scorer of each family", () => {
  it("sasrec and mf: the model's own item matrix (decode = z E^T + per-item constant)", () => {
    for (const name of ["sasrec", "mf"]) {
      const model = ctxOf(name).model;
      const s = modelScorer(model) as unknown as { itemEmbeddings: Matrix };
      expect(s.itemEmbeddings, name).toBe((model.encodeItems as () => Matrix).call(model));
    }
  });

  it("gru4rec: score differences are the decoder's, its dense layer folded in", () => {
    const ctx = ctxOf("gru4rec");
    const test = ctx.split.test;
    const batch = { rows: test.foldIn.rowRange(0, 4), sequences: (test.sequences ?? []).slice(0, 4) };
    const z = ctx.model.encodeUsers(batch);
    const items = Int32Array.of(0, 5, 11, 23);
    const s = modelScorer(ctx.model).scoreItems(z, items);
    const full = ctx.model.decode(z);
    // decode(z) = z (E W^T)^T + b E^T: differences between users cancel the per-item constant
    for (let r = 1; r < 4; r++)
      items.forEach((i, c) =>
        expect(s.get(r, c) - s.get(0, c)).toBeCloseTo(full.get(r, i) - full.get(0, i), 4),
      );
    // and the item table alone (without W) would not do
    const e = (ctx.model.encodeItems as () => Matrix).call(ctx.model);
    expect((modelScorer(ctx.model) as unknown as { itemEmbeddings: Matrix }).itemEmbeddings).not.toBe(e);
  });

  it("ncf: its MLP head is not linear in the representation, so the loss is refused", () => {
    expect(() => modelScorer(ctxOf("ncf").model)).toThrow(
      "the prediction-aware loss needs a decoder linear in the representation; ncf's is not (train without --prediction)",
    );
  });
});
