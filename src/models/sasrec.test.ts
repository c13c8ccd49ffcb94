import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Tape, gradCheck, type Variable } from "../tensor/autograd/index.js";
import { sampledBceLoss, sampledSoftmaxLoss } from "../tensor/autograd/loss-sampled.js";
import { tableSoftmaxCrossEntropy } from "../tensor/autograd/loss-table-softmax.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { createModel, loadModel } from "./index.js";
import { topKUnseen } from "./rank.js";
import { SasRec, SasRecConfigSchema, type SasRecConfig } from "./sasrec.js";
import { SequenceNegatives } from "./sasrec-negatives.js";
import { initParams, sasrecForward } from "./sasrec-net.js";
import { packSequences, packTraining } from "./sequence-batch.js";
import type { UserBatch } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-sasrec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N_ITEMS = 24;

/** Sequences of the chain i -> (i + 1) mod N_ITEMS from random starts, lengths in [lo, hi]. */
function chain(count: number, lo: number, hi: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const start = rng.int(N_ITEMS);
    const len = lo + rng.int(hi - lo + 1);
    return Int32Array.from({ length: len }, (_, j) => (start + j) % N_ITEMS);
  });
}

/** The users x items 0/1 matrix of the sequences. */
function toCsr(seqs: readonly Int32Array[]): Csr {
  const r: number[] = [];
  const c: number[] = [];
  const seen = new Set<string>();
  seqs.forEach((s, u) =>
    s.forEach((i) => {
      if (seen.has(`${u},${i}`)) return;
      seen.add(`${u},${i}`);
      r.push(u);
      c.push(i);
    }),
  );
  return Csr.fromTriplets(seqs.length, N_ITEMS, r, c);
}

const batchOf = (seqs: Int32Array[]): UserBatch => ({ rows: toCsr(seqs), sequences: seqs });

const cfg = (over: Partial<SasRecConfig> = {}): SasRecConfig =>
  SasRecConfigSchema.parse({
    dim: 16,
    blocks: 1,
    maxLen: 8,
    dropout: 0.1,
    lr: 0.01,
    batchSize: 32,
    epochs: 15,
    negatives: 8,
    ...over,
  });

const train = chain(160, 4, 12, 1);
const trainCsr = toCsr(train);

async function fitted(over: Partial<SasRecConfig> = {}, seed = 1): Promise<SasRec> {
  const m = new SasRec(cfg(over));
  await m.fit(trainCsr, { rng: new Rng(seed), sequences: train });
  return m;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

type Params = ReturnType<typeof initParams>;

/** Row-vector x W + b with plain loops (W stored in x out). */
function affine(x: number[], p: Params, w: string, b: string): number[] {
  const W = p[w].value;
  return Array.from({ length: W.cols }, (_, j) =>
    x.reduce((s, v, i) => s + v * W.get(i, j), p[b].value.data[j]),
  );
}

/** Layer norm of one row (eps 1e-12, as S3-Rec). */
function norm(x: number[], p: Params, name: string): number[] {
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / x.length;
  const g = p[`${name}.gain`].value.data;
  const b = p[`${name}.bias`].value.data;
  return x.map((u, j) => ((u - m) / Math.sqrt(v + 1e-12)) * g[j] + b[j]);
}

/** GELU, tanh approximation (the one the autograd op computes). */
const geluOf = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** The S3-Rec SASRec encoder (post-LN, causal, GELU, no dropout) for one sequence, written out. */
function s3recReference(p: Params, seq: Int32Array, blocks: number, heads: number): number[][] {
  const d = p.item.value.cols;
  const dk = d / heads;
  const shift = p.pos.value.rows - seq.length; // positions end at maxLen - 1 (left padding)
  let x = Array.from(seq, (it, t) =>
    norm(
      Array.from({ length: d }, (_, j) => p.item.value.get(it, j) + p.pos.value.get(t + shift, j)),
      p,
      "emb",
    ),
  );
  for (let b = 0; b < blocks; b++) {
    const n = `block${b}`;
    const q = x.map((r) => affine(r, p, `${n}.attn.wq`, `${n}.attn.bq`));
    const k = x.map((r) => affine(r, p, `${n}.attn.wk`, `${n}.attn.bk`));
    const v = x.map((r) => affine(r, p, `${n}.attn.wv`, `${n}.attn.bv`));
    const ctx = x.map((_, t) => {
      const out = new Array<number>(d).fill(0);
      for (let h = 0; h < heads; h++) {
        const cols = Array.from({ length: dk }, (_, c) => h * dk + c);
        const logits = Array.from(
          { length: t + 1 },
          (_, s) => cols.reduce((a, c) => a + q[t][c] * k[s][c], 0) / Math.sqrt(dk),
        );
        const mx = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - mx));
        const z = e.reduce((a, b2) => a + b2, 0);
        for (let s = 0; s <= t; s++) for (const c of cols) out[c] += (e[s] / z) * v[s][c];
      }
      return out;
    });
    x = x.map((r, t) =>
      norm(
        affine(ctx[t], p, `${n}.attn.wo`, `${n}.attn.bo`).map((u, j) => u + r[j]),
        p,
        `${n}.ln1`,
      ),
    );
    x = x.map((r) => {
      const hid = affine(r, p, `${n}.ffn.w1`, `${n}.ffn.b1`).map(geluOf);
      return norm(
        affine(hid, p, `${n}.ffn.w2`, `${n}.ffn.b2`).map((u, j) => u + r[j]),
        p,
        `${n}.ln2`,
      );
    });
  }
  return x;
}

