import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../store/safetensors.js";
import { kernels } from "../tensor/backend.js";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { FoldIn } from "./mfFoldIn.js";
import { mfLoss, type MfParams, type MfSamples } from "./mfLoss.js";
import { MfSampler } from "./mfSampler.js";
import { RowAdam } from "./rowAdam.js";
import { Mf, MfConfigSchema } from "./mf.js";
import { topKUnseen } from "./rank.js";
import { plantedBlocks, randomCsr } from "./testing.js";
import { trainingBatch } from "./types.js";

const U = 4;
const N = 6;
const D = 3;

function randomParams(seed: number, bias: boolean): MfParams {
  const rng = new Rng(seed);
  const p = new Matrix(U, D);
  const q = new Matrix(N, D);
  rng.fillNormal(p.data, 0, 0.8);
  rng.fillNormal(q.data, 0, 0.8);
  return {
    p,
    q,
    userBias: bias ? rng.fillNormal(new Float32Array(U), 0, 0.5) : null,
    itemBias: bias ? rng.fillNormal(new Float32Array(N), 0, 0.5) : null,
  };
}

function zeros(): MfParams {
  return {
    p: new Matrix(U, D),
    q: new Matrix(N, D),
    userBias: new Float32Array(U),
    itemBias: new Float32Array(N),
  };
}

/** Independent float64 loss over a flat parameter vector [P, Q, userBias, itemBias]. */
function naiveLoss(theta: Float64Array, s: MfSamples, reg: number, bias: boolean): number {
  const P = (u: number, k: number) => theta[u * D + k];
  const Q = (i: number, k: number) => theta[U * D + i * D + k];
  const ub = (u: number) => (bias ? theta[U * D + N * D + u] : 0);
  const ib = (i: number) => (bias ? theta[U * D + N * D + U + i] : 0);
  const sq = (f: (r: number, k: number) => number, r: number) =>
    [0, 1, 2].reduce((a, k) => a + f(r, k) ** 2, 0);
  const dot = (u: number, i: number) => [0, 1, 2].reduce((a, k) => a + P(u, k) * Q(i, k), 0);
  const sp = (x: number) => Math.log(1 + Math.exp(x));
  let total = 0;
  for (let t = 0; t < s.users.length; t++) {
    const u = s.users[t];
    const i = s.items[t];
    if (s.negatives) {
      const j = s.negatives[t];
      const x = dot(u, i) + ib(i) - (dot(u, j) + ib(j));
      total += sp(-x) + (reg / 2) * (sq(P, u) + sq(Q, i) + sq(Q, j) + ib(i) ** 2 + ib(j) ** 2);
    } else {
      const y = (s.labels as Float32Array)[t];
      const l = dot(u, i) + ib(i) + ub(u);
      total += sp(l) - y * l + (reg / 2) * (sq(P, u) + sq(Q, i) + ib(i) ** 2 + ub(u) ** 2);
    }
  }
  return total / s.users.length;
}

function flatten(m: MfParams): Float64Array {
  return Float64Array.from([
    ...m.p.data,
    ...m.q.data,
    ...(m.userBias ?? new Float32Array(U)),
    ...(m.itemBias ?? new Float32Array(N)),
  ]);
}

function checkGradient(samples: MfSamples, params: MfParams, reg: number): void {
  const grads = zeros();
  const loss = mfLoss(params, samples, reg, grads);
  const theta = flatten(params);
  expect(loss).toBeCloseTo(naiveLoss(theta, samples, reg, params.itemBias !== null), 6);
  const analytic = flatten(grads);
  const h = 1e-6;
  let maxErr = 0;
  let maxAbs = 0;
  for (let t = 0; t < theta.length; t++) {
    const keep = theta[t];
    theta[t] = keep + h;
    const up = naiveLoss(theta, samples, reg, params.itemBias !== null);
    theta[t] = keep - h;
    const down = naiveLoss(theta, samples, reg, params.itemBias !== null);
    theta[t] = keep;
    const fd = (up - down) / (2 * h);
    maxErr = Math.max(maxErr, Math.abs(fd - analytic[t]));
    maxAbs = Math.max(maxAbs, Math.abs(fd));
  }
  expect(maxAbs).toBeGreaterThan(1e-2);
  expect(maxErr).toBeLessThan(1e-6 + 1e-5 * maxAbs);
}

