import { describe, expect, it } from "vitest";
import { Tape, param } from "../tensor/autograd/index.js";
import { expectGradientsMatch } from "../tensor/autograd/test-utils/check.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Ncf, NcfConfigSchema } from "./ncf.js";
import { foldInPairs, ncfFoldIn, ncfItemProfiles } from "./ncfFoldIn.js";
import { ncfItemSide, ncfLogits, ncfScoreAll, type NcfHead } from "./ncfHead.js";
import { ncfLoss, ncfParamsFrom } from "./ncfParams.js";
import { topKUnseen } from "./rank.js";
import { plantedBlocks } from "./testing.js";
import { trainingBatch, userBatch } from "./types.js";

/** gmfDim 1, mlpDim 1, one hidden layer of width 2. */
function tinyHead(): NcfHead<Matrix> {
  return {
    gmfDim: 1,
    mlpDim: 1,
    weights: [
      Matrix.fromRows([
        [1, -1],
        [0.5, 2],
      ]),
    ],
    biases: [Matrix.fromRows([[0.1, -0.2]])],
    out: Matrix.fromRows([[2], [1], [-0.5]]),
    outBias: Matrix.fromRows([[0.3]]),
  };
}

const relu = (x: number) => Math.max(0, x);

/** Hand-computed logit of the tiny head for user (gu, mu) and item (gi, mi). */
function tinyLogit(gu: number, mu: number, gi: number, mi: number): number {
  const h0 = relu(mu * 1 + mi * 0.5 + 0.1);
  const h1 = relu(mu * -1 + mi * 2 - 0.2);
  return 2 * gu * gi + 1 * h0 - 0.5 * h1 + 0.3;
}

function randomHead(rng: Rng, g: number, m: number, layers: number[]): NcfHead<Matrix> {
  const mk = (r: number, c: number, std = 0.7) => {
    const x = new Matrix(r, c);
    rng.fillNormal(x.data, 0, std);
    return x;
  };
  let w = 2 * m;
  const weights: Matrix[] = [];
  const biases: Matrix[] = [];
  for (const h of layers) {
    weights.push(mk(w, h));
    biases.push(mk(1, h, 0.2));
    w = h;
  }
  return { gmfDim: g, mlpDim: m, weights, biases, out: mk(g + w, 1), outBias: mk(1, 1) };
}

describe("NCF head", () => {
  it("computes the NeuMF logit of aligned pairs by hand", () => {
    const users = Matrix.fromRows([
      [1, 2],
      [-0.5, 0.3],
    ]);
    const items = Matrix.fromRows([
      [0.5, -1],
      [2, 1],
    ]);
    const logits = ncfLogits(Tape.inference(), tinyHead(), users, items).value;
    expect(logits.get(0, 0)).toBeCloseTo(tinyLogit(1, 2, 0.5, -1), 6);
    expect(logits.get(1, 0)).toBeCloseTo(tinyLogit(-0.5, 0.3, 2, 1), 6);
    expect(() => ncfLogits(Tape.inference(), tinyHead(), users, new Matrix(2, 3))).toThrow(
      "ncfLogits: user representations 2x2 and item representations 2x3 must be aligned and 2 wide",
    );
  });

  it("gradients w.r.t. representations and every head weight match finite differences", () => {
    const rng = new Rng(11);
    const head = randomHead(rng, 2, 3, [4, 3]);
    const users = new Matrix(5, 5);
    const items = new Matrix(5, 5);
    rng.fillNormal(users.data);
    rng.fillNormal(items.data);
    const inputs = [users, items, ...head.weights, ...head.biases, head.out, head.outBias];
    expectGradientsMatch(
      (t, v) =>
        ncfLogits(
          t,
          { gmfDim: 2, mlpDim: 3, weights: [v[2], v[3]], biases: [v[4], v[5]], out: v[6], outBias: v[7] },
          v[0],
          v[1],
        ),
      inputs,
      { eps: 1e-3, rtol: 2e-2, atol: 2e-3 },
    );
  });

  it("scoring every item (split first layer, batched gemms) equals the head on each pair", () => {
    const rng = new Rng(12);
    const head = randomHead(rng, 3, 2, [5, 4, 2]);
    const z = new Matrix(4, 5);
    const items = new Matrix(7, 5);
    rng.fillNormal(z.data);
    rng.fillNormal(items.data);
    const all = ncfScoreAll(head, z, ncfItemSide(head, items));
    for (let u = 0; u < 4; u++) {
      const pairs = ncfLogits(Tape.inference(), head, z.gatherRows(new Array(7).fill(u)), items).value;
      for (let i = 0; i < 7; i++) expect(all.get(u, i)).toBeCloseTo(pairs.data[i], 5);
    }
  });
});

