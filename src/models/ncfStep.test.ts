import { describe, expect, it } from "vitest";
import { Tape, param, type Variable } from "../tensor/autograd/index.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Ncf, NcfConfigSchema } from "./ncf.js";
import { ncfItemSide, ncfLogits, ncfScoreAll, type NcfHead } from "./ncfHead.js";
import { initNcfParams, ncfLoss, ncfParamList, type NcfParams } from "./ncfParams.js";
import { NcfBatchStep } from "./ncfStep.js";
import { plantedBlocks } from "./testing.js";
import { trainingBatch } from "./types.js";

function randomHead(rng: Rng, g: number, m: number, layers: number[]): NcfHead<Matrix> {
  const mk = (r: number, c: number, std = 0.7): Matrix => {
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

/** The naive reference: the head on every (user, item) pair, one pair per row. */
function naiveScoreAll(head: NcfHead<Matrix>, z: Matrix, items: Matrix): Matrix {
  const out = new Matrix(z.rows, items.rows);
  for (let u = 0; u < z.rows; u++) {
    const logits = ncfLogits(Tape.inference(), head, z.gatherRows(new Array(items.rows).fill(u)), items);
    out.row(u).set(logits.value.data);
  }
  return out;
}

describe("ncfScoreAll (tiled)", () => {
  it("equals the naive per-pair head to 1e-5 across several item tiles and layers", () => {
    const rng = new Rng(21);
    const head = randomHead(rng, 3, 4, [6, 5, 3]);
    // 2,500 items: two full tiles of 1,024 and a partial one.
    const z = new Matrix(3, 7);
    const items = new Matrix(2500, 7);
    rng.fillNormal(z.data, 0, 0.8);
    rng.fillNormal(items.data, 0, 0.8);
    const fast = ncfScoreAll(head, z, ncfItemSide(head, items));
    const ref = naiveScoreAll(head, z, items);
    let maxDiff = 0;
    for (let t = 0; t < ref.data.length; t++)
      maxDiff = Math.max(maxDiff, Math.abs(fast.data[t] - ref.data[t]));
    expect(maxDiff).toBeLessThan(1e-5);
    // The scores are not trivially equal: they spread over several units.
    const spread = Math.max(...ref.data) - Math.min(...ref.data);
    expect(spread).toBeGreaterThan(1);
  });

  it("one hidden layer, a single item, no users, and a wrong width", () => {
    const rng = new Rng(22);
    const head = randomHead(rng, 2, 2, [3]);
    const z = new Matrix(2, 4);
    const items = new Matrix(1, 4);
    rng.fillNormal(z.data);
    rng.fillNormal(items.data);
    const side = ncfItemSide(head, items);
    const fast = ncfScoreAll(head, z, side);
    const ref = naiveScoreAll(head, z, items);
    for (let t = 0; t < 2; t++) expect(fast.data[t]).toBeCloseTo(ref.data[t], 5);
    expect(ncfScoreAll(head, new Matrix(0, 4), side).shape).toBe("0x1");
    expect(() => ncfScoreAll(head, new Matrix(1, 3), side)).toThrow(
      "ncfScoreAll: user representations 1x3 must be 4 wide",
    );
  });
});

/** Fresh parameters with random (not tiny) values, so every ReLU path is exercised. */
function randomParams(seed: number, users: number, items: number): NcfParams {
  const p = initNcfParams({ gmfDim: 3, mlpDim: 2, layers: [4, 3] }, users, items, 0.8, new Rng(seed));
  new Rng(seed + 1).fillNormal(p.head.biases[0].value.data, 0, 0.3);
  p.head.outBias.value.data[0] = 0.25;
  return p;
}

function copyParams(p: NcfParams): NcfParams {
  const c = (v: Variable): Variable => param(v.value.clone(), v.name);
  return {
    userGmf: c(p.userGmf),
    itemGmf: c(p.itemGmf),
    userMlp: c(p.userMlp),
    itemMlp: c(p.itemMlp),
    head: {
      gmfDim: p.head.gmfDim,
      mlpDim: p.head.mlpDim,
      weights: p.head.weights.map(c),
      biases: p.head.biases.map(c),
      out: c(p.head.out),
      outBias: c(p.head.outBias),
    },
  };
}

const batch = {
  users: Int32Array.from([0, 2, 2, 1, 0, 3, 2]),
  items: Int32Array.from([4, 0, 1, 4, 2, 3, 0]),
  labels: Float32Array.from([1, 0, 1, 0, 0, 1, 0]),
};

describe("NcfBatchStep (hand-written backward)", () => {
  it("loss and every gradient equal the autograd tape's bit for bit without L2", () => {
    const a = randomParams(31, 4, 5);
    const b = copyParams(a);
    const t = new Tape();
    const loss = ncfLoss(t, a, batch, 0);
    t.backward(loss);
    const fused = new NcfBatchStep(b).run(batch, 0);
    expect(fused).toBe(loss.item());
    expect(loss.item()).toBeGreaterThan(0.1);
    const pa = ncfParamList(a);
    const pb = ncfParamList(b);
    pa.forEach((v, k) => {
      expect(pb[k].grad, v.name).not.toBeNull();
      expect(Array.from((pb[k].grad as Matrix).data), v.name).toEqual(Array.from((v.grad as Matrix).data));
    });
    // Not vacuous: the user table's gradient is clearly non-zero.
    expect(Math.max(...Array.from((pb[0].grad as Matrix).data, Math.abs))).toBeGreaterThan(1e-4);
  });

  it("with L2 the loss and gradients match the tape to float tolerance; a larger batch after a smaller one reuses buffers", () => {
    const a = randomParams(41, 4, 5);
    const b = copyParams(a);
    const step = new NcfBatchStep(b);
    // A smaller batch first: buffers are sized by it, then grow.
    step.run(
      {
        users: batch.users.subarray(0, 2),
        items: batch.items.subarray(0, 2),
        labels: batch.labels.subarray(0, 2),
      },
      0.3,
    );
    for (const v of ncfParamList(b)) v.grad?.data.fill(0);
    const t = new Tape();
    const loss = ncfLoss(t, a, batch, 0.3);
    t.backward(loss);
    const fused = step.run(batch, 0.3);
    expect(fused).toBeCloseTo(loss.item(), 6);
    const pa = ncfParamList(a);
    const pb = ncfParamList(b);
    pa.forEach((v, k) => {
      const ga = (v.grad as Matrix).data;
      const gb = (pb[k].grad as Matrix).data;
      for (let j = 0; j < ga.length; j++)
        expect(Math.abs(gb[j] - ga[j]), `${v.name}[${j}]`).toBeLessThan(1e-6);
    });
  });

  it("rejects unlabelled or misaligned samples and out-of-range ids", () => {
    const step = new NcfBatchStep(randomParams(51, 4, 5));
    expect(() => step.run({ users: batch.users, items: batch.items }, 0)).toThrow("samples need labels");
    expect(() =>
      step.run({ users: batch.users, items: batch.items.subarray(0, 3), labels: batch.labels }, 0),
    ).toThrow("NcfBatchStep: 7 users, 3 items and 7 labels");
    expect(() =>
      step.run(
        { users: Int32Array.from([9]), items: Int32Array.from([0]), labels: Float32Array.from([1]) },
        0,
      ),
    ).toThrow("NcfBatchStep: id 9 at position 0 out of range [0, 4)");
  });
});

describe("NCF fit: fused step vs the tape it replaces", () => {
  const planted = plantedBlocks(10, 6, 3, 7);
  for (const reg of [0, 0.05]) {
    it(`same seed, same training (reg ${reg}): losses and weights equal the tape-trained model`, async () => {
      const config = NcfConfigSchema.parse({
        gmfDim: 4,
        mlpDim: 3,
        layers: [5, 3],
        epochs: 4,
        batchSize: 16,
        lr: 0.01,
        reg,
        initStd: 0.1,
      });
      const fused = new Ncf(config);
      const tape = new Ncf(config);
      tape.batchStep = "tape";
      const rf = await fused.fit(planted.train, { rng: new Rng(5) });
      const rt = await tape.fit(planted.train, { rng: new Rng(5) });
      expect(rt.losses[3]).toBeLessThan(rt.losses[0]);
      rf.losses.forEach((l, e) => expect(Math.abs(l - rt.losses[e])).toBeLessThan(1e-6));
      const a = fused.encodeItems().data;
      const b = tape.encodeItems().data;
      let maxDiff = 0;
      for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
      if (reg === 0) expect(maxDiff).toBe(0);
      else expect(maxDiff).toBeLessThan(1e-5);
      const users = trainingBatch(planted.train, 0, 6);
      const sf = fused.scoreUsers(users).data;
      const st = tape.scoreUsers(users).data;
      for (let j = 0; j < sf.length; j++) expect(Math.abs(sf[j] - st[j])).toBeLessThan(1e-5);
    });
  }
});
