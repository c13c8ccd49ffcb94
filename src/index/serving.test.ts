import { beforeAll, describe, expect, it } from "vitest";
import { createModel } from "../models/index.js";
import { randomCsr } from "../models/testing.js";
import type { Recommender, UserBatch } from "../models/types.js";
import { topNUnseen } from "../nested/nested-rank.js";
import { NestedRecommender } from "../nested/nested.js";
import { makeSaeConfig } from "../sae/config.js";
import { SparseAutoencoder } from "../sae/model.js";
import { steerCode, type SteerOp } from "../steer/ops.js";
import { recommend } from "../steer/recommend.js";
import { Csr } from "../tensor/csr.js";
import { Rng } from "../tensor/rng.js";
import { linearServingView } from "./linear-view.js";
import { servedScores, servingIndexOf, userKey } from "./serving.js";

const ITEMS = 40;
const DIM = 8;
const train = randomCsr(60, ITEMS, 0.2, 21);
const seqs = Array.from({ length: 60 }, (_, u) => {
  const row = train.indices.subarray(train.indptr[u], train.indptr[u + 1]);
  return row.length > 0 ? Int32Array.from(row) : Int32Array.of(u % ITEMS);
});
const models = new Map<string, Recommender>();

const batchOf = (u: number): UserBatch => ({
  rows: train.gatherRows([u]),
  userIds: Int32Array.of(u),
  sequences: [seqs[u]],
});

beforeAll(async () => {
  const cfgs: Record<string, Record<string, unknown>> = {
    elsa: { dim: DIM, epochs: 3, batchSize: 16 },
    mf: { dim: DIM, epochs: 3, batchSize: 64 },
    sasrec: { dim: DIM, blocks: 1, maxLen: 6, epochs: 1, batchSize: 16, dropout: 0.1 },
    multvae: { dim: DIM, hidden: 16, epochs: 1, batchSize: 16 },
  };
  for (const [name, cfg] of Object.entries(cfgs)) {
    const m = createModel(name, cfg);
    await m.fit(train, { rng: new Rng(2), sequences: seqs });
    models.set(name, m);
  }
});

function saeFor(model: Recommender): SparseAutoencoder {
  const ids = Int32Array.from({ length: 60 }, (_, u) => u);
  const sae = new SparseAutoencoder(makeSaeConfig("topk", DIM, 16, { k: 4, normalisation: "none" }), 5);
  sae.initialise(model.encodeUsers({ rows: train, userIds: ids, sequences: seqs }));
  return sae;
}

describe("linearServingView", () => {
  it("reads ELSA's '- x' seen term, MF's item bias, SASRec's bare table, and refuses MultVAE", () => {
    const elsa = linearServingView(models.get("elsa") as Recommender);
    expect(elsa?.seenCoef).toBe(-1);
    expect(elsa?.index.bias).toBeNull();
    expect(elsa?.ownMatrix).toBe(true);
    const mf = linearServingView(models.get("mf") as Recommender);
    expect(mf?.seenCoef).toBe(0);
    expect(mf?.ownMatrix).toBe(true);
    const sas = linearServingView(models.get("sasrec") as Recommender);
    expect(sas?.seenCoef).toBe(0);
    expect(sas?.index.bias).toBeNull();
    expect(linearServingView(models.get("multvae") as Recommender)).toBeNull();
  });

  for (const name of ["elsa", "mf", "sasrec"])
    it(`${name}: served scores equal model.decode bit for bit (seen term included)`, () => {
      const model = models.get(name) as Recommender;
      for (const u of [0, 7, 33]) {
        const b = batchOf(u);
        const z = model.encodeUsers(b);
        expect(Array.from(servedScores(model, z, b).data)).toEqual(Array.from(model.decode(z, b).data));
      }
    });
});

describe("recommend through the item index", () => {
  for (const name of ["elsa", "mf", "sasrec"])
    it(`${name}: lists and scores equal the decode-and-rank path, steered or not, with and without the error`, () => {
      const model = models.get(name) as Recommender;
      const sae = saeFor(model);
      const nested = new NestedRecommender(model, sae);
      for (const u of [1, 12, 45]) {
        const b = batchOf(u);
        const enc = nested.encodeWithError(b);
        const top = enc.code.indices[enc.code.indptr[0]];
        const ops: SteerOp[] = [{ kind: "boost", knobs: [{ neuron: (top + 3) % 16, alpha: 0.5 }] }];
        for (const addError of [true, false]) {
          const r = recommend(model, sae, b, { n: 10, steer: ops, addError }).users[0];
          const opts = addError ? { addError: enc } : {};
          const steered = steerCode(enc.code, ops);
          const want = topNUnseen(model.decode(nested.representationFromCode(steered, opts), b), b.rows, 10);
          expect(Array.from(r.items)).toEqual(Array.from(want.indices.subarray(0, want.lengths[0])));
          expect(Array.from(r.scores)).toEqual(Array.from(want.scores.subarray(0, want.lengths[0])));
          const base = topNUnseen(model.decode(nested.representationFromCode(enc.code, opts), b), b.rows, 10);
          expect(Array.from(r.unsteered.items)).toEqual(
            Array.from(base.indices.subarray(0, base.lengths[0])),
          );
          expect(Array.from(r.unsteered.scores)).toEqual(
            Array.from(base.scores.subarray(0, base.lengths[0])),
          );
        }
      }
    });

  it("caches the unsteered list per user, reuses it for shorter lists, and invalidates per user", () => {
    const model = models.get("elsa") as Recommender;
    const sae = saeFor(model);
    const index = servingIndexOf(model);
    expect(index).not.toBeNull();
    index?.clearCache();
    const first = recommend(model, sae, batchOf(3), { n: 10 }).users[0];
    expect(index?.cachedLists).toBe(1);
    const again = recommend(model, sae, batchOf(3), { n: 5 }).users[0];
    expect(index?.cachedLists).toBe(1); // served from the n = 10 entry
    expect(Array.from(again.items)).toEqual(Array.from(first.items.subarray(0, 5)));
    recommend(model, sae, batchOf(4), { n: 10 });
    expect(index?.cachedLists).toBe(2);
    // user 3's history changes: a new key, and the list is ranked afresh (its first item now seen)
    const grown = Csr.fromTriplets(
      1,
      ITEMS,
      [...Array.from(batchOf(3).rows.indices, () => 0), 0],
      [...Array.from(batchOf(3).rows.indices), first.items[0]],
    );
    const changed: UserBatch = { rows: grown, userIds: Int32Array.of(3), sequences: [seqs[3]] };
    expect(userKey(changed, 0)).not.toBe(userKey(batchOf(3), 0));
    const after = recommend(model, sae, changed, { n: 10 }).users[0];
    expect(Array.from(after.items)).not.toContain(first.items[0]);
    expect(index?.cachedLists).toBe(3);
    // explicit invalidation drops both of user 3's entries and nobody else's
    expect(index?.invalidateUser(3)).toBe(2);
    expect(index?.cachedLists).toBe(1);
    const fresh = recommend(model, sae, batchOf(3), { n: 10 }).users[0];
    expect(Array.from(fresh.items)).toEqual(Array.from(first.items));
  });
});