describe("NCF loss", () => {
  it("BCE + L2 equals a hand computation on a tiny case", () => {
    const named = new Map<string, Matrix>([
      ["userGmf", Matrix.fromRows([[1], [-0.5]])],
      ["itemGmf", Matrix.fromRows([[0.5], [2], [1]])],
      ["userMlp", Matrix.fromRows([[2], [0.3]])],
      ["itemMlp", Matrix.fromRows([[-1], [1], [0]])],
    ]);
    const h = tinyHead();
    named.set("mlpW0", h.weights[0]).set("mlpB0", h.biases[0]).set("outW", h.out).set("outB", h.outBias);
    const p = ncfParamsFrom({ gmfDim: 1, mlpDim: 1, layers: [2] }, named);
    const samples = {
      users: Int32Array.from([0, 1, 0]),
      items: Int32Array.from([0, 1, 2]),
      labels: Float32Array.from([1, 0, 0]),
    };
    const reg = 0.4;
    const loss = ncfLoss(new Tape({ recording: false }), p, samples, reg).item();
    const bce = (x: number, y: number) => Math.log1p(Math.exp(x)) - y * x;
    const l = [tinyLogit(1, 2, 0.5, -1), tinyLogit(-0.5, 0.3, 2, 1), tinyLogit(1, 2, 1, 0)];
    const mean = (bce(l[0], 1) + bce(l[1], 0) + bce(l[2], 0)) / 3;
    // |user|^2: 5, 0.34, 5; |item|^2: 1.25, 5, 1.
    const l2 = (reg / 2) * ((5 + 0.34 + 5 + 1.25 + 5 + 1) / 3);
    expect(loss).toBeCloseTo(mean + l2, 6);
  });

  it("gradient w.r.t. the embedding tables matches finite differences", () => {
    const rng = new Rng(13);
    const head = randomHead(rng, 2, 2, [3]);
    const tables = [new Matrix(3, 2), new Matrix(4, 2), new Matrix(3, 2), new Matrix(4, 2)];
    for (const m of tables) rng.fillNormal(m.data);
    const samples = {
      users: Int32Array.from([0, 2, 2, 1]),
      items: Int32Array.from([3, 0, 1, 3]),
      labels: Float32Array.from([1, 0, 1, 0]),
    };
    expectGradientsMatch(
      (t, [ug, ig, um, im]) =>
        ncfLoss(
          t,
          {
            userGmf: ug,
            itemGmf: ig,
            userMlp: um,
            itemMlp: im,
            head: {
              gmfDim: 2,
              mlpDim: 2,
              weights: head.weights.map((w) => param(w)),
              biases: head.biases.map((b) => param(b)),
              out: param(head.out),
              outBias: param(head.outBias),
            },
          },
          samples,
          0.1,
        ),
      tables,
      { eps: 1e-3, rtol: 2e-2, atol: 2e-3 },
    );
  });
});

