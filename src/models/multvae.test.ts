import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readSafetensors } from "../store/safetensors.js";
import { Rng } from "../tensor/rng.js";
import { MultVae, MultVaeConfigSchema } from "./multvae.js";
import { randomCsr } from "./testing.js";
import { userBatch } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "reclens-multvae-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Weights = Record<string, { rows: number; cols: number; data: Float32Array }>;

/** y = x W + b in float64 (x: rows of numbers). */
function affine(x: number[][], w: Weights[string], b: Weights[string]): number[][] {
  return x.map((row) =>
    Array.from({ length: w.cols }, (_, j) =>
      row.reduce((s, xi, i) => s + xi * w.data[i * w.cols + j], b.data[j]),
    ),
  );
}

describe("MultVAE", () => {
  it("defaults hidden to 3 x dim", () => {
    expect(MultVaeConfigSchema.parse({ dim: 7 }).hidden).toBe(21);
    expect(MultVaeConfigSchema.parse({ dim: 7, hidden: 5 }).hidden).toBe(5);
  });

  it("training lowers the loss; encodeUsers/decode equal an independent float64 forward pass", async () => {
    const x = randomCsr(40, 15, 0.25, 4, true);
    const model = new MultVae(
      MultVaeConfigSchema.parse({ dim: 3, hidden: 5, epochs: 20, batchSize: 10, lr: 0.01, annealSteps: 50 }),
    );
    const report = await model.fit(x, { rng: new Rng(9) });
    expect(report.losses[report.losses.length - 1]).toBeLessThan(report.losses[0]);
    model.save(dir);
    const st = readSafetensors(join(dir, "weights.safetensors"));
    const w: Weights = {};
    for (const [name, t] of st.tensors)
      w[name] = { rows: t.shape[0], cols: t.shape[1], data: t.data as Float32Array };

    const dense = x.toDense().toArray();
    const normalised = dense.map((row) => {
      const n = Math.hypot(...row);
      return row.map((v) => (n > 0 ? v / n : 0));
    });
    const hid = affine(normalised, w.encW, w.encB).map((r) => r.map(Math.tanh));
    const mu = affine(hid, w.muW, w.muB);
    const z = model.encodeUsers(userBatch(x));
    for (let u = 0; u < x.rows; u++) for (let k = 0; k < 3; k++) expect(z.get(u, k)).toBeCloseTo(mu[u][k], 5);

    const logits = affine(
      affine(mu, w.decW1, w.decB1).map((r) => r.map(Math.tanh)),
      w.decW2,
      w.decB2,
    );
    const scores = model.decode(z);
    for (let u = 0; u < x.rows; u++)
      for (let i = 0; i < 15; i++) expect(scores.get(u, i)).toBeCloseTo(logits[u][i], 4);
  });
});
