import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "../store/safetensors.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Gru4Rec, Gru4RecConfigSchema } from "./gru4rec.js";
import { createModel, loadModel } from "./index.js";
import type { UserBatch } from "./types.js";

/**
 * A planted Markov chain: items 0..n-1 on one cycle in random order (each item has exactly one
 * next item); each user's sequence follows the cycle from a random start for 4..8 steps.
 */
function markovChain(nItems: number, nUsers: number, seed: number) {
  const rng = new Rng(seed);
  const cycle = rng.permutation(nItems);
  const next = new Int32Array(nItems);
  for (let k = 0; k < nItems; k++) next[cycle[k]] = cycle[(k + 1) % nItems];
  const seqs: Int32Array[] = [];
  const r: number[] = [];
  const c: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const len = 4 + rng.int(5);
    const s = new Int32Array(len);
    s[0] = rng.int(nItems);
    for (let j = 1; j < len; j++) s[j] = next[s[j - 1]];
    seqs.push(s);
    for (const i of new Set(s)) {
      r.push(u);
      c.push(i);
    }
  }
  return { next, seqs, train: Csr.fromTriplets(nUsers, nItems, r, c) };
}

const chain = markovChain(20, 120, 1);
const batch: UserBatch = { rows: chain.train, sequences: chain.seqs };
const config = Gru4RecConfigSchema.parse({ dim: 16, epochs: 30, batchSize: 16, lr: 0.01, dropout: 0.1 });

async function fitted(seed: number): Promise<Gru4Rec> {
  const m = new Gru4Rec(config);
  await m.fit(chain.train, { rng: new Rng(seed), sequences: chain.seqs });
  return m;
}

function sameBits(a: Matrix, b: Matrix): boolean {
  return (
    a.shape === b.shape &&
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
      Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    )
  );
}

const dir = mkdtempSync(join(tmpdir(), "reclens-gru4rec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GRU4Rec", () => {
  let model: Gru4Rec;

  it("learns a planted Markov chain: the next item of every sequence ranks first (HR@1 >= 0.9)", async () => {
    model = await fitted(2);
    expect(model.sequential).toBe(true);
    const scores = model.scoreUsers(batch);
    let hits = 0;
    for (let u = 0; u < chain.seqs.length; u++) {
      const s = chain.seqs[u];
      const row = scores.row(u);
      let best = 0;
      for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
      if (best === chain.next[s[s.length - 1]]) hits++;
    }
    expect(hits / chain.seqs.length).toBeGreaterThanOrEqual(0.9);
  });

  it("the probing site is the state of the last position, and decode(z) = (z W + b) E^T", () => {
    const z = model.encodeUsers(batch);
    const pos = model.encodePositions(chain.seqs);
    expect(pos.offsets[chain.seqs.length]).toBe(pos.states.rows);
    for (const u of [0, 7, 55]) {
      const last = pos.offsets[u + 1] - 1;
      expect(Array.from(z.row(u))).toEqual(Array.from(pos.states.row(last)));
    }
    // The GRU is causal: a prefix's final state equals the state at that position of the full sequence.
    const prefix = model.encodeUsers({
      rows: chain.train.rowRange(0, 1),
      sequences: [chain.seqs[0].subarray(0, 2)],
    });
    for (let k = 0; k < 16; k++)
      expect(prefix.get(0, k)).toBeCloseTo(pos.states.get(pos.offsets[0] + 1, k), 6);
    const scores = model.decode(z.rowRange(0, 2));
    const e = model.encodeItems();
    const dir2 = join(dir, "weights");
    model.save(dir2);
    // Recompute (z W + b) E^T from the saved weights by hand.
    const st = readSafetensors(join(dir2, "weights.safetensors")).tensors;
    const W = st.get("dense.w")?.data as Float32Array;
    const bias = st.get("dense.b")?.data as Float32Array;
    for (let u = 0; u < 2; u++) {
      const o = new Float64Array(16);
      for (let j = 0; j < 16; j++) {
        o[j] = bias[j];
        for (let k = 0; k < 16; k++) o[j] += z.get(u, k) * W[k * 16 + j];
      }
      for (const i of [0, 9, 19]) {
        let s = 0;
        for (let j = 0; j < 16; j++) s += o[j] * e.get(i, j);
        expect(scores.get(u, i)).toBeCloseTo(s, 4);
      }
    }
  });

  it("save/load round-trips bit-exactly", () => {
    const path = join(dir, "model");
    model.save(path);
    const back = loadModel(path);
    expect(back.name).toBe("gru4rec");
    expect(back.config).toEqual(model.config);
    expect(sameBits(back.encodeUsers(batch), model.encodeUsers(batch))).toBe(true);
    expect(sameBits(back.scoreUsers(batch), model.scoreUsers(batch))).toBe(true);
  });

  it("is deterministic under a seed", async () => {
    const small = { ...config, epochs: 2 };
    const run = async (seed: number) => {
      const m = new Gru4Rec(small);
      await m.fit(chain.train, { rng: new Rng(seed), sequences: chain.seqs });
      return m.scoreUsers(batch);
    };
    const a = await run(5);
    expect(sameBits(a, await run(5))).toBe(true);
    expect(sameBits(a, await run(6))).toBe(false);
  });

  it("needs sequences, rejects bad items and bad hyperparameters with clear errors", async () => {
    const fresh = new Gru4Rec(config);
    await expect(fresh.fit(chain.train, { rng: new Rng(1) })).rejects.toThrow(
      "gru4rec.fit: training sequences are required",
    );
    expect(() => fresh.encodeUsers(batch)).toThrow("gru4rec.encodeUsers: the model is not fitted");
    expect(() => model.encodeUsers({ rows: chain.train })).toThrow(
      "gru4rec.encodeUsers: the batch has no sequences",
    );
    const bad = chain.seqs.slice();
    bad[3] = Int32Array.from([1, 25]);
    expect(() => model.encodeUsers({ rows: chain.train, sequences: bad })).toThrow(
      "gru4rec.encodeUsers: sequence 3 has item 25 at position 1, outside [0, 20)",
    );
    expect(() => createModel("gru4rec", { dropout: 1 })).toThrow(
      "gru4rec config: dropout: Too big: expected number to be <1 (got 1)",
    );
    const empty = model.encodeUsers({ rows: chain.train.rowRange(0, 1), sequences: [new Int32Array(0)] });
    expect(Array.from(empty.row(0)).every((v) => v === 0)).toBe(true);
  });
});