describe("NCF fold-in", () => {
  it("starts from the mean item profile of the user's items (no steps)", () => {
    // Users 0, 1 saw item 0; user 1 saw item 1; nobody saw item 2.
    const train = Csr.fromTriplets(2, 3, [0, 1, 1], [0, 0, 1]);
    const users = Matrix.fromRows([
      [1, 2],
      [3, -2],
    ]);
    const prof = ncfItemProfiles(train, users);
    expect(Array.from(prof.row(0))).toEqual([2, 0]);
    expect(Array.from(prof.row(1))).toEqual([3, -2]);
    expect(Array.from(prof.row(2))).toEqual([2, 0]); // mean of all users
    const head = randomHead(new Rng(1), 1, 1, [2]);
    const rows = Csr.fromTriplets(2, 3, [0, 0], [0, 1], [1, 1]);
    const u = ncfFoldIn(rows, head, new Matrix(3, 2), prof, { steps: 0, lr: 0.1, negatives: 2 });
    expect(Array.from(u.row(0))).toEqual([2.5, -1]);
    // Empty row: mean of the profiles, ((2 + 3 + 2) / 3, (0 - 2 + 0) / 3).
    expect(u.get(1, 0)).toBeCloseTo(7 / 3, 6);
    expect(u.get(1, 1)).toBeCloseTo(-2 / 3, 6);
  });

  it("pairs: the row's items, then negatives outside the row, seeded by the row's content", () => {
    const rows = Csr.fromTriplets(2, 6, [0, 0, 1], [1, 4, 1]);
    const p = foldInPairs(rows, 6, 3);
    expect(Array.from(p.pairUser)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(p.labels)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    expect(p.pairItem[0]).toBe(1);
    expect(p.pairItem[4]).toBe(4);
    for (let t = 0; t < 12; t++) {
      if (p.labels[t] === 0) expect(Array.from(rows.rowIndices(p.pairUser[t]))).not.toContain(p.pairItem[t]);
    }
    const alone = foldInPairs(rows.rowRange(1, 2), 6, 3);
    expect(Array.from(alone.pairItem)).toEqual(Array.from(p.pairItem.subarray(8)));
  });

  it("lowers each user's fold-in BCE and does not depend on the batch around the user", () => {
    const rng = new Rng(2);
    const head = randomHead(rng, 2, 2, [3]);
    const items = new Matrix(8, 4);
    rng.fillNormal(items.data);
    const prof = new Matrix(8, 4);
    rng.fillNormal(prof.data, 0, 0.1);
    const rows = Csr.fromTriplets(3, 8, [0, 0, 1, 2, 2, 2], [1, 4, 0, 2, 5, 7]);
    const s = { steps: 30, lr: 0.05, negatives: 2 };
    const all = ncfFoldIn(rows, head, items, prof, s);
    const alone = ncfFoldIn(rows.rowRange(2, 3), head, items, prof, s);
    for (let k = 0; k < 4; k++) expect(alone.get(0, k)).toBeCloseTo(all.get(2, k), 5);
    const start = ncfFoldIn(rows, head, items, prof, { ...s, steps: 0 });
    const pairs = foldInPairs(rows, 8, 2);
    const bce = (z: Matrix): number[] => {
      const l = ncfLogits(
        Tape.inference(),
        head,
        z.gatherRows(pairs.pairUser),
        items.gatherRows(pairs.pairItem),
      ).value;
      const per = [0, 0, 0];
      pairs.labels.forEach(
        (y, t) => (per[pairs.pairUser[t]] += Math.log1p(Math.exp(l.data[t])) - y * l.data[t]),
      );
      return per;
    };
    const before = bce(start);
    const after = bce(all);
    for (let u = 0; u < 3; u++) expect(after[u]).toBeLessThan(0.8 * before[u]);
  });
});

describe("NCF model", () => {
  const planted = plantedBlocks(10, 6, 3, 7);
  const config = NcfConfigSchema.parse({
    gmfDim: 8,
    mlpDim: 2,
    layers: [4],
    epochs: 30,
    batchSize: 32,
    lr: 0.01,
    reg: 0.05,
    initStd: 0.1,
  });

  it("ranks the held-out block item first for training users and for folded-in users", async () => {
    const model = new Ncf(config);
    await model.fit(planted.train, { rng: new Rng(3) });
    for (const batch of [trainingBatch(planted.train), userBatch(planted.train)]) {
      const top = topKUnseen(model.scoreUsers(batch), batch.rows, 1);
      let hits = 0;
      for (let u = 0; u < planted.train.rows; u++) if (top.indices[u] === planted.heldOut[u]) hits++;
      expect(hits).toBe(planted.train.rows);
    }
  });

  it("the frozen head on (reconstructed) embeddings equals decode; its tape version passes gradients to the inputs only", async () => {
    const model = new Ncf({ ...config, epochs: 2 });
    await model.fit(planted.train, { rng: new Rng(3) });
    const items = model.encodeItems();
    expect(items.cols).toBe(10);
    const z = model.userEmbeddings(trainingBatch(planted.train, 0, 3));
    new Rng(4).fillNormal(z.data, 0, 0.3); // stands in for an SAE reconstruction
    const scores = model.decode(z);
    for (let u = 0; u < 3; u++) {
      const pairs = model.scorePairs(z.gatherRows(new Array(items.rows).fill(u)), items);
      for (let i = 0; i < items.rows; i++) expect(pairs.data[i]).toBeCloseTo(scores.get(u, i), 5);
    }
    const picked = model.score(trainingBatch(planted.train, 0, 2), Int32Array.from([5, 1]));
    const full = model.scoreUsers(trainingBatch(planted.train, 0, 2));
    expect(picked.get(1, 0)).toBeCloseTo(full.get(1, 5), 5);
    expect(picked.get(0, 1)).toBeCloseTo(full.get(0, 1), 5);
    expectGradientsMatch((t, [u]) => model.scorePairsOnTape(t, u, items.rowRange(0, 3)), [z], {
      eps: 1e-3,
      rtol: 2e-2,
      atol: 2e-3,
    });
  });
});