describe("sequence packing", () => {
  it("keeps the last maxLen items, positions end at maxLen - 1, targets are the next items", () => {
    const seqs = [Int32Array.from([5, 6, 7, 8, 9]), Int32Array.from([3]), Int32Array.from([])];
    const inf = packSequences(seqs, 3);
    expect(Array.from(inf.items)).toEqual([7, 8, 9, 3]);
    expect(Array.from(inf.positions)).toEqual([0, 1, 2, 2]);
    expect(Array.from(inf.starts)).toEqual([0, 3, 4]);
    expect(Array.from(inf.lengths)).toEqual([3, 1, 0]);
    const tr = packTraining(seqs, 3, [0, 1]);
    expect(Array.from(tr.items)).toEqual([6, 7, 8]);
    expect(Array.from(tr.targets ?? [])).toEqual([7, 8, 9]);
    expect(Array.from(tr.lengths)).toEqual([3, 0]);
  });

  it("packed rows give exactly the states of the same sequence encoded alone (no cross-talk)", () => {
    const c = cfg({ blocks: 2, heads: 2 });
    const p = initParams(N_ITEMS, c, new Rng(4));
    const seqs = [Int32Array.from([1, 2, 3]), Int32Array.from([7, 8, 9, 10, 11])];
    const both = sasrecForward(Tape.inference(), p, packSequences(seqs, c.maxLen), c).value;
    const alone = sasrecForward(Tape.inference(), p, packSequences([seqs[1]], c.maxLen), c).value;
    // Equal up to rounding: BLAS may sum in another order for another row count (CPU dependent).
    const packed = both.data.subarray(3 * 16);
    expect(packed.length).toBe(alone.data.length);
    alone.data.forEach((v, i) => expect(packed[i]).toBeCloseTo(v, 5));
  });
});