describe("MF loss gradients vs finite differences", () => {
  // Repeated users/items inside the batch exercise gradient accumulation.
  const users = new Int32Array([0, 1, 1, 3, 2, 0]);
  const items = new Int32Array([2, 0, 5, 5, 1, 2]);

  it("BPR with item biases and L2", () => {
    checkGradient(
      { users, items, negatives: new Int32Array([4, 3, 3, 0, 2, 1]) },
      randomParams(1, true),
      0.03,
    );
  });

  it("BCE with user and item biases and L2", () => {
    checkGradient(
      { users, items, labels: new Float32Array([1, 0, 1, 0, 0, 1]) },
      randomParams(2, true),
      0.05,
    );
  });

  it("BPR without biases", () => {
    const params = randomParams(3, false);
    checkGradient({ users, items, negatives: new Int32Array([1, 1, 2, 4, 0, 3]) }, params, 0);
  });
});

describe("MF fold-in", () => {
  it("equals the dense weighted ridge solution (Q^T C Q + lambda I)^-1 Q^T C (y - b), lambda = reg trace(Q^T Q)/d", () => {
    const rows = randomCsr(3, 7, 0.4, 5, true);
    const q = new Matrix(7, 3);
    new Rng(6).fillNormal(q.data);
    const b = new Rng(7).fillNormal(new Float32Array(7), 0, 0.3);
    const reg = 0.7;
    const alpha = 4;
    const folder = new FoldIn(q, b, { reg, alpha });
    const got = folder.users(rows);
    const dense = rows.toDense();
    let trace = 0;
    for (const v of q.data) trace += v * v; // trace(Q^T Q) = ||Q||_F^2
    const lambda = (reg * trace) / 3;
    expect(folder.lambda).toBeCloseTo(lambda, 4);
    for (let u = 0; u < 3; u++) {
      // Build A and rhs over all items explicitly, solve by Gaussian elimination in float64.
      const a = Array.from({ length: 3 }, (_, r) =>
        Array.from({ length: 3 }, (_, c) => (r === c ? lambda : 0)),
      );
      const rhs = [0, 0, 0];
      for (let i = 0; i < 7; i++) {
        const r = dense.get(u, i);
        const c = 1 + alpha * r;
        const y = r > 0 ? 1 : 0;
        for (let s = 0; s < 3; s++) {
          rhs[s] += c * q.get(i, s) * (y - b[i]);
          for (let t = 0; t < 3; t++) a[s][t] += c * q.get(i, s) * q.get(i, t);
        }
      }
      for (let col = 0; col < 3; col++) {
        for (let r = col + 1; r < 3; r++) {
          const f = a[r][col] / a[col][col];
          for (let t = col; t < 3; t++) a[r][t] -= f * a[col][t];
          rhs[r] -= f * rhs[col];
        }
      }
      const sol = [0, 0, 0];
      for (let r = 2; r >= 0; r--) {
        let s = rhs[r];
        for (let t = r + 1; t < 3; t++) s -= a[r][t] * sol[t];
        sol[r] = s / a[r][r];
      }
      for (let s = 0; s < 3; s++) expect(got.get(u, s)).toBeCloseTo(sol[s], 4);
    }
  });
});

