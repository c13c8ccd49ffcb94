import { describe, expect, it } from "vitest";
import { Tape } from "../tensor/autograd/index.js";
import { expectGradientsMatch } from "../tensor/autograd/test-utils/check.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { LightGcn, LightGcnConfigSchema } from "./lightgcn.js";
import { foldInUsers, graphDegrees, lightGcnLoss, normalisedAdjacency, propagate } from "./lightgcnGraph.js";
import { topKUnseen } from "./rank.js";
import { plantedBlocks } from "./testing.js";
import { trainingBatch, userBatch } from "./types.js";

// Users 0: items {0, 1}; user 1: items {1, 2}. Degrees: users 2, 2; items 1, 2, 1.
const tiny = Csr.fromTriplets(2, 3, [0, 0, 1, 1], [0, 1, 1, 2], [1, 1, 5, 1]);

describe("LightGCN graph", () => {
  it("normalises every edge by 1 / sqrt(deg_u deg_i), ignoring the stored value", () => {
    const deg = graphDegrees(tiny);
    expect(Array.from(deg.users)).toEqual([2, 2]);
    expect(Array.from(deg.items)).toEqual([1, 2, 1]);
    const r = normalisedAdjacency(tiny, deg.items).toDense();
    const h = 1 / Math.sqrt(2);
    expect(r.get(0, 0)).toBeCloseTo(h, 6);
    expect(r.get(0, 1)).toBeCloseTo(0.5, 6);
    expect(r.get(0, 2)).toBe(0);
    expect(r.get(1, 1)).toBeCloseTo(0.5, 6);
    expect(r.get(1, 2)).toBeCloseTo(h, 6);
  });

  it("drops items of training degree 0 and does not count them in the user degree", () => {
    const rows = Csr.fromTriplets(1, 3, [0, 0], [0, 1], [1, 1]);
    const r = normalisedAdjacency(rows, Float32Array.from([0, 4, 1])).toDense();
    expect(r.get(0, 0)).toBe(0);
    expect(r.get(0, 1)).toBeCloseTo(1 / Math.sqrt(1 * 4), 6);
  });

  it("propagation and BPR + L2 loss equal a hand computation (d = 1, K = 1)", () => {
    // Ego: users [1, -1], items [2, 0.5, -1]. R_hat = [[h, .5, 0], [0, .5, h]], h = 1/sqrt 2.
    const eu = Matrix.fromRows([[1], [-1]]);
    const ei = Matrix.fromRows([[2], [0.5], [-1]]);
    const rHat = normalisedAdjacency(tiny, graphDegrees(tiny).items);
    const t = new Tape({ recording: false });
    const fin = propagate(t, rHat, eu, ei, 1);
    const h = 1 / Math.sqrt(2);
    const u1 = [h * 2 + 0.5 * 0.5, 0.5 * 0.5 + h * -1]; // R_hat I_0
    const i1 = [h * 1, 0.5 * 1 + 0.5 * -1, h * -1]; // R_hat^T U_0
    const fu = [(1 + u1[0]) / 2, (-1 + u1[1]) / 2];
    const fi = [(2 + i1[0]) / 2, (0.5 + i1[1]) / 2, (-1 + i1[2]) / 2];
    fu.forEach((v, u) => expect(fin.users.value.get(u, 0)).toBeCloseTo(v, 6));
    fi.forEach((v, i) => expect(fin.items.value.get(i, 0)).toBeCloseTo(v, 6));
    const samples = {
      users: Int32Array.from([0, 1]),
      items: Int32Array.from([1, 2]),
      negatives: Int32Array.from([2, 0]),
    };
    const reg = 0.3;
    const loss = lightGcnLoss(t, fin, { users: eu, items: ei }, samples, reg).item();
    const sp = (x: number) => Math.log1p(Math.exp(x));
    const bpr = (sp(-(fu[0] * fi[1] - fu[0] * fi[2])) + sp(-(fu[1] * fi[2] - fu[1] * fi[0]))) / 2;
    // Ego L2: (1 + 0.25 + 1) for sample 0, (1 + 1 + 4) for sample 1.
    const l2 = (reg / 2) * ((1 + 0.25 + 1 + 1 + 1 + 4) / 2);
    expect(loss).toBeCloseTo(bpr + l2, 6);
  });

  it("gradient of the loss w.r.t. the ego embeddings matches finite differences (through K = 2 layers)", () => {
    const train = Csr.fromTriplets(3, 4, [0, 0, 1, 1, 1, 2], [0, 1, 1, 2, 3, 3]);
    const rHat = normalisedAdjacency(train, graphDegrees(train).items);
    const rng = new Rng(3);
    const eu = new Matrix(3, 2);
    const ei = new Matrix(4, 2);
    rng.fillNormal(eu.data);
    rng.fillNormal(ei.data);
    const samples = {
      users: Int32Array.from([0, 1, 1, 2]),
      items: Int32Array.from([1, 3, 2, 3]),
      negatives: Int32Array.from([2, 0, 0, 1]),
    };
    expectGradientsMatch(
      (t, [u, i]) => {
        const fin = propagate(t, rHat, u, i, 2);
        return lightGcnLoss(t, fin, { users: u, items: i }, samples, 0.2);
      },
      [eu, ei],
      { eps: 1e-2, rtol: 2e-2, atol: 2e-3 },
    );
  });

  it("fold-in of a training user's row recovers its propagated terms: K f + u0 = (K + 1) e_u", () => {
    const train = Csr.fromTriplets(3, 4, [0, 0, 1, 1, 1, 2], [0, 1, 1, 2, 3, 3]);
    const deg = graphDegrees(train);
    const rHat = normalisedAdjacency(train, deg.items);
    const rng = new Rng(4);
    const eu = new Matrix(3, 2);
    const ei = new Matrix(4, 2);
    rng.fillNormal(eu.data);
    rng.fillNormal(ei.data);
    const K = 3;
    const prop = propagate(new Tape({ recording: false }), rHat, eu, ei, K);
    const f = foldInUsers(train, deg.items, prop.itemLayers);
    for (let t = 0; t < f.size; t++)
      expect(K * f.data[t] + eu.data[t]).toBeCloseTo((K + 1) * prop.users.value.data[t], 5);
  });
});