describe("SASRec network and sampler", () => {
  it("the whole forward pass + each loss has finite-difference gradients (dropout on, two heads)", () => {
    const c = cfg({ blocks: 2, heads: 2, dim: 4, maxLen: 5, dropout: 0.2 });
    const base = initParams(7, c, new Rng(2));
    const seqs = [
      Int32Array.from([1, 2, 3, 4]),
      Int32Array.from([6, 0]),
      Int32Array.from([5, 5, 1, 2, 0, 3, 4]),
    ];
    const batch = packTraining(seqs, c.maxLen, [0, 1, 2]);
    const targets = batch.targets ?? new Int32Array();
    const names = ["item", "pos", "block0.attn.wq", "block1.attn.wk", "block1.ffn.w1", "final.gain"];
    const losses = {
      ce: (t: Tape, h: Variable, e: Variable) => tableSoftmaxCrossEntropy(t, h, e, targets),
      bce: (t: Tape, h: Variable, e: Variable) =>
        sampledBceLoss(
          t,
          h,
          e,
          targets,
          Int32Array.from(targets, (y) => (y + 3) % 7),
        ),
      sampled: (t: Tape, h: Variable, e: Variable) =>
        sampledSoftmaxLoss(t, h, e, targets, { ids: Int32Array.from([0, 2, 6]), perRow: false }),
    };
    for (const loss of Object.values(losses)) {
      const report = gradCheck(
        (t, vars) => {
          const p = { ...base };
          names.forEach((n, i) => (p[n] = vars[i]));
          return loss(t, sasrecForward(t, p, batch, c, new Rng(11)), p.item);
        },
        names.map((n) => base[n].value),
        { eps: 1e-2, atol: 1e-4, maxElements: 16 },
      );
      expect(report.failures).toEqual([]);
      expect(report.forwardMismatch).toBe(0);
    }
  });

  it("the s3rec (post-LN) variant: gradients check, and the forward pass equals a plain-loop reference", () => {
    const c = cfg({
      variant: "s3rec",
      blocks: 2,
      heads: 2,
      dim: 4,
      maxLen: 5,
      dropout: 0.2,
      activation: "gelu",
    });
    const p = initParams(7, c, new Rng(4));
    expect(p["block0.ffn.w1"].value.cols).toBe(16);
    // N(0, 0.02) tables are tiny next to a finite-difference step: scale them up for the check.
    for (const name of ["item", "pos"]) p[name].value.data.forEach((v, i, a) => (a[i] = v * 50));
    expect(p["final.gain"]).toBeUndefined();
    const seqs = [Int32Array.from([1, 2, 3, 4]), Int32Array.from([6, 0])];
    const batch = packTraining(seqs, c.maxLen, [0, 1]);
    const targets = batch.targets ?? new Int32Array();
    const names = ["item", "pos", "emb.gain", "block0.attn.wq", "block1.ffn.w1", "block1.ln2.gain"];
    const report = gradCheck(
      (t, vars) => {
        const q = { ...p };
        names.forEach((n, i) => (q[n] = vars[i]));
        return tableSoftmaxCrossEntropy(t, sasrecForward(t, q, batch, c, new Rng(11)), q.item, targets);
      },
      names.map((n) => p[n].value),
      { eps: 1e-2, atol: 1e-4, maxElements: 16 },
    );
    expect(report.failures).toEqual([]);
    // Inference (no dropout) against a direct transcription of the S3-Rec encoder.
    const seq = Int32Array.from([5, 1, 3]);
    const got = sasrecForward(Tape.inference(), p, packSequences([seq], c.maxLen), c).value;
    const want = s3recReference(p, seq, c.blocks, c.heads);
    for (let i = 0; i < want.length; i++)
      for (let j = 0; j < 4; j++) expect(got.get(i, j)).toBeCloseTo(want[i][j], 5);
  });

  it("BCE negatives avoid the whole training sequence; a sequence of every item is refused", () => {
    const seqs = [Int32Array.from([0, 1, 2, 3]), Int32Array.from([4, 5, 4])];
    const sampler = new SequenceNegatives(7);
    const batch = packTraining(seqs, 8, [0, 1]);
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let r = 0; r < 200; r++) {
      const neg = sampler.excludingHistory(seqs, [0, 1], batch, rng);
      for (let t = 0; t < 3; t++) expect([4, 5, 6]).toContain(neg[t]);
      for (let t = 3; t < 5; t++) expect([0, 1, 2, 3, 6]).toContain(neg[t]);
      neg.forEach((v) => seen.add(v));
    }
    expect(seen.size).toBe(7);
    const full = [Int32Array.from([0, 1, 2, 3, 4, 5, 6])];
    expect(() => sampler.excludingHistory(full, [0], packTraining(full, 8, [0]), rng)).toThrow(
      "sasrec.fit: sequence 0 contains all 7 items, so no negative can be sampled for it",
    );
  });
});