describe("MF sampling and optimiser", () => {
  it("BPR negatives are never the user's positives; every positive is visited once per epoch", () => {
    const x = randomCsr(30, 12, 0.3, 12);
    const sampler = new MfSampler(x, "bpr", 1, 1);
    const seen = new Map<string, number>();
    for (const b of sampler.epoch(new Rng(1), 17)) {
      for (let t = 0; t < b.users.length; t++) {
        expect(sampler.isPositive(b.users[t], b.items[t])).toBe(true);
        expect(sampler.isPositive(b.users[t], (b.negatives as Int32Array)[t])).toBe(false);
        const key = `${b.users[t]},${b.items[t]}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    expect(seen.size).toBe(x.nnz);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
  });

  it("BCE negatives follow item popularity", () => {
    // Items 0..3 have popularity 40, 20, 10, 0 among users 0..39; users 40..79 have only item 4.
    const r: number[] = [];
    const c: number[] = [];
    for (let u = 0; u < 40; u++) {
      r.push(u);
      c.push(0);
      if (u < 20) {
        r.push(u);
        c.push(1);
      }
      if (u < 10) {
        r.push(u);
        c.push(2);
      }
    }
    for (let u = 40; u < 80; u++) {
      r.push(u);
      c.push(4);
    }
    const x = Csr.fromTriplets(80, 5, r, c);
    const sampler = new MfSampler(x, "bce", 20, 1);
    const counts = new Float64Array(5);
    for (const b of sampler.epoch(new Rng(2), 1000)) {
      for (let t = 0; t < b.users.length; t++)
        if (b.users[t] >= 40 && (b.labels as Float32Array)[t] === 0) counts[b.items[t]]++;
    }
    // For users 40..79 the candidates are items 0..3 with weights (count + 1) = 41, 21, 11, 1.
    const total = counts[0] + counts[1] + counts[2] + counts[3];
    expect(counts[4]).toBe(0);
    expect(total).toBe(40 * 20);
    expect(counts[0] / total).toBeCloseTo(41 / 74, 1);
    expect(counts[1] / total).toBeCloseTo(21 / 74, 1);
    expect(counts[2] / total).toBeCloseTo(11 / 74, 1);
  });

  it("lazy Adam updates the touched rows like dense Adam would, leaves the rest, and clears their gradient", () => {
    const param = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const grad = Float32Array.from([0.5, -1, 9, 9, 2, 0.25]);
    const opt = new RowAdam(3, 2);
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };
    // Two steps on rows 0 and 2 against the kernel's dense Adam on those rows.
    const expected = param.slice();
    const m = new Float32Array(6);
    const v = new Float32Array(6);
    for (const step of [1, 2]) {
      for (const [a, b] of [
        [0, 2],
        [4, 6],
      ]) {
        kernels().adamUpdate(expected.subarray(a, b), grad.slice(a, b), m.subarray(a, b), v.subarray(a, b), {
          ...h,
          step,
        });
      }
      opt.touch([2, 0, 2]);
      const g = grad.slice();
      opt.step(param, g, step, h);
      expect(Array.from(g)).toEqual([0, 0, 9, 9, 0, 0]);
    }
    for (let t = 0; t < 6; t++) expect(param[t]).toBeCloseTo(expected[t], 6);
    expect(param[2]).toBe(3); // untouched row
    expect(param[0]).toBeLessThan(1 - 0.15); // two steps of about lr each, against the gradient sign
  });
});

describe("MF on planted blocks with BPR", () => {
  it("ranks the held-out block item first for almost every training user", async () => {
    const planted = plantedBlocks(10, 6, 3, 7);
    const model = new Mf(
      MfConfigSchema.parse({ dim: 4, epochs: 30, batchSize: 32, lr: 0.05, reg: 0.2, loss: "bpr" }),
    );
    await model.fit(planted.train, { rng: new Rng(3) });
    const batch = trainingBatch(planted.train);
    const top = topKUnseen(model.scoreUsers(batch), batch.rows, 1);
    let hits = 0;
    for (let u = 0; u < planted.train.rows; u++) if (top.indices[u] === planted.heldOut[u]) hits++;
    expect(hits).toBeGreaterThanOrEqual(18);
  });
});

describe("MF score", () => {
  it("equals P_u . Q_i + item bias + user bias for the requested items", async () => {
    const x = randomCsr(12, 9, 0.4, 30);
    const model = new Mf(MfConfigSchema.parse({ dim: 3, epochs: 3, loss: "bce", bias: true, batchSize: 8 }));
    await model.fit(x, { rng: new Rng(4) });
    const dir = mkdtempSync(join(tmpdir(), "reclens-mf-"));
    model.save(dir);
    const st = readSafetensors(join(dir, "weights.safetensors"));
    rmSync(dir, { recursive: true, force: true });
    const P = st.tensors.get("P")?.data as Float32Array;
    const Q = st.tensors.get("Q")?.data as Float32Array;
    const ub = st.tensors.get("userBias")?.data as Float32Array;
    const ib = st.tensors.get("itemBias")?.data as Float32Array;
    const items = new Int32Array([8, 0, 5]);
    const users = [2, 7];
    const s = model.score({ rows: x.gatherRows(users), userIds: Int32Array.from(users) }, items);
    users.forEach((u, r) => {
      items.forEach((i, c) => {
        let want = ub[u] + ib[i];
        for (let k = 0; k < 3; k++) want += P[u * 3 + k] * Q[i * 3 + k];
        expect(s.get(r, c)).toBeCloseTo(want, 5);
      });
    });
    expect(() =>
      model.score({ rows: x.gatherRows([0]), userIds: Int32Array.from([0]) }, new Int32Array([9])),
    ).toThrow("mf.score: item 9 out of range [0, 9)");
  });
});
