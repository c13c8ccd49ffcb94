import { describe, expect, it } from "vitest";
import { Csr } from "../tensor/csr.js";
import { Matrix } from "../tensor/matrix.js";
import { Rng } from "../tensor/rng.js";
import { Elsa } from "./elsa.js";
import { elsaLoss } from "./elsaLoss.js";
import { randomCsr } from "./testing.js";
import { userBatch } from "./types.js";

/** Independent float64 ELSA loss: mean_u || p_u/|p_u| - x_u/|x_u| ||^2 with P = X A A^T - X, A = rownorm(W). */
function naiveLoss(x: number[][], w: Float64Array, n: number, d: number): number {
  const a = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += w[i * d + k] ** 2;
    for (let k = 0; k < d; k++) a[i * d + k] = w[i * d + k] / Math.sqrt(s);
  }
  let total = 0;
  for (const xu of x) {
    const z = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) z[k] += xu[i] * a[i * d + k];
    const p = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = -xu[j];
      for (let k = 0; k < d; k++) s += z[k] * a[j * d + k];
      p[j] = s;
    }
    const pn = Math.hypot(...p);
    const xn = Math.hypot(...xu);
    if (xn === 0) continue; // empty user: both sides are zero vectors
    for (let j = 0; j < n; j++) total += (p[j] / pn - xu[j] / xn) ** 2;
  }
  return total / x.length;
}

describe("ELSA loss and gradient", () => {
  const n = 9;
  const d = 3;
  const x = randomCsr(6, n, 0.35, 21, true);
  // Make user 2 empty: it must contribute zero loss and zero gradient.
  const rows = x.toDense().toArray();
  rows[2] = new Array(n).fill(0);
  const xs = Csr.fromDense(Matrix.fromRows(rows));
  const w = new Matrix(n, d);
  new Rng(4).fillNormal(w.data, 0, 0.7);

  it("loss equals an independent float64 computation", () => {
    expect(elsaLoss(xs, w)).toBeCloseTo(naiveLoss(rows, Float64Array.from(w.data), n, d), 5);
  });

  it("hand-derived gradient matches central finite differences", () => {
    const grad = new Matrix(n, d);
    elsaLoss(xs, w, grad);
    const w64 = Float64Array.from(w.data);
    const h = 1e-6;
    let maxErr = 0;
    let maxAbs = 0;
    for (let t = 0; t < w64.length; t++) {
      const keep = w64[t];
      w64[t] = keep + h;
      const up = naiveLoss(rows, w64, n, d);
      w64[t] = keep - h;
      const down = naiveLoss(rows, w64, n, d);
      w64[t] = keep;
      const fd = (up - down) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(fd - grad.data[t]));
      maxAbs = Math.max(maxAbs, Math.abs(fd));
    }
    expect(maxAbs).toBeGreaterThan(1e-2); // the check is not vacuous
    expect(maxErr / maxAbs).toBeLessThan(2e-4);
  });

  it("gradient is orthogonal to each row of W (the loss is scale-invariant per row)", () => {
    const grad = new Matrix(n, d);
    elsaLoss(xs, w, grad);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += grad.get(i, k) * w.get(i, k);
      expect(Math.abs(s)).toBeLessThan(1e-6);
    }
  });
});

describe("ELSA model", () => {
  it("training lowers the loss and embeddings keep unit-norm rows", async () => {
    const x = randomCsr(60, 20, 0.2, 8);
    const model = new Elsa({
      dim: 4,
      epochs: 15,
      batchSize: 16,
      lr: 0.05,
      beta1: 0.9,
      beta2: 0.999,
      shuffle: true,
    });
    const report = await model.fit(x, { rng: new Rng(2) });
    expect(report.losses[report.losses.length - 1]).toBeLessThan(report.losses[0] * 0.9);
    const a = model.encodeItems();
    for (let i = 0; i < a.rows; i++) expect(Math.hypot(...a.row(i))).toBeCloseTo(1, 5);
  });

  it("decode(z, batch) = z A^T - x and without the batch differs only on seen items", async () => {
    const x = randomCsr(8, 10, 0.3, 9);
    const model = new Elsa({
      dim: 3,
      epochs: 2,
      batchSize: 4,
      lr: 0.05,
      beta1: 0.9,
      beta2: 0.999,
      shuffle: false,
    });
    await model.fit(x, { rng: new Rng(3) });
    const batch = userBatch(x);
    const z = model.encodeUsers(batch);
    const a = model.encodeItems();
    const withX = model.decode(z, batch);
    const without = model.decode(z);
    const dense = x.toDense();
    for (let u = 0; u < 8; u++) {
      for (let i = 0; i < 10; i++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += z.get(u, k) * a.get(i, k);
        expect(without.get(u, i)).toBeCloseTo(s, 5);
        expect(withX.get(u, i)).toBeCloseTo(s - dense.get(u, i), 5);
      }
    }
  });
});