describe("SASRec", () => {
  const held = chain(100, 3, 10, 99);
  const heldTargets = held.map((s) => (s[s.length - 1] + 1) % N_ITEMS);

  /** HR@1 on the held-out next items, the history excluded (the leave-one-out convention). */
  function hitRate(model: SasRec, seqs: Int32Array[] = held): number {
    const batch = batchOf(seqs);
    const top = topKUnseen(model.scoreUsers(batch), batch.rows, 1);
    let hits = 0;
    for (let u = 0; u < seqs.length; u++) if (top.indices[u] === heldTargets[u]) hits++;
    return hits / seqs.length;
  }

  for (const loss of ["ce", "bce", "sampled"] as const) {
    it(`learns a planted Markov chain (next item = i + 1): HR@1 >= 0.9 on held-out sequences, loss ${loss}`, async () => {
      expect(hitRate(await fitted({ loss }))).toBeGreaterThanOrEqual(0.9);
    });
  }

  it("with the full softmax the next item ranks first even among all items (history included)", async () => {
    const scores = (await fitted()).scoreUsers(batchOf(held));
    let hits = 0;
    for (let u = 0; u < held.length; u++) {
      const row = scores.row(u);
      if (row.every((v, i) => i === heldTargets[u] || v < row[heldTargets[u]])) hits++;
    }
    expect(hits / held.length).toBeGreaterThanOrEqual(0.9);
  });

  it("per-position sampled negatives, two heads and GELU also learn the chain", async () => {
    const model = await fitted({
      loss: "sampled",
      negativeSharing: "position",
      activation: "gelu",
      heads: 2,
    });
    expect(hitRate(model)).toBeGreaterThanOrEqual(0.9);
  });

  it("the s3rec variant (post-LN, 2 heads, GELU, BCE) learns the chain too", async () => {
    const model = await fitted({ variant: "s3rec", loss: "bce", activation: "gelu", heads: 2 });
    expect(hitRate(model)).toBeGreaterThanOrEqual(0.9);
    const empty = model.encodeUsers(batchOf([Int32Array.from([])]));
    expect(empty.row(0).every(Number.isFinite)).toBe(true);
  });

  it("encodeUsers is the last position of encodePositions, and scoreUsers = encodeUsers E^T", async () => {
    const model = await fitted({ epochs: 2 });
    const seqs = [Int32Array.from([1, 2, 3]), Int32Array.from([]), chain(1, 12, 12, 5)[0]];
    const z = model.encodeUsers(batchOf(seqs));
    expect([z.rows, z.cols]).toEqual([3, 16]);
    const all = model.encodePositions(seqs);
    expect(Array.from(all.offsets)).toEqual([0, 3, 3, 11]); // the 12-item sequence keeps its last 8
    expect(Array.from(z.row(0))).toEqual(Array.from(all.states.row(2)));
    expect(Array.from(z.row(2))).toEqual(Array.from(all.states.row(10)));
    const e = model.encodeItems();
    const scores = model.scoreUsers(batchOf(seqs));
    for (const u of [0, 2]) {
      for (let i = 0; i < N_ITEMS; i++) {
        let s = 0;
        for (let j = 0; j < 16; j++) s += z.get(u, j) * e.get(i, j);
        expect(scores.get(u, i)).toBeCloseTo(s, 4);
      }
    }
    expect(z.row(1).every(Number.isFinite)).toBe(true);
  });

  it("save/load round-trips bit-exactly; the same seed gives bit-identical weights", async () => {
    const a = await fitted({ epochs: 2 }, 7);
    const b = await fitted({ epochs: 2 }, 7);
    const c = await fitted({ epochs: 2 }, 8);
    const path = join(dir, "m");
    a.save(path);
    const back = loadModel(path);
    expect(back.config).toEqual(a.config);
    const batch = batchOf(held);
    expect(sameBits(back.scoreUsers(batch).data, a.scoreUsers(batch).data)).toBe(true);
    expect(sameBits(back.encodeUsers(batch).data, a.encodeUsers(batch).data)).toBe(true);
    expect(sameBits(a.encodeItems().data, b.encodeItems().data)).toBe(true);
    expect(sameBits(a.encodeUsers(batch).data, b.encodeUsers(batch).data)).toBe(true);
    expect(sameBits(a.encodeItems().data, c.encodeItems().data)).toBe(false);
  });

  it("fails clearly without sequences, with misaligned or out-of-range ones, and on bad configs", async () => {
    const m = new SasRec(cfg({ epochs: 1 }));
    await expect(m.fit(trainCsr, { rng: new Rng(1) })).rejects.toThrow(
      "sasrec.fit: training sequences are required (FitContext.sequences is missing)",
    );
    await expect(m.fit(trainCsr, { rng: new Rng(1), sequences: train.slice(1) })).rejects.toThrow(
      "sasrec.fit: 159 training sequences for 160 rows",
    );
    const bad = train.slice();
    bad[3] = Int32Array.from([1, 30, 2]);
    await expect(m.fit(trainCsr, { rng: new Rng(1), sequences: bad })).rejects.toThrow(
      "sasrec.fit: sequence 3 has item 30 at position 1, outside [0, 24)",
    );
    const model = await fitted({ epochs: 1 });
    expect(() => model.encodeUsers({ rows: toCsr(held) })).toThrow(
      "sasrec.encodeUsers: the batch has no sequences (sequential models need UserBatch.sequences, one per row)",
    );
    expect(() => model.encodeUsers({ rows: toCsr(held), sequences: held.slice(2) })).toThrow(
      "sasrec.encodeUsers: 98 sequences for 100 rows",
    );
    expect(() => model.decode(new Matrix(1, 5))).toThrow("sasrec.decode: code is 1x5, expected 16 columns");
    expect(() => new SasRec(cfg()).encodePositions(held)).toThrow(
      "sasrec.encodePositions: the model is not fitted",
    );
    expect(() => createModel("sasrec", { dim: 10, heads: 4 })).toThrow(
      "sasrec config: heads: must divide dim 10 (got 4)",
    );
  });
});