describe("LightGCN model", () => {
  const planted = plantedBlocks(10, 6, 3, 7);
  const config = LightGcnConfigSchema.parse({ dim: 8, layers: 2, epochs: 40, batchSize: 16, lr: 0.05 });

  it("ranks the held-out block item first for training users and for folded-in users", async () => {
    const model = new LightGcn(config);
    const report = await model.fit(planted.train, { rng: new Rng(2) });
    expect(report.losses[report.losses.length - 1]).toBeLessThan(report.losses[0]);
    for (const batch of [trainingBatch(planted.train), userBatch(planted.train)]) {
      const top = topKUnseen(model.scoreUsers(batch), batch.rows, 1);
      let hits = 0;
      for (let u = 0; u < planted.train.rows; u++) if (top.indices[u] === planted.heldOut[u]) hits++;
      expect(hits).toBe(planted.train.rows);
    }
  });

  it("decode is z E_items^T with the cached item embeddings, and score picks its columns", async () => {
    const model = new LightGcn({ ...config, epochs: 2 });
    await model.fit(planted.train, { rng: new Rng(5) });
    const items = model.encodeItems();
    expect(model.encodeItems()).toBe(items); // cached, not recomputed
    const batch = trainingBatch(planted.train, 2, 5);
    const z = model.encodeUsers(batch);
    const s = model.decode(z, batch);
    for (let u = 0; u < 3; u++) {
      for (let i = 0; i < items.rows; i++) {
        let want = 0;
        for (let k = 0; k < 8; k++) want += z.get(u, k) * items.get(i, k);
        expect(s.get(u, i)).toBeCloseTo(want, 5);
      }
    }
    const picked = model.score(batch, Int32Array.from([4, 0]));
    expect(picked.get(1, 0)).toBeCloseTo(s.get(1, 4), 5);
    expect(picked.get(2, 1)).toBeCloseTo(s.get(2, 0), 5);
    expect(() =>
      model.encodeUsers({ rows: planted.train.rowRange(0, 1), userIds: Int32Array.from([99]) }),
    ).toThrow("lightgcn.encodeUsers: user id 99 is not a training user (0..19)");
  });
});
